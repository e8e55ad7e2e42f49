using System.Globalization;
using Microsoft.Extensions.Options;

namespace Lineage.Orchestration.Champions;

/// <summary>
/// Configuration section <c>Lineage:Models</c>: the champion/challenger rule and run retention.
/// A candidate is promoted when its annualised Sharpe ratio after fees, played greedily on the candidate
/// run's test split (the newest window of its data), is at least <see cref="PromotionMargin"/> above the
/// champion's on the same bars with the same fees.
/// </summary>
public sealed class ModelOptions
{
    public const string Section = "Lineage:Models";

    /// <summary>Six-field CRON of the Functions app's run retention timer (default 03:30 UTC daily); locally, <c>lineage runs prune</c>.</summary>
    public string RetentionSchedule { get; set; } = "0 30 3 * * *";

    /// <summary>Absolute Sharpe margin a candidate must beat the champion by (default 0.05).</summary>
    public double PromotionMargin { get; set; } = 0.05;

    /// <summary>Retention keeps this many most recently active runs (default 20)...</summary>
    public int KeepRuns { get; set; } = 20;

    /// <summary>...and never deletes a run that was active more recently than this (default 1 day), so runs in flight stay.</summary>
    public TimeSpan MinRunAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Previous champions remembered for rollback (default 20).</summary>
    public int RollbackDepth { get; set; } = 20;
}

public sealed class ModelOptionsValidator : IValidateOptions<ModelOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelOptions options)
    {
        var errors = new List<string>();
        if (!double.IsFinite(options.PromotionMargin) || options.PromotionMargin < 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Lineage:Models:PromotionMargin is {options.PromotionMargin}; it must be a finite number ≥ 0."));
        }

        if (options.KeepRuns < 1)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Lineage:Models:KeepRuns is {options.KeepRuns}; it must be at least 1."));
        }

        if (options.MinRunAge < TimeSpan.Zero)
        {
            errors.Add($"Lineage:Models:MinRunAge is {options.MinRunAge}; it must not be negative.");
        }

        if (options.RollbackDepth is < 1 or > 1000)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Lineage:Models:RollbackDepth is {options.RollbackDepth}; it must be 1..1000."));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
