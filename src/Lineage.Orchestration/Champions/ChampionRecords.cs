using Lineage.Core.Statistics;

namespace Lineage.Orchestration.Champions;

/// <summary>
/// A checkpoint that is or was a model's champion. <see cref="Checkpoint"/> is the model's own copy
/// (<c>models/{name}/checkpoints/…</c>), so run retention can never pull a champion from under the decisions.
/// </summary>
public sealed record ModelEntry(
    string RunId,
    long Update,
    string Checkpoint,
    string Sha256,
    string Dataset,
    string DataFingerprint);

/// <summary>One change of champion, as logged (append-only) in <c>models/{name}/history.jsonl</c>.</summary>
public sealed record ChampionChange(
    int Sequence,
    string Action,
    string By,
    string Reason,
    DateTimeOffset At,
    ModelEntry Champion,
    ModelEntry? Replaced,
    string? Decision);

/// <summary>
/// <c>models/{name}/champion.json</c>, written only with ETag conditions: the current champion and the
/// champions it replaced (most recent last), which is what <c>rollback</c> returns to.
/// </summary>
public sealed record ChampionPointer(
    string Model,
    int Sequence,
    ModelEntry Champion,
    IReadOnlyList<ModelEntry> Previous,
    ChampionChange LastChange);

public static class ChampionActions
{
    /// <summary>The champion/challenger rule promoted a finished run's candidate.</summary>
    public const string AutoPromote = "auto-promote";

    /// <summary>
    /// A person promoted a checkpoint by hand: an override of the gate, whatever it decided (the history line's reason
    /// says so, with the gate's decision on that checkpoint when there is one).
    /// </summary>
    public const string Promote = "promote";

    public const string Rollback = "rollback";
}

/// <summary>
/// How one policy did, greedily, on the evaluation window (after fees). <see cref="HitFloorAt"/> is the window bar
/// where it reached the bankruptcy floor (then it was flattened to cash; buy-and-hold is scored without a floor).
/// <see cref="TimeLong"/>, <see cref="TimeShort"/> and <see cref="MeanAbsExposure"/> are its exposure over the window
/// (<see cref="Core.Trading.AgentMetrics"/>), <see cref="CorrelationWithBuyAndHold"/> the Pearson correlation of its per-bar
/// returns with buy-and-hold's (null for buy-and-hold itself, when undefined — a policy that stayed flat — and in decisions
/// recorded before they were measured).
/// </summary>
public sealed record PolicyScore(
    double Sharpe,
    double Return,
    double MaxDrawdown,
    int Trades,
    bool Bankrupt,
    int Steps,
    int? HitFloorAt = null,
    double? TimeLong = null,
    double? TimeShort = null,
    double? MeanAbsExposure = null,
    double? CorrelationWithBuyAndHold = null);

/// <summary>The gate's tests, in the order they are applied; <see cref="PromotionDecision.FailedTest"/> names the first that failed.</summary>
public static class GateTests
{
    public const string Bankrupt = "bankrupt";
    public const string NotFinite = "not-finite";
    public const string BeatsBuyAndHold = "excess-sharpe-vs-buy-and-hold";
    public const string Drawdown = "max-drawdown-vs-buy-and-hold";
    public const string BeatsChampion = "excess-sharpe-vs-champion";

    /// <summary>Every test passed, but the run has <c>promote: false</c> (an experiment, by default): recorded, never promoted.</summary>
    public const string PromoteDisabled = "promote-disabled";
}

/// <summary>
/// The champion/challenger decision on one candidate, with every score, both significance tests and the reason:
/// <c>models/{name}/decisions/{runId}-{update:D10}.json</c>. <see cref="VsBuyAndHold"/> and
/// <see cref="VsChampion"/> test the per-bar excess returns on the window (<see cref="SharpeSignificance"/>: the
/// per-bar Sharpe SR, the model's trial count N, the trials' Sharpe variance V[SR], E[max SR] and the deflated Sharpe
/// ratio DSR); <see cref="FailedTest"/> is one of <see cref="GateTests"/>, null when promoted. <see cref="Promote"/> is
/// the run's <c>promote</c> field: false, the decision is recorded and the champion is never changed. Decisions
/// recorded before trials were counted have no DSR in their tests, and <see cref="Promote"/> true.
/// </summary>
public sealed record PromotionDecision(
    string Model,
    string RunId,
    long Update,
    bool Promoted,
    string Reason,
    string Metric,
    double Confidence,
    double MaxDrawdownMargin,
    PolicyScore Candidate,
    PolicyScore? Champion,
    PolicyScore? BuyAndHold,
    SharpeSignificance? VsBuyAndHold,
    SharpeSignificance? VsChampion,
    string? FailedTest,
    ModelEntry? ChampionBefore,
    string EvaluatedOn,
    string WindowFingerprint,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    DateTimeOffset DecidedAt,
    string DecidedBy,
    bool Promote = true);

/// <summary>
/// A model's time without a champion/challenger decision: <see cref="NightsWithoutDecision"/> whole days since
/// <see cref="Since"/>, its newest decision (<see cref="LastDecisionAt"/>) or, before any, when the nightly timer first watched it.
/// </summary>
public sealed record PromotionStatus(string Model, DateTimeOffset? LastDecisionAt, DateTimeOffset Since, int NightsWithoutDecision);
