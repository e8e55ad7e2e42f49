using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Trading;
using Lineage.Learning;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Policy.Checkpoints;
using Lineage.Storage;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// Loads and validates the dataset, fits the normaliser on the training split, and either creates the
/// run's first checkpoint (update 0, a seeded random network) or resumes from its latest valid one.
/// Idempotent: a retry of the same attempt finds what its first execution wrote and returns the same context.
/// On resume it reconciles the replay buffer with the checkpoint (see <see cref="ReconcileAsync"/>).
/// </summary>
public sealed class PrepareRunActivity(RunWorkspace workspace, ModelSplitStore modelSplits, ILogger<PrepareRunActivity> logger, TimeProvider? timeProvider = null)
    : TaskActivity<PrepareInput, RunContext>
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    private const long MaxCheckpointUpdate = 9_999_999_999;

    public override Task<RunContext> RunAsync(TaskActivityContext context, PrepareInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<RunContext> ExecuteAsync(PrepareInput input, CancellationToken cancellationToken)
    {
        var run = input.Run;
        using var span = LineageTelemetry.StartSpan(ActivityNames.PrepareRun, run.RunId, 0);
        await using var hold = await workspace.Locks.HoldAsync(run.RunId, cancellationToken);
        var errors = TrainingRunValidator.Validate(run);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid training run: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
        }

        await workspace.Storage.EnsureContainerAsync(cancellationToken);
        // dataset:{name} was resolved once, when the run was started: the record names the concrete version every activity
        // of this run loads, and it is the version the start checked even if a newer one was pushed since.
        var resolved = input.Dataset ?? await new DatasetRegistry(workspace.Container).ResolveAsync(run.Dataset, cancellationToken);
        run = run with { Dataset = resolved.Dataset };
        var checkpoints = workspace.Checkpoints(run.RunId);
        var latest = await checkpoints.LoadLatestAsync(bytes => CheckpointCodec.Decode(bytes), cancellationToken);

        if (latest is { } found && !run.Resume)
        {
            var record = await workspace.ReadRunRecordAsync(run.RunId, cancellationToken);
            // No run.json yet: a prepare (this attempt, or a start that crashed before recording itself) stopped between
            // checkpoint 0 and the record. Nothing trained from it, so preparing again is safe.
            if (found.Ref.Update != 0 || (record is not null && record.Attempt != input.Attempt))
            {
                throw new InvalidOperationException(
                    $"Run '{run.RunId}' already has checkpoints (latest update {found.Ref.Update}); start it with resume: true to continue, or use a new run id.");
            }

            // A retry of this attempt after its checkpoint 0 was written: creating it again writes the same bytes.
            OrchestrationLog.RunWarning(logger, run.RunId, "PrepareRun retried after it wrote checkpoint 0; preparing the same fresh run again");
        }

        // Every refusal comes before the first write (the model's splits): bounds, then freshness.
        if (latest is { } toResume && run.Resume)
        {
            var trained = CheckpointContext.FromJson(toResume.Value.ContextJson);
            CheckBounds(run, trained.Iteration + 1, toResume.Ref.Update);
            CheckActions(run, trained.Arena, toResume.Value.ActionCount);
        }
        else
        {
            CheckBounds(run, 0, 0);
        }

        // A file's series is read once: freshness, the model's splits and the run's data all cut the same bars.
        var file = run.Dataset.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal)
            ? null
            : await DatasetLoader.LoadSeriesAsync(run.Dataset, workspace.Container, DatasetLoader.MinTrainRows(run), cancellationToken);
        IReadOnlyList<string> freshness = file is null ? [] : CheckFreshness(run, file.Times, _time.GetUtcNow());
        var (splits, splitNote) = await EnsureModelSplitsAsync(run, resolved.Requested, file, cancellationToken);
        if (splitNote is not null)
        {
            freshness = [.. freshness, splitNote];
        }

        var data = await DatasetLoader.LoadAsync(run, splits, workspace.Container, cancellationToken, file);
        var experiment = new RunExperiment(
            resolved.Requested, resolved.Dataset, resolved.Version?.Version, resolved.Version?.Sha256, data.Fingerprint,
            RunExperiment.CurrentCodeVersion, run.Seed, DateTimeOffset.UtcNow, Environment.MachineName);
        workspace.RememberData(data);
        freshness = [.. freshness, .. data.UniverseNotes];

        if (latest is { } resumed && run.Resume)
        {
            return await ResumeAsync(run, input.Attempt, data, splits, experiment, resumed.Value, resumed.Ref, [.. resumed.Warnings, .. freshness], cancellationToken);
        }

        var normalizer = Normalizer.Fit(MarketFeatures.Compute(data.Train, run.Features));
        var context = new CheckpointContext(run.RunId, -1, run.Dataset, data.Fingerprint, run.Features, normalizer, run.Reward, run.Arena);
        var replay = workspace.Replay(run.RunId);
        var warnings = freshness.ToList();
        if ((await replay.TruncateAfterAsync(-1, cancellationToken)).Removed is > 0 and var stale)
        {
            warnings.Add($"The replay buffer held {stale} shards but the run had no checkpoint; they were removed so the fresh run starts empty.");
        }

        CrashPoints.Reach(CrashPoints.PrepareAfterReplayReset, run.RunId);

        using (var trainer = new DqnTrainer(run.Features.StateSize, run.Arena.ActionCount, run.Dqn, run.Seed))
        {
            var first = trainer.CreateCheckpoint(0, 0, new Core.Randomness.Rng(run.Seed).GetState(), context.ToJson());
            await checkpoints.SaveAsync(0, CheckpointCodec.Encode(first), cancellationToken);
        }

        await workspace.WriteJsonAsync(
            RunBlobs.Record(run.RunId),
            new RunRecord(run, 0, data.Fingerprint, normalizer, run.Features, experiment, input.Attempt, splits, UniverseNormalizers(data, run.Features, null)),
            cancellationToken);
        CrashPoints.Reach(CrashPoints.PrepareAfterRunRecord, run.RunId);
        OrchestrationLog.RunCreated(logger, run.RunId, run.Dataset, data.Train.Count);
        return new RunContext(0, 0, 0, 0, data.Fingerprint, data.Train.Count, data.Scored(Splits.Validation).Count, data.Scored(Splits.Test).Count, Resumed: false, warnings);
    }

    private async Task<RunContext> ResumeAsync(
        TrainingRun run,
        string attempt,
        RunData data,
        SplitGeneration? splits,
        RunExperiment experiment,
        Checkpoint checkpoint,
        CheckpointRef found,
        IReadOnlyList<string> loadWarnings,
        CancellationToken cancellationToken)
    {
        foreach (var warning in loadWarnings)
        {
            OrchestrationLog.RunWarning(logger, run.RunId, warning);
        }

        // A walk-forward fold's bar ranges are part of what the run is: a resume may not move its test block.
        var prior = await workspace.ReadRunRecordAsync(run.RunId, cancellationToken);
        if (prior is not null && prior.Run.Fold != run.Fold)
        {
            throw new ArgumentException(
                $"Run '{run.RunId}' was prepared with fold {prior.Run.Fold?.ToString() ?? "none"}; a resume must keep it (got {run.Fold?.ToString() ?? "none"}).");
        }

        // Keep the features and normaliser the network was trained with: new data flows through the same lens, and the
        // replay buffer's stored states stay comparable with the ones the resumed run adds.
        var previous = CheckpointContext.FromJson(checkpoint.ContextJson);
        var startIteration = previous.Iteration + 1;
        CheckBounds(run, startIteration, found.Update);
        var warnings = loadWarnings.ToList();
        if (prior?.Splits is { } before && splits is not null && before.Generation != splits.Generation)
        {
            warnings.Add(
                $"The model's splits moved from generation {before.Generation} to {splits.Generation} since this run last started ({splits}): " +
                "it now trains, selects and tests on the new generation's bars, from its latest checkpoint, with the normaliser it was first fitted with.");
        }

        if (prior is { Experiment: { } previousExperiment } && prior.DataFingerprint != data.Fingerprint && previousExperiment.Dataset == experiment.Dataset
            && previousExperiment.DatasetSha256 == experiment.DatasetSha256 && prior.Splits?.Generation == splits?.Generation)
        {
            // New bars (a new dataset version) or moved model splits change the fingerprint as expected; the same data cut
            // differently is worth saying, since evaluations before and after score different windows.
            warnings.Add(
                $"The run's data is cut differently from when it last started (fingerprint {prior.DataFingerprint[..12]}, now {data.Fingerprint[..12]}) " +
                $"with the same dataset '{experiment.Dataset}'{(experiment.DatasetVersion is { } v ? $" (version {v})" : "")}: its file changed, the run's split fractions changed, or this code version cuts it differently " +
                "(validation and test carry read-only feature history in front since that change, so every run prepared before it gets a new " +
                "fingerprint once). It goes on from its latest checkpoint; its evaluations from now on score the windows as cut now.");
        }

        if (Policy.DqnOptions.ChangeOnResume(checkpoint.Options, run.Dqn) is { } kept)
        {
            // The request's learning rate, γ, batch, clipping and target updates apply; the network goes on as it was trained.
            warnings.Add($"{kept}: the run goes on with the checkpoint's.");
        }
        var (bufferCount, acted) = await ReconcileAsync(run.RunId, startIteration, warnings, cancellationToken);
        CrashPoints.Reach(CrashPoints.PrepareAfterReconcile, run.RunId);
        await workspace.WriteJsonAsync(
            RunBlobs.Record(run.RunId),
            new RunRecord(
                run, startIteration, data.Fingerprint, previous.Normalizer, previous.Features, experiment, attempt, splits,
                UniverseNormalizers(data, previous.Features, prior?.UniverseNormalizers)),
            cancellationToken);
        CrashPoints.Reach(CrashPoints.PrepareAfterRunRecord, run.RunId);
        OrchestrationLog.RunResumed(logger, run.RunId, startIteration, found.Update);
        return new RunContext(
            startIteration,
            found.Update,
            checkpoint.EnvSteps,
            bufferCount,
            data.Fingerprint,
            data.Train.Count,
            data.Scored(Splits.Validation).Count,
            data.Scored(Splits.Test).Count,
            Resumed: true,
            warnings,
            acted);
    }

    /// <summary>
    /// One normaliser per universe member that trains the run: the one it was first fitted with when <paramref name="prior"/>
    /// has it (its stored states stay comparable, as the run's own normaliser stays), else fitted on the member's bars now.
    /// </summary>
    internal static IReadOnlyDictionary<string, Normalizer>? UniverseNormalizers(RunData data, FeatureSpec features, IReadOnlyDictionary<string, Normalizer>? prior) =>
        data.Universe.Count == 0
            ? null
            : data.Universe.ToDictionary(
                m => m.Dataset,
                m => prior is not null && prior.TryGetValue(m.Dataset, out var kept) ? kept : Normalizer.Fit(MarketFeatures.Compute(m.Train, features)),
                StringComparer.Ordinal);

    /// <summary>The network's outputs mean the actions it was trained with: a resume may not give them another meaning.</summary>
    private static void CheckActions(TrainingRun run, ArenaOptions trained, int outputs)
    {
        if (!run.Arena.SameActions(trained) || outputs != run.Arena.ActionCount)
        {
            throw new ArgumentException(
                $"Run '{run.RunId}' was trained with arena.actions {Describe(trained)} ({outputs} outputs); a resume must keep them (got {Describe(run.Arena)}). Start a new run id to change the action set.");
        }
    }

    private static string Describe(ArenaOptions arena) => arena.Actions == ActionSet.Classic
        ? nameof(ActionSet.Classic)
        : $"{nameof(ActionSet.TargetExposure)} [{string.Join(", ", arena.ActionNames())}]";

    /// <summary>
    /// Makes the replay buffer agree with the checkpoint the run resumes from (trained through iteration
    /// <paramref name="startIteration"/> − 1). The buffer's high-water mark is the newest iteration it holds:
    /// <list type="bullet">
    /// <item>≤ start − 1: nothing to do; the start iteration acts as usual.</item>
    /// <item>= start: its experiences were appended but its training step was lost (a crash, a refused update, a damaged
    /// checkpoint). The iteration is not acted again — its shards are part of the FIFO history (eviction already happened)
    /// and a replay with a different ε would change them — but trained on, with the acting record written before the append.</item>
    /// <item>&gt; start: later iterations were acted by a checkpoint that is gone; their shards are removed (experiences
    /// they evicted cannot come back: said in a warning), then as above.</item>
    /// </list>
    /// An appended iteration without an acting record (written by an older version) is removed and acted again.
    /// </summary>
    private async Task<(int BufferCount, ActingRecord? Acted)> ReconcileAsync(
        string runId, int startIteration, List<string> warnings, CancellationToken cancellationToken)
    {
        var replay = workspace.Replay(runId);
        var manifest = await replay.GetManifestAsync(cancellationToken);
        var highWater = BlobReplayStore.HighWaterIteration(manifest);
        if (highWater > startIteration)
        {
            (manifest, var removed) = await replay.TruncateAfterAsync(startIteration, cancellationToken);
            warnings.Add(
                $"The replay buffer held iterations up to {highWater}, acted by checkpoints after the one resumed from; " +
                $"their {removed} shards were removed (experiences they had evicted cannot be restored).");
        }

        ActingRecord? acted = null;
        if (BlobReplayStore.HighWaterIteration(manifest) == startIteration)
        {
            acted = await workspace.ReadJsonAsync<ActingRecord>(RunBlobs.Acting(runId, startIteration), cancellationToken);
            if (acted is null || acted.Iteration != startIteration)
            {
                (manifest, _) = await replay.TruncateAfterAsync(startIteration - 1, cancellationToken);
                warnings.Add($"Iteration {startIteration} was in the replay buffer without its acting record; its shards were removed and it acts again.");
            }
            else
            {
                warnings.Add(
                    $"Iteration {startIteration} was appended to the replay buffer but never trained; it trains on those experiences without acting again.");
            }
        }

        return (manifest?.LiveCount ?? 0, acted);
    }

    /// <summary>
    /// The model's split generation for <paramref name="run"/>, fixed by its first run (and rolled when due); none for a
    /// walk-forward fold, which cuts by its own bar ranges and never reaches the gate.
    /// </summary>
    private async Task<(SplitGeneration? Splits, string? Note)> EnsureModelSplitsAsync(TrainingRun run, string requested, PriceSeries? series, CancellationToken cancellationToken)
    {
        if (run.Fold is not null)
        {
            return (null, null);
        }

        var model = ModelNames.ForRun(run, requested);
        var (splits, note) = await modelSplits.EnsureAsync(model, run, series, cancellationToken);
        CrashPoints.Reach(CrashPoints.PrepareAfterModelSplits, run.RunId);
        if (note is not null)
        {
            OrchestrationLog.RunWarning(logger, run.RunId, note);
        }

        return (splits, note);
    }

    /// <summary>
    /// With <see cref="TrainingRun.MaxDataAgeDays"/> set: refuses data whose newest bar is older than the limit (nothing is
    /// written yet), and returns a note for the largest gap between bars when it is over a week. Duplicate and out-of-order
    /// bars never get this far (the loader refuses them).
    /// </summary>
    internal static IReadOnlyList<string> CheckFreshness(TrainingRun run, DateTimeOffset[] times, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(times);
        if (run.MaxDataAgeDays is null)
        {
            return [];
        }

        var limit = run.MaxDataAgeDays.Value;
        var newest = times[^1];
        var age = now - newest;
        if (age.TotalDays > limit)
        {
            throw new InvalidOperationException(
                $"Stale data: the newest bar of '{run.Dataset}' is {newest:yyyy-MM-dd HH:mm} UTC, {age.TotalDays:F1} days old; the limit is {limit} days " +
                "(maxDataAgeDays). Push fresh data (lineage data push) or raise the limit; nothing was trained.");
        }

        var gap = times.Zip(times.Skip(1), (a, b) => (From: a, To: b)).MaxBy(p => p.To - p.From);
        return gap.To - gap.From > TimeSpan.FromDays(7)
            ? [$"Data gap: no bar between {gap.From:yyyy-MM-dd} and {gap.To:yyyy-MM-dd} ({(gap.To - gap.From).TotalDays:F0} days) in '{run.Dataset}'."]
            : [];
    }

    /// <summary>Shard names hold 6 digits of iteration and checkpoint names 10 digits of update: a run must fit in both.</summary>
    private static void CheckBounds(TrainingRun run, int startIteration, long startUpdate)
    {
        var lastIteration = (long)startIteration + run.Iterations - 1;
        if (lastIteration > BlobReplayStore.MaxIteration)
        {
            throw new ArgumentException(
                $"Run '{run.RunId}' would reach iteration {lastIteration} (starting at {startIteration} with iterations {run.Iterations}), " +
                $"beyond the last iteration a run can hold ({BlobReplayStore.MaxIteration}); start a new run id.");
        }

        var lastUpdate = startUpdate + ((long)run.Iterations * run.UpdatesPerIteration);
        if (lastUpdate > MaxCheckpointUpdate)
        {
            throw new ArgumentException(
                $"Run '{run.RunId}' would reach learner update {lastUpdate} (from {startUpdate}, {run.Iterations} iterations × {run.UpdatesPerIteration} updates), " +
                $"beyond the last update a checkpoint can be named ({MaxCheckpointUpdate}); start a new run id.");
        }
    }
}
