using System.Reflection;
using System.Text.Json;
using Lineage.Core.Features;
using Lineage.Core.Trading;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Runs;
using Lineage.Storage;

namespace Lineage.Orchestration.Training;

/// <summary>
/// What a checkpoint needs, beyond weights, to act on new data by itself: the feature definition, the
/// normaliser fitted on the training split, the reward and arena it was trained with, and the data it saw.
/// Stored as the checkpoint's context JSON.
/// </summary>
public sealed record CheckpointContext(
    string RunId,
    int Iteration,
    string Dataset,
    string DataFingerprint,
    FeatureSpec Features,
    Normalizer Normalizer,
    RewardOptions Reward,
    ArenaOptions Arena)
{
    public string ToJson() => JsonSerializer.Serialize(this, LineageJson.Options);

    /// <summary>Reads a stored context; one written before the action set existed keeps its classic arena (<see cref="PersistedArena"/>).</summary>
    public static CheckpointContext FromJson(string json) =>
        PersistedArena.Upgrade(json, "arena").Deserialize<CheckpointContext>(LineageJson.Options)
        ?? throw new InvalidDataException("The checkpoint's context is empty.");
}

/// <summary>
/// Persisted as runs/{runId}/run.json when a run (re)starts: the request (its dataset resolved to a concrete
/// version), what it was prepared with, and the experiment record (requested dataset, version, code version).
/// <see cref="StartIteration"/> with <c>Run.Iterations</c> is the schedule anchor (ε and β) of this (re)start;
/// <see cref="Attempt"/> is the orchestration attempt that wrote the record; <see cref="Splits"/> the model's split generation
/// the run was (re)started on (none for a walk-forward fold, which cuts by its own bar ranges); <see cref="UniverseNormalizers"/>
/// the normaliser of each <see cref="TrainingRun.Universe"/> member that trains the run, fitted on its bars when the run was first
/// prepared with it and kept across resumes like <see cref="Normalizer"/> (null without a universe).
/// </summary>
public sealed record RunRecord(
    TrainingRun Run,
    int StartIteration,
    string DataFingerprint,
    Normalizer Normalizer,
    FeatureSpec Features,
    RunExperiment? Experiment = null,
    string? Attempt = null,
    Champions.SplitGeneration? Splits = null,
    IReadOnlyDictionary<string, Normalizer>? UniverseNormalizers = null)
{
    /// <summary>Reads a stored run record; one written before the action set existed keeps its classic arena (<see cref="PersistedArena"/>).</summary>
    public static RunRecord? FromJson(string json) =>
        PersistedArena.Upgrade(json, "run", "arena").Deserialize<RunRecord>(LineageJson.Options);
}

/// <summary>
/// What a run was made from, stored in its run record (<c>runs/{id}/run.json</c>) when PrepareRun resolves it:
/// the dataset as requested and as resolved (version, fingerprint), the code version and the seed every other
/// seed derives from. The configuration is the record's <see cref="RunRecord.Run"/>.
/// </summary>
public sealed record RunExperiment(
    string DatasetReference,
    string Dataset,
    int? DatasetVersion,
    string? DatasetSha256,
    string DataFingerprint,
    string CodeVersion,
    ulong Seed,
    DateTimeOffset PreparedAt,
    string Machine)
{
    /// <summary>The assembly's informational version: <c>1.0.0+{git sha}</c> when built from a git checkout.</summary>
    public static string CurrentCodeVersion { get; } =
        typeof(RunExperiment).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
