using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Lineage.Storage;

/// <summary>A named place between two external effects of an activity, where the fault harness crashes a worker.</summary>
/// <param name="Name">Stable name, used by <see cref="CrashPoints.Variable"/> and the tests.</param>
/// <param name="Activity">The activity (or timer) whose execution reaches it.</param>
/// <param name="Done">The effect already applied when it is reached.</param>
/// <param name="Pending">The effect not yet applied.</param>
public sealed record CrashPoint(string Name, string Activity, string Done, string Pending)
{
    public override string ToString() => Name;
}

/// <summary>
/// Every crash point, and the switch that fires one. Off unless armed: in a test process by <see cref="Arm"/> (the point
/// throws <see cref="InjectedCrashException"/> once), or in a worker process by
/// <c>LINEAGE_CRASH_AT={runId}/{point}[/{occurrence}]</c>, which kills the process (SIGKILL, no clean-up) at the
/// point's n-th reach (default the first) — a real crash exactly there. Reaching an unarmed point costs one dictionary check.
/// </summary>
public static class CrashPoints
{
    public const string Variable = "LINEAGE_CRASH_AT";

    /// <summary>The activity names used by <see cref="CrashPoint.Activity"/> (the Durable names of the activities).</summary>
    public static class Activities
    {
        public const string PrepareRun = "PrepareRun";
        public const string RunEpisode = "RunEpisode";
        public const string AppendExperiences = "AppendExperiences";
        public const string TrainStep = "TrainStep";
        public const string Evaluate = "Evaluate";
        public const string PromoteCandidate = "PromoteCandidate";
        public const string ReleaseRun = "ReleaseRun";
        public const string RunRetention = "RunRetention";
        public const string PopulationRound = "PopulationRound";
    }

    public const string PrepareAfterModelSplits = "prepare.after-model-splits";
    public const string PrepareAfterReplayReset = "prepare.after-replay-reset";
    public const string PrepareAfterReconcile = "prepare.after-reconcile";
    public const string PrepareAfterRunRecord = "prepare.after-run-record";
    public const string EpisodeAfterShard = "episode.after-shard";
    public const string AppendAfterActingRecord = "append.after-acting-record";
    public const string ReplayAfterManifestCommit = "replay.after-manifest-commit";
    public const string ReplayAfterEvictedDeleted = "replay.after-evicted-deleted";
    public const string AppendAfterAppend = "append.after-append";
    public const string TrainAfterPriorities = "train.after-priorities";
    public const string CheckpointAfterBlob = "checkpoint.after-blob";
    public const string CheckpointAfterLatest = "checkpoint.after-latest";
    public const string CheckpointRetentionAfterDelete = "checkpoint-retention.after-delete";
    public const string TrainAfterCheckpoint = "train.after-checkpoint";
    public const string TrainAfterPrune = "train.after-prune";
    public const string TrainAfterMetrics = "train.after-metrics";
    public const string EvaluateAfterReport = "evaluate.after-report";
    public const string CheckpointAfterScore = "checkpoint.after-score";
    public const string EvaluateAfterScore = "evaluate.after-score";
    public const string ChampionAfterTrial = "champion.after-trial";
    public const string ChampionAfterCopy = "champion.after-copy";
    public const string ChampionAfterPointer = "champion.after-pointer";
    public const string ChampionAfterHistory = "champion.after-history";
    public const string PromoteAfterDecision = "promote.after-decision";
    public const string PromoteAfterFinal = "promote.after-final";
    public const string ReleaseAfterUnlock = "release.after-unlock";
    public const string RunRetentionAfterBlob = "run-retention.after-blob";
    public const string RunRetentionAfterRun = "run-retention.after-run";
    public const string PopulationAfterRecord = "population.after-record";
    public const string ExploitAfterReplayCopy = "exploit.after-replay-copy";

