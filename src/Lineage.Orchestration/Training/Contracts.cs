using Lineage.Orchestration.Runs;
using Lineage.Storage;

namespace Lineage.Orchestration.Training;

// Activity inputs and outputs. They carry references (run id, iteration, checkpoint update, shard
// names), never experience arrays or weights, so every message stays far below Durable's 64 KB limit.

/// <summary>What <c>PrepareRun</c> found or created: where the run starts.</summary>
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
    IReadOnlyList<string> Warnings);

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

public sealed record AppendInput(string RunId, int Iteration, IReadOnlyList<EpisodeOutput> Episodes);

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

public sealed record TrainStepInput(
    string RunId,
    int Iteration,
    int Updates,
    long BaseCheckpointUpdate,
    IterationActing Acting,
    int BufferCount);

public sealed record TrainStepOutput(
    long CheckpointUpdate,
    int UpdatesDone,
    double MeanLoss,
    double MeanQ,
    double MeanAbsTdError,
    string? RefusedReason,
    IReadOnlyList<string> Warnings);

public sealed record EvaluateInput(string RunId, int Iteration, long CheckpointUpdate, string Split);

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
    double? ReferenceReturn);

/// <summary>Carried from one orchestration generation to the next through ContinueAsNew.</summary>
public sealed record TrainingState
{
    public required TrainingRun Run { get; init; }

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

/// <summary>The orchestration's custom status: what a caller polling the run sees.</summary>
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
    IReadOnlyList<string> Notes);

public sealed record TrainingResult(
    string Outcome,
    string RunId,
    int IterationsCompleted,
    long FinalCheckpoint,
    EvaluateOutput? BestValidation,
    EvaluateOutput? Test,
    TrainStepOutput? LastTrain,
    IReadOnlyList<string> Notes);

public static class RunOutcomes
{
    public const string Completed = "Completed";
    public const string Stopped = "Stopped";
}
