using Lineage.Core.Episodes;
using Lineage.Core.Statistics;

namespace Lineage.Cli.Experiments;

/// <summary>
/// The greedy agent and the baselines on one split, for the checkpoint the run selected on validation. The excess figures
/// over buy-and-hold carry the split's paired stationary block bootstrap CI (test split only; null when it was not drawn).
/// The agent's exposure (<see cref="TimeLong"/>, <see cref="TimeShort"/>, <see cref="MeanAbsExposure"/>) and
/// <see cref="CorrelationWithBuyAndHold"/> are those of <see cref="EvaluationReport"/>; null in results written before they
/// were measured, and the correlation also when undefined (an agent that stayed flat).
/// <see cref="Oracle"/>: the policy that knows the synthetic generator's state (trend, meanrev), null elsewhere.
/// </summary>
internal sealed record SplitResult(
    string Series,
    int Bars,
    double Return,
    double Sharpe,
    double MaxDrawdown,
    int Trades,
    double BuyAndHold,
    double BuyAndHoldSharpe,
    double BuyAndHoldMaxDrawdown,
    double Flat,
    double RandomMean,
    double RandomStd,
    double? Reference,
    double? Score,
    int[] ActionCounts,
    BootstrapInterval? ExcessReturnVsBuyAndHold,
    BootstrapInterval? ExcessSharpeVsBuyAndHold,
    string? BestRuleName = null,
    double? BestRule = null,
    double? BestRuleSharpe = null,
    double? BestRuleMaxDrawdown = null,
    double? TimeLong = null,
    double? TimeShort = null,
    double? MeanAbsExposure = null,
    double? CorrelationWithBuyAndHold = null,
    double? Oracle = null,
    double? OracleSharpe = null,
    double? OracleMaxDrawdown = null)
{
    public static SplitResult From(EvaluationReport r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var hold = r.Bootstrap?.Baselines.FirstOrDefault(b => b.Baseline == "buy-and-hold");
        return new SplitResult(
            r.SeriesName,
            r.Steps,
            r.Agent.Roi,
            r.Agent.Sharpe,
            r.Agent.MaxDrawdown,
            r.Agent.Trades,
            r.BuyAndHold.Roi,
            r.BuyAndHold.Sharpe,
            r.BuyAndHold.MaxDrawdown,
            r.Flat.Roi,
            r.Random.MeanRoi,
            r.Random.StdRoi,
            r.Reference?.Roi,
            Scores.Normalized(r),
            r.ActionCounts,
            hold?.ExcessReturn,
            hold?.ExcessSharpe,
            r.BestRule?.Name,
            r.BestRule?.Metrics.Roi,
            r.BestRule?.Metrics.Sharpe,
            r.BestRule?.Metrics.MaxDrawdown,
            r.Agent.TimeLong,
            r.Agent.TimeShort,
            r.Agent.MeanAbsExposure,
            r.CorrelationWithBuyAndHold,
            r.Oracle?.Roi,
            r.Oracle?.Sharpe,
            r.Oracle?.MaxDrawdown);
    }
}

/// <summary>One validation evaluation during training; the Sharpe ratios are null in results written before they were kept.</summary>
internal sealed record EvaluationPoint(
    int Iteration,
    double Return,
    double BuyAndHold,
    double RandomMean,
    double? Reference,
    double? Score,
    double? Sharpe = null,
    double? BuyAndHoldSharpe = null);

/// <summary>
/// One training seed of one variant on one market path: the selected checkpoint's scores and the run's curves.
/// <see cref="MarketSeed"/> is the synthetic market's generator seed; null on a file dataset (one path).
/// </summary>
internal sealed record SeedResult(
    string Variant,
    string Market,
    string Dataset,
    ulong Seed,
    ulong? MarketSeed,
    string RunId,
    string Status,
    double Seconds,
    long SelectedUpdate,
    int? SelectedIteration,
    SplitResult? Validation,
    SplitResult? Test,
    double[] LossPerIteration,
    double[] MeanQPerIteration,
    double[] EpisodeRoiPerIteration,
    IReadOnlyList<EvaluationPoint> ValidationCurve)
{
    public static SeedResult From(string variant, string market, Orchestration.Runs.TrainingRun run, string status, double seconds, RunArtifacts artifacts)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(artifacts);
        var test = artifacts.Test;
        var validations = artifacts.Validation.ToList();

        // The selected checkpoint is the one the test split was scored for; without a test (a failed run), the best validation.
        var selected = test is not null
            ? validations.LastOrDefault(v => v.Update == test.Update)
            : validations.MaxBy(v => v.Report.Agent.Roi);
        var curve = validations
            .Where(v => v.Iteration is not null)
            .Select(v => new EvaluationPoint(v.Iteration!.Value, v.Report.Agent.Roi, v.Report.BuyAndHold.Roi, v.Report.Random.MeanRoi, v.Report.Reference?.Roi, Scores.Normalized(v.Report), v.Report.Agent.Sharpe, v.Report.BuyAndHold.Sharpe))
            .ToList();
        return new SeedResult(
            variant,
            market,
            run.Dataset,
            run.Seed,
            run.MarketSeed,
            run.RunId,
            status,
            seconds,
            test?.Update ?? selected?.Update ?? -1,
            test?.Iteration ?? selected?.Iteration,
            selected is null ? null : SplitResult.From(selected.Report),
            test is null ? null : SplitResult.From(test.Report),
            [.. artifacts.Metrics.Select(m => m.Train.MeanLoss)],
            [.. artifacts.Metrics.Select(m => m.Train.MeanQ)],
            [.. artifacts.Metrics.Select(m => m.Acting.MeanEpisodeRoi)],
            curve);
    }
}
