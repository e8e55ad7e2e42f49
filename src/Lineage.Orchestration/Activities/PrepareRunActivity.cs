using Lineage.Core.Features;
using Lineage.Learning;
using Lineage.Learning.Checkpoints;
using Lineage.Orchestration.Data;
using Lineage.Orchestration.Models;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// Loads and validates the dataset, fits the normaliser on the training split, and either creates the
/// run's first checkpoint (update 0, a seeded random network) or resumes from its latest valid one.
/// </summary>
public sealed class PrepareRunActivity(RunWorkspace workspace, ILogger<PrepareRunActivity> logger) : TaskActivity<TrainingRun, RunContext>
{
    public override Task<RunContext> RunAsync(TaskActivityContext context, TrainingRun input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<RunContext> ExecuteAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        using var span = LineageTelemetry.StartSpan(ActivityNames.PrepareRun, run.RunId, 0);
        var errors = TrainingRunValidator.Validate(run);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid training run: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
        }

        await workspace.Storage.EnsureContainerAsync(cancellationToken);
        // dataset:{name} is resolved here, once: the record names the concrete version every activity of this run loads.
        var resolved = await new DatasetRegistry(workspace.Container).ResolveAsync(run.Dataset, cancellationToken);
        run = run with { Dataset = resolved.Dataset };
        var data = await DatasetLoader.LoadAsync(run, workspace.Container, cancellationToken);
        var experiment = new RunExperiment(
            resolved.Requested, resolved.Dataset, resolved.Version?.Version, resolved.Version?.Sha256, data.Fingerprint,
            RunExperiment.CurrentCodeVersion, run.Seed, DateTimeOffset.UtcNow, Environment.MachineName);
        workspace.RememberData(data);
        var checkpoints = workspace.Checkpoints(run.RunId);
        var latest = await checkpoints.LoadLatestAsync(bytes => CheckpointCodec.Decode(bytes), cancellationToken);
        var manifest = await workspace.Replay(run.RunId).GetManifestAsync(cancellationToken);

        if (latest is { } found)
        {
            if (!run.Resume)
            {
                throw new InvalidOperationException(
                    $"Run '{run.RunId}' already has checkpoints (latest update {found.Ref.Update}); start it with resume: true to continue, or use a new run id.");
            }

            foreach (var warning in found.Warnings)
            {
                OrchestrationLog.RunWarning(logger, run.RunId, warning);
            }

            // Keep the features and normaliser the network was trained with: new data flows through the same lens.
            var previous = CheckpointContext.FromJson(found.Value.ContextJson);
            var startIteration = previous.Iteration + 1;
            await workspace.WriteJsonAsync(
                RunWorkspace.RunRecordBlob(run.RunId),
                new RunRecord(run, startIteration, data.Fingerprint, previous.Normalizer, previous.Features, experiment),
                cancellationToken);
            OrchestrationLog.RunResumed(logger, run.RunId, startIteration, found.Ref.Update);
            return new RunContext(
                startIteration,
                found.Ref.Update,
                found.Value.EnvSteps,
                manifest?.LiveCount ?? 0,
                data.Fingerprint,
                data.Train.Count,
                data.Validation.Count,
                data.Test.Count,
                Resumed: true,
                found.Warnings);
        }

        var normalizer = Normalizer.Fit(MarketFeatures.Compute(data.Train, run.Features));
        var context = new CheckpointContext(run.RunId, -1, run.Dataset, data.Fingerprint, run.Features, normalizer, run.Reward, run.Arena);
        using (var trainer = new DqnTrainer(run.Features.StateSize, TradingActions.Count, run.Dqn, run.Seed))
        {
            var first = trainer.CreateCheckpoint(0, 0, new Core.Randomness.Rng(run.Seed).GetState(), context.ToJson());
            await checkpoints.SaveAsync(0, CheckpointCodec.Encode(first), cancellationToken);
        }

        await workspace.WriteJsonAsync(
            RunWorkspace.RunRecordBlob(run.RunId),
            new RunRecord(run, 0, data.Fingerprint, normalizer, run.Features, experiment),
            cancellationToken);
        OrchestrationLog.RunCreated(logger, run.RunId, run.Dataset, data.Train.Count);
        return new RunContext(0, 0, 0, manifest?.LiveCount ?? 0, data.Fingerprint, data.Train.Count, data.Validation.Count, data.Test.Count, Resumed: false, []);
    }
}

internal static class TradingActions
{
    public const int Count = Core.Episodes.TradingEnvironment.ActionCount;
}
