using System.Text.Json.Serialization;
using Lineage.Core.MarketData;
using Lineage.Orchestration.Datasets;

namespace Lineage.Orchestration.WalkForwards;

// The walk-forward orchestration's inputs and outputs: requests, plans and headline figures, never per-bar arrays (those
// travel through walkforward/{id}/folds/{k}.json), so every message stays far below Durable's 64 KB limit.

/// <summary>The orchestration's input: the request and the dataset version its start checked (every fold trains on it).</summary>
public sealed record WalkForwardState(WalkForwardRequest Request, ResolvedDataset Dataset);

/// <summary>Where a fold starts, from what earlier attempts of the same walk-forward left in storage.</summary>
public enum FoldStart
{
    /// <summary>Nothing of the fold's run exists: train it from scratch.</summary>
    Fresh,

    /// <summary>The fold's run exists but never reached its test evaluation: resume it for its remaining iterations.</summary>
    Resume,

    /// <summary>The fold's run made its test evaluation, but the fold was not scored: score it, train nothing.</summary>
    Score,

    /// <summary>The fold was scored (<c>walkforward/{id}/folds/{k}.json</c>): reuse it.</summary>
    Done,
}

/// <summary>One fold's bars (indices into the series, with the dates of each block's first and last bar) and its run.</summary>
public sealed record FoldWindow(
    WalkForwardFold Fold,
    string RunId,
    DateTimeOffset TrainFrom,
    DateTimeOffset TrainTo,
    DateTimeOffset ValidationFrom,
    DateTimeOffset ValidationTo,
    DateTimeOffset TestFrom,
    DateTimeOffset TestTo);

/// <summary>
/// One fold as the orchestration plans it: its window, where it starts, how many iterations its run trains now (a resume:
/// the ones not yet trained) and, when an earlier attempt scored it, its outcome.
/// </summary>
public sealed record FoldPlan(FoldWindow Window, FoldStart Start, int Iterations, FoldOutcome? Done = null)
{
    [JsonIgnore]
    public WalkForwardFold Fold => Window.Fold;

    [JsonIgnore]
    public string RunId => Window.RunId;
}

/// <summary>The folded series and every fold's plan, in fold order.</summary>
public sealed record WalkForwardLayout(
    int SeriesBars,
    DateTimeOffset SeriesFrom,
    DateTimeOffset SeriesTo,
    double BarsPerYear,
    string PriceBasis,
    IReadOnlyList<FoldPlan> Folds);

public sealed record PlanWalkForwardInput(WalkForwardRequest Request, ResolvedDataset Dataset);

/// <summary>Claim fold run <paramref name="RunId"/>'s lock for walk-forward <paramref name="WalkForwardId"/> before it trains.</summary>
public sealed record ClaimFoldInput(string WalkForwardId, string RunId);

/// <param name="Seconds">How long the fold took in this attempt (orchestration time), recorded with its result.</param>
public sealed record ScoreFoldInput(string WalkForwardId, FoldPlan Plan, double Seconds);

/// <summary>How a fold ended: its status (<c>Completed</c>, <c>Stopped</c>, <c>Failed</c>) and, completed, its test figures.</summary>
public sealed record FoldOutcome(
    int Fold,
    string RunId,
    string Status,
    double Seconds,
    PolicyLine? Agent,
    PolicyLine? BuyAndHold,
    PolicyLine? BestRule,
    string? Failure = null);

/// <param name="SeriesBars">The bars the plan folded over (the series before the model's promotion window then): the summary
/// scores the same folds even if the model's splits roll meanwhile.</param>
public sealed record SummarizeWalkForwardInput(WalkForwardRequest Request, ResolvedDataset Dataset, IReadOnlyList<FoldOutcome> Outcomes, int? SeriesBars = null);

public sealed record ReleaseWalkForwardInput(string WalkForwardId, string Outcome);

/// <summary>
/// The orchestration's custom status: the phase and one line per fold. Bounded below Durable's 16 KB: at most 50 folds of
/// a few numbers each, no failure text (that is in the result).
/// </summary>
public sealed record WalkForwardProgress(string Phase, int FoldCount, IReadOnlyList<FoldProgress> Folds)
{
    [JsonIgnore]
    public int FoldsDone => Folds.Count(f => f.Status is FoldStatuses.Completed or FoldStatuses.Failed or FoldStatuses.Stopped);
}

/// <param name="Reused">True when an earlier attempt of the walk-forward scored this fold and it was not trained again.</param>
public sealed record FoldProgress(int Fold, string RunId, string Status, double? AgentReturn, double? BuyAndHoldReturn, double? BestRuleReturn, bool Reused = false);

public sealed record WalkForwardResult(string WalkForwardId, string Outcome, string SummaryBlob, WalkForwardSummary Summary);

public static class FoldStatuses
{
    public const string Pending = "Pending";
    public const string Running = "Running";
    public const string Completed = "Completed";
    public const string Stopped = "Stopped";
    public const string Failed = "Failed";
}
