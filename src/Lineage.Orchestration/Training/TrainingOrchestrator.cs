using Lineage.Core.Randomness;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Training;

/// <summary>
/// One training run: prepare (or resume), then per iteration fan out episodes, append their shards to
/// the blob replay buffer, train and checkpoint, and evaluate every k iterations. Replay-safe: no clock,
/// no randomness (episode seeds derive from the run seed, iteration and episode index — not the run id, so the
/// same seed and configuration reproduce a run under any id), no I/O — all in activities.
/// </summary>
public sealed class TrainingOrchestrator : TaskOrchestrator<TrainingState, TrainingResult>
{
    private const int MaxNotes = 50;

    private static readonly TaskOptions ActivityRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 3,
        firstRetryInterval: TimeSpan.FromSeconds(1),
        backoffCoefficient: 2.0));

    public override async Task<TrainingResult> RunAsync(TaskOrchestrationContext context, TrainingState input)
    {
        var log = context.CreateReplaySafeLogger<TrainingOrchestrator>();
        var state = input;
        var run = state.Run;
        var stopSignal = context.WaitForExternalEvent<string>(ActivityNames.StopEvent);

        if (state.Context is null)
        {
            SetStatus(context, state, "Preparing", 0, 0, []);
            var prepared = await context.CallActivityAsync<RunContext>(ActivityNames.PrepareRun, run, ActivityRetry);
            state = state with
            {
                Context = prepared,
                NextIteration = prepared.StartIteration,
                LatestCheckpoint = prepared.CheckpointUpdate,
                BufferCount = prepared.BufferCount,
                Notes = KeepLast([.. state.Notes, .. prepared.Warnings]),
            };
            OrchestrationLog.RunPrepared(log, run.RunId, prepared.StartIteration, prepared.CheckpointUpdate, prepared.BufferCount);
        }

        var endIteration = state.Context.StartIteration + run.Iterations;
        var generationEnd = Math.Min(endIteration, state.NextIteration + run.IterationsPerGeneration);
        while (state.NextIteration < generationEnd)
        {
            if (state.StopRequested || stopSignal.IsCompleted)
            {
                return await FinishAsync(context, state with { StopRequested = true }, RunOutcomes.Stopped);
            }

            state = await RunIterationAsync(context, state);
        }

        if (state.NextIteration < endIteration)
        {
            // Keep history short on long runs; a stop raised in this generation travels with the state.
            context.ContinueAsNew(state with { StopRequested = state.StopRequested || stopSignal.IsCompleted });
            return new TrainingResult("ContinuedAsNew", run.RunId, state.NextIteration, state.LatestCheckpoint, null, null, null, []);
        }

        return await FinishAsync(context, state, RunOutcomes.Completed);
    }

    private static async Task<TrainingState> RunIterationAsync(
        TaskOrchestrationContext context, TrainingState state)
    {
        var log = context.CreateReplaySafeLogger<TrainingOrchestrator>();
        var run = state.Run;
        var runContext = state.Context!;
        var iteration = state.NextIteration;
        var relative = iteration - runContext.StartIteration;
        var episodes = run.EpisodesPerIteration;

        var pending = new Dictionary<Task<EpisodeOutput>, int>();
        var succeeded = new List<EpisodeOutput>();
        var failed = new List<int>();
        var started = 0;
        SetStatus(context, state, "Acting", iteration, 0, failed);
        while (started < episodes || pending.Count > 0)
        {
            while (started < episodes && pending.Count < run.MaxParallelEpisodes)
            {
                var episodeInput = new EpisodeInput(
                    run.RunId,
                    iteration,
                    started,
                    state.LatestCheckpoint,
                    run.Epsilon.EpsilonFor(relative, run.Iterations, started, episodes),
                    Seeds.Derive(run.Seed, iteration, started));
                pending.Add(context.CallActivityAsync<EpisodeOutput>(ActivityNames.RunEpisode, episodeInput, ActivityRetry), started);
                started++;
            }

            var done = await Task.WhenAny(pending.Keys);
            pending.Remove(done, out var episode);
            try
            {
                succeeded.Add(await done);
            }
            catch (TaskFailedException ex)
            {
                failed.Add(episode);
                OrchestrationLog.EpisodeFailed(log, episode, iteration, ex.Message);
            }

            SetStatus(context, state, "Acting", iteration, succeeded.Count + failed.Count, failed);
        }

        failed.Sort();
        var fraction = (double)succeeded.Count / episodes;
        if (fraction < run.MinEpisodeSuccessFraction)
        {
            throw new InvalidOperationException(
                $"Iteration {iteration}: only {succeeded.Count} of {episodes} episodes succeeded " +
                $"({fraction:P0}, below the required {run.MinEpisodeSuccessFraction:P0}); failed episodes: {string.Join(", ", failed)}.");
        }

        // The buffer's content must not depend on which episode finished first.
        succeeded.Sort((a, b) => a.Episode.CompareTo(b.Episode));
        SetStatus(context, state, "Appending", iteration, episodes, failed);
        var appended = await context.CallActivityAsync<AppendOutput>(
            ActivityNames.AppendExperiences, new AppendInput(run.RunId, iteration, succeeded), ActivityRetry);

        var acting = new IterationActing(
            succeeded.Count,
            failed.Count,
            failed,
            succeeded.Count == 0 ? 0 : succeeded.Average(e => e.TotalReward),
            succeeded.Count == 0 ? 0 : succeeded.Average(e => e.Roi),
            appended.Appended,
            run.Epsilon.EpsilonFor(relative, run.Iterations, 0, episodes));
        state = state with { BufferCount = appended.BufferCount };
        SetStatus(context, state, "Training", iteration, episodes, failed, acting.MeanEpisodeReward);
        var trained = await context.CallActivityAsync<TrainStepOutput>(
            ActivityNames.TrainStep,
            new TrainStepInput(run.RunId, iteration, run.UpdatesPerIteration, state.LatestCheckpoint, acting, appended.BufferCount),
            ActivityRetry);
        if (trained.RefusedReason is not null)
        {
            throw new InvalidOperationException(
                $"Iteration {iteration}: the training step refused an update ({trained.RefusedReason}). " +
                $"The last good checkpoint is update {state.LatestCheckpoint}; resume from it after fixing the configuration.");
        }

        state = state with
        {
            NextIteration = iteration + 1,
            LatestCheckpoint = trained.CheckpointUpdate,
            LastTrain = trained,
            Notes = failed.Count == 0
                ? KeepLast([.. state.Notes, .. trained.Warnings])
                : KeepLast([.. state.Notes, .. trained.Warnings, $"Iteration {iteration}: episodes {string.Join(", ", failed)} failed after retries; the iteration went on with {succeeded.Count} of {episodes}."]),
        };
        OrchestrationLog.IterationDone(log, iteration, succeeded.Count, appended.BufferCount, trained.MeanLoss, trained.CheckpointUpdate);

        var isLast = iteration + 1 == runContext.StartIteration + run.Iterations;
        if (run.EvaluateEvery > 0 && ((relative + 1) % run.EvaluateEvery == 0 || isLast))
        {
            SetStatus(context, state, "Evaluating", iteration, episodes, failed, acting.MeanEpisodeReward);
            var evaluation = await context.CallActivityAsync<EvaluateOutput>(
                ActivityNames.Evaluate, new EvaluateInput(run.RunId, iteration, trained.CheckpointUpdate, Splits.Validation), ActivityRetry);
            // Ties go to the later checkpoint, as in checkpoint retention (BlobCheckpointStore keeps the best score,
            // newest first): preferring the earlier one let retention delete it before the test evaluation.
            var best = state.BestValidation is null || evaluation.AgentReturn >= state.BestValidation.AgentReturn
                ? evaluation
                : state.BestValidation;
            state = state with { LatestEvaluation = evaluation, BestValidation = best };
        }

        SetStatus(context, state, "Iteration done", iteration, episodes, failed, acting.MeanEpisodeReward);
        return state;
    }

    private static async Task<TrainingResult> FinishAsync(TaskOrchestrationContext context, TrainingState state, string outcome)
    {
        var run = state.Run;
        EvaluateOutput? test = null;
        if (outcome == RunOutcomes.Completed && state.BestValidation is not null)
        {
            // The test split is scored once, for the checkpoint chosen on validation.
            SetStatus(context, state, "Testing", state.NextIteration - 1, 0, []);
            test = await context.CallActivityAsync<EvaluateOutput>(
                ActivityNames.Evaluate,
                new EvaluateInput(run.RunId, state.BestValidation.Iteration, state.BestValidation.CheckpointUpdate, Splits.Test),
                ActivityRetry);

            // The selected checkpoint is a candidate: the champion/challenger rule decides (and records) whether it is promoted.
            SetStatus(context, state, "Deciding promotion", state.NextIteration - 1, 0, []);
            var promotion = await context.CallActivityAsync<Models.PromotionOutcome>(
                ActivityNames.PromoteCandidate,
                new Models.PromotionInput(run.RunId, state.BestValidation.CheckpointUpdate, test, state.BestValidation),
                ActivityRetry);
            state = state with { Notes = KeepLast([.. state.Notes, $"Model '{promotion.Model}': {promotion.Reason}"]) };
        }

        SetStatus(context, state with { LatestEvaluation = test ?? state.LatestEvaluation }, outcome, state.NextIteration - 1, 0, []);
        return new TrainingResult(
            outcome,
            run.RunId,
            state.NextIteration - (state.Context?.StartIteration ?? 0),
            state.LatestCheckpoint,
            state.BestValidation,
            test,
            state.LastTrain,
            state.Notes);
    }

    /// <summary>Notes travel in the orchestration state and status: keep them bounded on long runs.</summary>
    private static IReadOnlyList<string> KeepLast(IReadOnlyList<string> notes) =>
        notes.Count <= MaxNotes ? notes : [.. notes.Skip(notes.Count - MaxNotes)];

    private static void SetStatus(
        TaskOrchestrationContext context,
        TrainingState state,
        string phase,
        int iteration,
        int episodesDone,
        IReadOnlyList<int> failed,
        double? meanReward = null)
    {
        context.SetCustomStatus(new RunProgress(
            phase,
            iteration,
            (state.Context?.StartIteration ?? 0) + state.Run.Iterations,
            episodesDone,
            state.Run.EpisodesPerIteration,
            [.. failed],
            state.BufferCount,
            state.LastTrain?.MeanLoss,
            state.LastTrain?.MeanQ,
            meanReward,
            state.LatestCheckpoint,
            state.LatestEvaluation,
            state.StopRequested,
            state.Notes));
    }
}

public static class Splits
{
    public const string Validation = "validation";
    public const string Test = "test";
}
