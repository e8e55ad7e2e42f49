using Lineage.Core.Statistics;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Runs;
using Lineage.Storage;

namespace Lineage.Orchestration.Training;

// Activity inputs and outputs. They carry references (run id, iteration, checkpoint update, shard
// names), never experience arrays or weights, so every message stays far below Durable's 64 KB limit.

/// <summary>
/// <c>PrepareRun</c>'s input: the request and this orchestration's attempt id (from <c>context.NewGuid()</c>, so replay-safe),
/// recorded in run.json so a retried PrepareRun of a fresh run recognises the checkpoint 0 its first attempt wrote.
/// </summary>
/// <param name="Dataset">The dataset version the start checked (null: resolve it now, for callers without a start).</param>
public sealed record PrepareInput(TrainingRun Run, string Attempt, ResolvedDataset? Dataset = null);

/// <summary>The run whose lock the orchestration releases as it ends, and how it ended (for the log).</summary>
public sealed record ReleaseInput(string RunId, string Outcome);

/// <summary>
/// What <c>PrepareRun</c> found or created: where the run starts. <see cref="AlreadyActed"/> is set when the replay buffer
/// already holds the experiences of <see cref="StartIteration"/> (appended before the previous orchestration's training step
/// was lost): that iteration trains on them instead of acting again. <see cref="ValidationBars"/> and <see cref="TestBars"/> are the
/// splits' bars after their read-only history (the windows evaluations score), not the series' lengths.
/// </summary>
public sealed record RunContext(
    int StartIteration,
    long CheckpointUpdate,
    long EnvSteps,
    int BufferCount,
    string DataFingerprint,
    int TrainBars,
    int ValidationBars,
    int TestBars,
    bool Resumed,
    IReadOnlyList<string> Warnings,
    ActingRecord? AlreadyActed = null);

/// <summary>
/// The acting half of an iteration, written by <c>AppendExperiences</c> before its manifest commit
/// (<c>runs/{id}/acting/{iteration:D6}.json</c>): what a resumed run needs to train on an iteration that was appended
/// but not trained, exactly as the lost training step would have.
/// </summary>
public sealed record ActingRecord(int Iteration, IterationActing Acting, double PriorityBeta);

public sealed record EpisodeInput(
    string RunId,
    int Iteration,
    int Episode,
    long CheckpointUpdate,
    double Epsilon,
    ulong Seed);

public sealed record EpisodeOutput(
    ShardRef Shard,
    int Iteration,
    int Episode,
    int Experiences,
    double TotalReward,
    double Roi,
    int Trades,
    bool Bankrupt);

/// <summary>An actor's episodes (same run, iteration and checkpoint), played in order; each keeps its own seed and ε.</summary>
public sealed record ActorInput(IReadOnlyList<EpisodeInput> Episodes);

/// <summary>What each of an actor's episodes wrote, in the order of <see cref="ActorInput.Episodes"/>.</summary>
public sealed record ActorOutput(IReadOnlyList<EpisodeOutput> Episodes);

public sealed record AppendInput(string RunId, int Iteration, IReadOnlyList<EpisodeOutput> Episodes, IterationActing Acting, double PriorityBeta);

public sealed record AppendOutput(int BufferCount, int Appended);

/// <summary>The iteration's acting statistics, persisted by the train step with its own metrics.</summary>
public sealed record IterationActing(
    int EpisodesSucceeded,
    int EpisodesFailed,
    IReadOnlyList<int> FailedEpisodes,
    double MeanEpisodeReward,
    double MeanEpisodeRoi,
    int ExperiencesAdded,
    double Epsilon);

/// <summary>
/// <see cref="PriorityBeta"/> is the importance-sampling exponent of this iteration (from the schedule in force when it
/// acted); <see cref="Protect"/> names checkpoints retention must keep (the orchestration's selected checkpoint).
/// </summary>
public sealed record TrainStepInput(
    string RunId,
    int Iteration,
    int Updates,
    long BaseCheckpointUpdate,
    IterationActing Acting,
    int BufferCount,
    double PriorityBeta,
    IReadOnlyList<long> Protect);

public sealed record TrainStepOutput(
    long CheckpointUpdate,
    int UpdatesDone,
    double MeanLoss,
    double MeanQ,
    double MeanAbsTdError,
    string? RefusedReason,
    IReadOnlyList<string> Warnings);

/// <summary><see cref="Protect"/>: checkpoints that retention, run after a validation score is recorded, must keep.</summary>
public sealed record EvaluateInput(string RunId, int Iteration, long CheckpointUpdate, string Split, IReadOnlyList<long>? Protect = null);

