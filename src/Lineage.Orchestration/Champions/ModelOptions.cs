using System.Globalization;
using Microsoft.Extensions.Options;

namespace Lineage.Orchestration.Champions;

/// <summary>
/// Configuration section <c>Lineage:Models</c>: the champion/challenger gate, the answer without a champion, and run
/// retention. On the model's promotion window (the newest bars of its data, which no run trains, selects or reports on:
/// <see cref="ModelSplitStore"/>), after fees, a candidate is promoted
/// only if the per-bar Sharpe of its excess returns over buy-and-hold — and over the champion, when there is one — is
/// significantly positive once deflated for the model's recorded trials (deflated Sharpe ratio ≥
/// <see cref="PromotionConfidence"/>), it did not reach the bankruptcy floor, and its max drawdown is at most
/// buy-and-hold's plus <see cref="MaxDrawdownMargin"/>.
/// </summary>
public sealed class ModelOptions
{
    public const string Section = "Lineage:Models";

    /// <summary>Six-field CRON of the Functions app's run retention timer (default 03:30 UTC daily); locally, <c>lineage runs prune</c>.</summary>
    public string RetentionSchedule { get; set; } = "0 30 3 * * *";

    /// <summary>
    /// Confidence the candidate's excess Sharpe over buy-and-hold (and over the champion) is above what the best of the
    /// model's N trials would reach with no edge, as a deflated Sharpe ratio, in (0.5, 1) (default 0.95: on 252 normal
    /// bars an excess Sharpe of ≈ 0.104 per bar for the model's first trial, ≈ 0.204 for its tenth, see docs/nightly.md).
    /// </summary>
    public double PromotionConfidence { get; set; } = 0.95;

    /// <summary>
    /// The promotion window: the newest max(<see cref="PromotionMinBars"/>, <see cref="PromotionFraction"/> × bars) of a
    /// model's file data when its splits are fixed (default 252 bars — a trading year of daily data — and 15 %).
    /// </summary>
    public int PromotionMinBars { get; set; } = 252;

    /// <inheritdoc cref="PromotionMinBars"/>
    public double PromotionFraction { get; set; } = 0.15;

    /// <summary>
    /// A model's splits roll to the next generation when new bars have grown its promotion window to this many times the
    /// window the data asks for (default 2: a daily model fixes new dates about once a year of fresh data).
    /// </summary>
    public double PromotionRollFactor { get; set; } = 2;

    /// <summary>How much worse (absolute, as a fraction of equity) the candidate's max drawdown may be than buy-and-hold's (default 0.10).</summary>
    public double MaxDrawdownMargin { get; set; } = 0.10;

    /// <summary>
    /// What <c>decide</c> tells a caller while a model has no champion (default <see cref="NoChampionFallback.Flat"/>:
    /// stay flat; <see cref="NoChampionFallback.BuyAndHold"/>: hold the asset, the baseline the gate measures against).
    /// </summary>
    public NoChampionFallback WithoutChampion { get; set; } = NoChampionFallback.Flat;

    /// <summary>Retention keeps this many most recently active runs (default 20)...</summary>
    public int KeepRuns { get; set; } = 20;

    /// <summary>...and never deletes a run that was active more recently than this (default 1 day), so runs in flight stay.</summary>
    public TimeSpan MinRunAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Previous champions remembered for rollback (default 20).</summary>
    public int RollbackDepth { get; set; } = 20;
}

/// <summary>What to do while a model has no champion.</summary>
public enum NoChampionFallback
{
    /// <summary>Stay flat (no position): the action <c>Close</c>.</summary>
    Flat,

    /// <summary>Hold the asset (long): the action <c>Buy</c>, buy-and-hold, the baseline every candidate has to beat.</summary>
    BuyAndHold,
}

public sealed class ModelOptionsValidator : IValidateOptions<ModelOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelOptions options)
    {
        var errors = new List<string>();
        if (!(options.PromotionConfidence > 0.5 && options.PromotionConfidence < 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Lineage:Models:PromotionConfidence is {options.PromotionConfidence}; it must be in (0.5, 1), e.g. 0.95."));
        }

        if (!(options.MaxDrawdownMargin >= 0 && options.MaxDrawdownMargin <= 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Lineage:Models:MaxDrawdownMargin is {options.MaxDrawdownMargin}; it must be in [0, 1] (an absolute fraction of equity, e.g. 0.10)."));
        }

        if (options.PromotionMinBars < 30)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Lineage:Models:PromotionMinBars is {options.PromotionMinBars}; it must be at least 30 (default 252)."));
        }

        if (!(options.PromotionFraction > 0 && options.PromotionFraction < 0.5))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Lineage:Models:PromotionFraction is {options.PromotionFraction}; it must be in (0, 0.5), e.g. 0.15."));
        }

        if (!(options.PromotionRollFactor >= 1.5))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Lineage:Models:PromotionRollFactor is {options.PromotionRollFactor}; it must be at least 1.5 (default 2)."));
        }

        if (!Enum.IsDefined(options.WithoutChampion))
        {
            errors.Add($"Lineage:Models:WithoutChampion is {options.WithoutChampion}; it must be Flat or BuyAndHold.");
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