    /// <summary>Every crash point, in the order a run reaches them.</summary>
    public static IReadOnlyList<CrashPoint> All { get; } =
    [
        new(PrepareAfterModelSplits, Activities.PrepareRun, "the model's splits fixed (or rolled) in models/{m}/splits.json", "the run's data cut by them"),
        new(PrepareAfterReplayReset, Activities.PrepareRun, "a fresh run's stale replay shards removed", "checkpoint 0"),
        new(PrepareAfterReconcile, Activities.PrepareRun, "a resumed run's replay buffer reconciled with its checkpoint", "run.json rewritten"),
        new(PrepareAfterRunRecord, Activities.PrepareRun, "run.json", "the activity's result"),
        new(EpisodeAfterShard, Activities.RunEpisode, "the episode's shard", "the activity's result"),
        new(AppendAfterActingRecord, Activities.AppendExperiences, "the iteration's acting record", "the manifest commit"),
        new(ReplayAfterManifestCommit, Activities.AppendExperiences, "the manifest commit", "deleting the evicted shards"),
        new(ReplayAfterEvictedDeleted, Activities.AppendExperiences, "the evicted shards deleted", "the orphan sweep"),
        new(AppendAfterAppend, Activities.AppendExperiences, "the append (commit, eviction, sweep)", "the activity's result"),
        new(TrainAfterPriorities, Activities.TrainStep, "the new checkpoint's priorities", "the checkpoint"),
        new(CheckpointAfterBlob, Activities.TrainStep, "the checkpoint blob", "moving latest"),
        new(CheckpointAfterLatest, Activities.TrainStep, "latest moved", "the step's record (TrainStep) or retention (Evaluate, PrepareRun)"),
        new(TrainAfterCheckpoint, Activities.TrainStep, "the checkpoint written and latest moved", "the iteration's metrics"),
        new(TrainAfterMetrics, Activities.TrainStep, "the iteration's metrics (the step's record)", "checkpoint retention"),
        new(CheckpointRetentionAfterDelete, Activities.TrainStep, "one checkpoint deleted by retention", "the rest of retention"),
        new(TrainAfterPrune, Activities.TrainStep, "retention applied and the deleted checkpoints' priorities pruned", "the activity's result"),
        new(EvaluateAfterReport, Activities.Evaluate, "the evaluation report", "the checkpoint's validation score"),
        new(CheckpointAfterScore, Activities.Evaluate, "the validation score in the checkpoint's metadata", "checkpoint retention"),
        new(EvaluateAfterScore, Activities.Evaluate, "the score recorded and retention applied", "the activity's result"),
        new(ChampionAfterTrial, Activities.PromoteCandidate, "the candidate's line in the model's trials", "the decision (and a promotion)"),
        new(ChampionAfterCopy, Activities.PromoteCandidate, "the candidate's checkpoint copied into the model", "the champion pointer"),
        new(ChampionAfterPointer, Activities.PromoteCandidate, "the champion pointer", "the history line"),
        new(ChampionAfterHistory, Activities.PromoteCandidate, "the history line", "the decision record"),
        new(PromoteAfterDecision, Activities.PromoteCandidate, "the decision record", "final.json"),
        new(PromoteAfterFinal, Activities.PromoteCandidate, "final.json", "the activity's result"),
        new(ReleaseAfterUnlock, Activities.ReleaseRun, "the run's lock released", "the activity's result"),
        new(RunRetentionAfterBlob, Activities.RunRetention, "one blob of an expired run deleted", "the run's other blobs"),
        new(RunRetentionAfterRun, Activities.RunRetention, "an expired run deleted", "the next run and the checkpoint-copy prune"),
        new(PopulationAfterRecord, Activities.PopulationRound, "the next round's lineage events (the population's run id)", "the exploits they plan"),
        new(ExploitAfterReplayCopy, Activities.PopulationRound, "the donor's replay window copied into the recipient (the recipient's run id)", "the recipient's exploit checkpoint and latest"),
    ];