/// <summary>
/// An evaluation's figures as the run's status shows them. The agent's exposure (<see cref="AgentTimeLong"/>,
/// <see cref="AgentTimeShort"/>, <see cref="AgentMeanAbsExposure"/>) and <see cref="CorrelationWithBuyAndHold"/> are those of
/// <see cref="Lineage.Core.Episodes.EvaluationReport"/>: null when undefined (a flat agent has no correlation) or recorded before
/// they were measured.
/// <see cref="BuyAndHoldSharpe"/>: buy-and-hold's annualised Sharpe on the same bars (null in outputs recorded before it was kept).
/// <see cref="OracleReturn"/>: on a synthetic trend or mean-reverting market, the return of the oracle that knows the generator's state; null elsewhere.
/// </summary>
public sealed record EvaluateOutput(
    string Split,
    int Iteration,
    long CheckpointUpdate,
    double AgentReturn,
    double AgentSharpe,
    double AgentMaxDrawdown,
    int AgentTrades,
    double BuyAndHoldReturn,
    double FlatReturn,
    double RandomMeanReturn,
    double RandomStdReturn,
    double? ReferenceReturn,
    int? AgentHitFloorAt = null,
    int? BuyAndHoldHitFloorAt = null,
    int RandomFloorHits = 0,
    string? BestRuleName = null,
    double? BestRuleReturn = null,
    double? BestRuleSharpe = null,
    BootstrapSummary? Bootstrap = null,
    double? AgentTimeLong = null,
    double? AgentTimeShort = null,
    double? AgentMeanAbsExposure = null,
    double? CorrelationWithBuyAndHold = null,
    double? OracleReturn = null,
    double? BuyAndHoldSharpe = null);

/// <summary>
/// The paired stationary block bootstrap of an evaluation (<see cref="Lineage.Core.Statistics.StationaryBootstrap"/>):
/// <see cref="Bars"/> per-bar returns resampled <see cref="Draws"/> times in blocks of mean length <see cref="BlockLength"/>,
/// the same indices for the agent and every baseline; each interval is the observed value and its
/// <see cref="Confidence"/> percentile interval. Excess return is agent − baseline total return over the window, excess
/// Sharpe is the difference of annualised Sharpe ratios, both after fees.
/// </summary>
public sealed record BootstrapSummary(
    int Bars,
    int Draws,
    double BlockLength,
    double Confidence,
    BootstrapInterval ExcessReturnVsBuyAndHold,
    BootstrapInterval ExcessSharpeVsBuyAndHold,
    BootstrapInterval? ExcessReturnVsBestRule = null,
    BootstrapInterval? ExcessSharpeVsBestRule = null);

/// <summary>Carried from one orchestration generation to the next through ContinueAsNew.</summary>
public sealed record TrainingState
{
    public required TrainingRun Run { get; init; }

    /// <summary>The dataset version resolved when the run was started: the version checked is the version trained.</summary>
    public ResolvedDataset? Dataset { get; init; }

    public RunContext? Context { get; init; }

    public int NextIteration { get; init; }

    public long LatestCheckpoint { get; init; }

    public int BufferCount { get; init; }

    public TrainStepOutput? LastTrain { get; init; }

    public EvaluateOutput? LatestEvaluation { get; init; }

    public EvaluateOutput? BestValidation { get; init; }

    public IReadOnlyList<string> Notes { get; init; } = [];

    public bool StopRequested { get; init; }
}

/// <summary>
/// The orchestration's custom status: what a caller polling the run sees. Bounded below Durable's 16 KB:
/// <see cref="FailedEpisodes"/> lists at most 100 of the iteration's <see cref="FailedEpisodeCount"/> failed episodes.
/// </summary>
public sealed record RunProgress(
    string Phase,
    int Iteration,
    int Iterations,
    int EpisodesDone,
    int EpisodesPlanned,
    IReadOnlyList<int> FailedEpisodes,
    int BufferCount,
    double? Loss,
    double? MeanQ,
    double? MeanEpisodeReward,
    long LatestCheckpoint,
    EvaluateOutput? LatestEvaluation,
    bool StopRequested,
    IReadOnlyList<string> Notes,
    int FailedEpisodeCount = 0);

public sealed record TrainingResult(
    string Outcome,
    string RunId,
    int IterationsCompleted,
    long FinalCheckpoint,
    EvaluateOutput? BestValidation,
    EvaluateOutput? Test,
    TrainStepOutput? LastTrain,
    IReadOnlyList<string> Notes);

/// <summary>Progress phases a client may act on (the others are free text for people).</summary>
public static class RunPhases
{
    public const string IterationDone = "Iteration done";
}

public static class RunOutcomes
{
    public const string Completed = "Completed";
    public const string Stopped = "Stopped";
}

/// <summary>A completed run's selected checkpoint and its test score: the candidate.</summary>
public sealed record PromotionInput(string RunId, long CheckpointUpdate, EvaluateOutput Test, EvaluateOutput? BestValidation);

public sealed record PromotionOutcome(string Model, bool Promoted, string Reason, double CandidateSharpe, double? ChampionSharpe);


/// <summary>Everything one iteration produced, persisted as runs/{runId}/metrics/{iteration}.json.</summary>
public sealed record IterationMetrics(
    int Iteration,
    long BaseCheckpointUpdate,
    IterationActing Acting,
    TrainStepOutput Train,
    int BufferCount,
    float[] LossPerUpdate,
    float[] MeanQPerUpdate);
