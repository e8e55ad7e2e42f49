using System.Diagnostics;
using Lineage.Core.Randomness;
using Lineage.Learning;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Policy.Checkpoints;
using Lineage.Storage;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// The Durable adapter around <see cref="DqnStep.Train"/>: restores the learner from the iteration's base checkpoint,
/// loads the blob replay buffer, runs the step and writes the next checkpoint, priorities and metrics. Idempotent: a retry after the checkpoint was written returns
/// the recorded result instead of training twice. A non-finite update is refused and nothing is saved.
/// </summary>
public sealed class TrainStepActivity(RunWorkspace workspace, ILogger<TrainStepActivity> logger) : TaskActivity<TrainStepInput, TrainStepOutput>
{
    public override Task<TrainStepOutput> RunAsync(TaskActivityContext context, TrainStepInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<TrainStepOutput> ExecuteAsync(TrainStepInput input, CancellationToken cancellationToken)
    {
        using var span = LineageTelemetry.StartSpan(ActivityNames.TrainStep, input.RunId, input.Iteration);
        await using var hold = await workspace.Locks.HoldAsync(input.RunId, cancellationToken);
        var metricsBlob = RunBlobs.Metrics(input.RunId, input.Iteration);
        if (await workspace.ReadJsonAsync<IterationMetrics>(metricsBlob, cancellationToken) is { } done
            && done.BaseCheckpointUpdate == input.BaseCheckpointUpdate
            && await IsValidCheckpointAsync(input.RunId, done.Train.CheckpointUpdate, cancellationToken))
        {
            // A retry after the step was recorded: training again would advance the counters twice. The first attempt may
            // have died during the clean-up that follows the record: finish it.
            OrchestrationLog.TrainStepAlreadyDone(logger, input.RunId, input.Iteration);
            await CleanUpAsync(input, cancellationToken);
            LineageTelemetry.Succeeded(span);
            return done.Train;
        }

        var record = await workspace.GetRunAsync(input.RunId, cancellationToken);
        var run = record.Run;
        var checkpoint = await workspace.LoadCheckpointAsync(input.RunId, input.BaseCheckpointUpdate, cancellationToken);
        var context = CheckpointContext.FromJson(checkpoint.ContextJson);
        var rng = Rng.FromState(checkpoint.RngState);

        var replay = workspace.Replay(input.RunId);
        var manifest = await replay.GetManifestAsync(cancellationToken)
            ?? throw new InvalidOperationException($"Run '{input.RunId}' has no replay manifest; nothing to train on.");
        var cache = workspace.ShardCache(input.RunId);
        var prioritized = run.PrioritizedReplay
            ? await replay.LoadPrioritizedAsync(manifest, input.BaseCheckpointUpdate, cache, run.PriorityAlpha, cancellationToken)
            : null;
        IReplaySampler sampler = prioritized is not null
            ? new PrioritizedReplaySampler(prioritized)
            : new UniformReplaySampler(await replay.LoadAsync(manifest, cache, cancellationToken));
        var count = sampler.Count;

        // The run's hyperparameters (a resume may have fixed the learning rate or clipping) on the checkpoint's network.
        using var trainer = DqnTrainer.Restore(checkpoint, run.Dqn.WithShapeOf(checkpoint.Options));
        var updateLoopStarted = Stopwatch.GetTimestamp();
        var train = DqnStep.Train(trainer, sampler, input.Updates, run.Dqn.BatchSize, run.LearningStarts, input.PriorityBeta, rng);
        var updateLoop = Stopwatch.GetElapsedTime(updateLoopStarted);
        if (train.Refused)
        {
            OrchestrationLog.UpdateRefused(logger, input.RunId, input.Iteration, train.UpdatesDone, train.RefusedReason!);
            return new TrainStepOutput(input.BaseCheckpointUpdate, train.UpdatesDone, double.NaN, double.NaN, double.NaN, train.RefusedReason, []);
        }

        var updates = train.UpdatesDone;
        var nextContext = context with { Iteration = input.Iteration };
        Checkpoint next;
        try
        {
            next = trainer.CreateCheckpoint(
                checkpoint.EnvSteps + input.Acting.ExperiencesAdded,
                input.Iteration + 1,
                rng.GetState(),
                nextContext.ToJson());
        }
        catch (NonFiniteUpdateException ex)
        {
            OrchestrationLog.UpdateRefused(logger, input.RunId, input.Iteration, updates, ex.Message);
            return new TrainStepOutput(input.BaseCheckpointUpdate, updates, double.NaN, double.NaN, double.NaN, ex.Message, []);
        }

        if (prioritized is not null)
        {
            // Saved as the new checkpoint's priorities: the base checkpoint's stay as they were, so a retry of this step
            // (say the worker dies before the checkpoint is written) samples exactly what this attempt sampled.
            await replay.SavePrioritiesAsync(manifest, prioritized, trainer.UpdateCount, cancellationToken);
            CrashPoints.Reach(CrashPoints.TrainAfterPriorities, input.RunId);
        }

        // Written and pointed to, but nothing deleted yet: until the metrics record this step, a retry must still find its base.
        var saved = await workspace.Checkpoints(input.RunId).WriteAsync(trainer.UpdateCount, CheckpointCodec.Encode(next), cancellationToken);
        CrashPoints.Reach(CrashPoints.TrainAfterCheckpoint, input.RunId);

        var output = new TrainStepOutput(
            saved.Update,
            updates,
            train.MeanLoss,
            train.MeanQ,
            train.MeanAbsTdError,
            null,
            train.LearningStarted ? [] : [$"Iteration {input.Iteration}: buffer has {count} experiences, below learning start {DqnStep.LearningStartsAt(run.LearningStarts, run.Dqn.BatchSize)}; no updates."]);
        await workspace.WriteJsonAsync(metricsBlob, new IterationMetrics(input.Iteration, input.BaseCheckpointUpdate, input.Acting, output, count, train.Losses, train.MeanQs), cancellationToken);
        CrashPoints.Reach(CrashPoints.TrainAfterMetrics, input.RunId);
        await CleanUpAsync(input, cancellationToken);

        // Recorded once the step is persisted, so a retried step is not counted twice.
        foreach (var loss in train.Losses)
        {
            LineageTelemetry.UpdateCompleted(input.RunId, loss);
        }

        LineageTelemetry.ReplaySizeObserved(input.RunId, count);
        LineageTelemetry.TrainStepCompleted(input.RunId, updates, updateLoop, input.Iteration, record.StartIteration, run.Iterations);
        LineageTelemetry.Succeeded(span);
        return output;
    }

    /// <summary>Checkpoint retention, then the priorities of deleted checkpoints: the destructive part, after the step is recorded. Idempotent.</summary>
    private async Task CleanUpAsync(TrainStepInput input, CancellationToken cancellationToken)
    {
        var checkpoints = workspace.Checkpoints(input.RunId);
        await checkpoints.ApplyRetentionAsync(input.Protect, cancellationToken);
        var record = await workspace.GetRunAsync(input.RunId, cancellationToken);
        if (record.Run.PrioritizedReplay)
        {
            await workspace.Replay(input.RunId).PrunePrioritiesAsync((await checkpoints.ListAsync(cancellationToken)).Select(c => c.Update).ToHashSet(), cancellationToken);
        }

        CrashPoints.Reach(CrashPoints.TrainAfterPrune, input.RunId);
    }

    private async Task<bool> IsValidCheckpointAsync(string runId, long update, CancellationToken cancellationToken)
    {
        try
        {
            await workspace.LoadCheckpointAsync(runId, update, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or IOException or FormatException)
        {
            // Missing or corrupt (e.g. truncated after a crash): this step must run again and rewrite it.
            OrchestrationLog.RunWarning(logger, runId, $"recorded checkpoint {update} is unusable ({ex.Message}); training the step again");
            return false;
        }
    }
}