    private static readonly ConcurrentDictionary<(string RunId, string Point), Armed> ArmedPoints = new();
    private static readonly ConcurrentDictionary<(string RunId, string Point), int> Reached = new();
    private static readonly (string RunId, string Point, int Occurrence)? KillAt = Parse(Environment.GetEnvironmentVariable(Variable));

    /// <summary>Marks point <paramref name="point"/> reached by run <paramref name="runId"/>: fires it if armed.</summary>
    /// <exception cref="InjectedCrashException">The point was armed in this process with <see cref="Arm"/>.</exception>
    public static void Reach(string point, string runId)
    {
        if (KillAt is { } kill && kill.Point == point && kill.RunId == runId
            && Reached.AddOrUpdate((runId, point), 1, (_, n) => n + 1) == kill.Occurrence)
        {
            Console.Error.WriteLine($"lineage: crash point {point} reached by run {runId} (occurrence {kill.Occurrence}); killing this process ({Variable}).");
            Console.Error.Flush();
            using var self = Process.GetCurrentProcess();
            self.Kill();
            Thread.Sleep(Timeout.Infinite);
        }

        if (!ArmedPoints.IsEmpty && ArmedPoints.TryGetValue((runId, point), out var armed) && armed.Hit())
        {
            ArmedPoints.TryRemove((runId, point), out _);
            armed.OnFired?.Invoke();
            throw new InjectedCrashException(point, runId);
        }
    }

    /// <summary>
    /// Arms <paramref name="point"/> for run <paramref name="runId"/> in this process: its <paramref name="occurrence"/>-th
    /// reach calls <paramref name="onFired"/> and throws <see cref="InjectedCrashException"/>, once. Disposing disarms it.
    /// </summary>
    public static IDisposable Arm(string runId, string point, int occurrence = 1, Action? onFired = null)
    {
        if (All.All(p => p.Name != point))
        {
            throw new ArgumentException($"'{point}' is not a crash point.", nameof(point));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(occurrence, 1);
        var armed = new Armed(occurrence, onFired);
        if (!ArmedPoints.TryAdd((runId, point), armed))
        {
            throw new InvalidOperationException($"Crash point '{point}' is already armed for run '{runId}'.");
        }

        return new Disarm(() => ArmedPoints.TryRemove(new KeyValuePair<(string, string), Armed>((runId, point), armed)));
    }

    /// <summary>Parses <c>{runId}/{point}[/{occurrence}]</c>; null when unset or malformed.</summary>
    internal static (string RunId, string Point, int Occurrence)? Parse(string? value)
    {
        var parts = value?.Split('/') ?? [];
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || All.All(p => p.Name != parts[1]))
        {
            return null;
        }

        var occurrence = 1;
        if (parts.Length == 3 && (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out occurrence) || occurrence < 1))
        {
            return null;
        }

        return (parts[0], parts[1], occurrence);
    }

    private sealed class Armed(int occurrence, Action? onFired)
    {
        private int _reached;

        public Action? OnFired => onFired;

        public bool Hit() => Interlocked.Increment(ref _reached) == occurrence;
    }

    private sealed class Disarm(Action disarm) : IDisposable
    {
        public void Dispose() => disarm();
    }
}

/// <summary>Thrown by an armed crash point: the activity stops exactly there, as if its worker had died.</summary>
public sealed class InjectedCrashException : Exception
{
    public InjectedCrashException()
        : this("unknown", "unknown")
    {
    }

    public InjectedCrashException(string message)
        : base(message)
    {
        Point = "unknown";
        RunId = "unknown";
    }

    public InjectedCrashException(string message, Exception innerException)
        : base(message, innerException)
    {
        Point = "unknown";
        RunId = "unknown";
    }

    public InjectedCrashException(string point, string runId)
        : base($"Injected crash at '{point}' for run '{runId}'.")
    {
        Point = point;
        RunId = runId;
    }

    public string Point { get; }

    public string RunId { get; }
}
