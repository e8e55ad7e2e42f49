using Lineage.Core.Randomness;
using Lineage.Learning;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Telemetry;
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
    private const int MaxListedEpisodes = 20;
    private const int MaxStatusEpisodes = 100;
    private const int MaxNoteChars = 600;
    private const int MaxNotesChars = 8_000;

    private static TaskOptions ActivityRetry => ActivityNames.Retry;

    public override async Task<TrainingResult> RunAsync(TaskOrchestrationContext context, TrainingState input)
    {
        var log = context.CreateReplaySafeLogger<TrainingOrchestrator>();
        var state = input;
        var run = state.Run;
        var stopSignal = context.WaitForExternalEvent<string>(ActivityNames.StopEvent);
        try
        {
            if (state.Context is null)
            {
                SetStatus(context, state, "Preparing", 0, 0, []);
                var attempt = context.NewGuid().ToString("N");
                var prepared = await context.CallActivityAsync<RunContext>(ActivityNames.PrepareRun, new PrepareInput(run, attempt, state.Dataset), ActivityRetry);
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
            // An iteration's validation evaluation runs while the next iteration acts (both read the same checkpoint, and
            // nothing the acting does depends on the score); it is awaited before anything that reads the score.
            Task<EvaluateOutput>? evaluating = null;
            while (state.NextIteration < generationEnd)
            {
                if (state.StopRequested || stopSignal.IsCompleted)
                {
                    state = await ScoredAsync(state, evaluating);
                    return await FinishAsync(context, state with { StopRequested = true }, RunOutcomes.Stopped);
                }

                (state, evaluating) = await RunIterationAsync(context, state, evaluating);
            }

            state = await ScoredAsync(state, evaluating);
            if (state.NextIteration < endIteration)
            {
                // Keep history short on long runs; a stop raised in this generation travels with the state.
                context.ContinueAsNew(state with { StopRequested = state.StopRequested || stopSignal.IsCompleted });
                return new TrainingResult("ContinuedAsNew", run.RunId, state.NextIteration, state.LatestCheckpoint, null, null, null, []);
            }

            return await FinishAsync(context, state, RunOutcomes.Completed);
        }
        catch (Exception ex)
        {
            // The operations alert on failed runs looks for this line; the lock is released so the run can be resumed at once.
            OrchestrationLog.RunFailed(log, run.RunId, state.NextIteration, ex.Message);
            await ReleaseAsync(context, run.RunId, "Failed");
            throw;
        }
    }

    /// <summary>
    /// One iteration: act (while <paramref name="evaluating"/>, the previous iteration's validation evaluation, runs), record that
    /// score, append, train, and start this iteration's evaluation when one is due, returned unawaited.
    /// </summary>
    private static async Task<(TrainingState State, Task<EvaluateOutput>? Evaluating)> RunIterationAsync(
        TaskOrchestrationContext context, TrainingState state, Task<EvaluateOutput>? evaluating)
    {
        var log = context.CreateReplaySafeLogger<TrainingOrchestrator>();
        var run = state.Run;
        var runContext = state.Context!;
        var iteration = state.NextIteration;
        var relative = iteration - runContext.StartIteration;
        var episodes = run.EpisodesPerIteration;
        IReadOnlyList<int> failed;
        IterationActing acting;
        double beta;
        if (runContext.AlreadyActed is { } acted && acted.Iteration == iteration)
        {
            // Reconciled by PrepareRun: this iteration's experiences are already in the buffer; train on them as the lost
            // training step would have (same acting record, same β), without acting again.
            (acting, beta, failed) = (acted.Acting, acted.PriorityBeta, acted.Acting.FailedEpisodes);
            state = await ScoredAsync(state, evaluating);
        }
        else
        {
            (var outcome, failed) = await ActAsync(context, state, iteration, relative);
            // The training step protects the selected checkpoint from retention: the previous score must be in first.
            state = await ScoredAsync(state, evaluating);
            // β anneals to 1 over this (re)start's schedule: it ends with the (re)start's last iteration.
            (acting, beta) = (outcome.Summary, DqnStep.PriorityBeta(run.PriorityBetaStart, iteration, runContext.StartIteration + run.Iterations));
            SetStatus(context, state, "Appending", iteration, episodes, failed);
            var appended = await context.CallActivityAsync<AppendOutput>(
                ActivityNames.AppendExperiences, new AppendInput(run.RunId, iteration, outcome.Episodes, acting, beta), ActivityRetry);
            state = state with { BufferCount = appended.BufferCount };
        }

        SetStatus(context, state, "Training", iteration, episodes, failed, acting.MeanEpisodeReward);
        var trained = await context.CallActivityAsync<TrainStepOutput>(
            ActivityNames.TrainStep,
            new TrainStepInput(run.RunId, iteration, run.UpdatesPerIteration, state.LatestCheckpoint, acting, state.BufferCount, beta, Protected(state)),
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
                : KeepLast([.. state.Notes, .. trained.Warnings, $"Iteration {iteration}: episodes {FailedList(failed)} failed after retries; the iteration went on with {acting.EpisodesSucceeded} of {episodes}."]),
        };
        OrchestrationLog.IterationDone(log, iteration, acting.EpisodesSucceeded, state.BufferCount, trained.MeanLoss, trained.CheckpointUpdate);

        var isLast = iteration + 1 == runContext.StartIteration + run.Iterations;
        Task<EvaluateOutput>? evaluation = null;
        if (run.EvaluateEvery > 0 && ((relative + 1) % run.EvaluateEvery == 0 || isLast))
        {
            evaluation = context.CallActivityAsync<EvaluateOutput>(
                ActivityNames.Evaluate, new EvaluateInput(run.RunId, iteration, trained.CheckpointUpdate, Splits.Validation, Protected(state)), ActivityRetry);
        }

        SetStatus(context, state, RunPhases.IterationDone, iteration, episodes, failed, acting.MeanEpisodeReward);
        return (state, evaluation);
    }

    /// <summary>Waits for a validation evaluation started earlier (if any) and records it: the latest, and the best so far.</summary>
    private static async Task<TrainingState> ScoredAsync(TrainingState state, Task<EvaluateOutput>? evaluating)
    {
        if (evaluating is null)
        {
            return state;
        }

        var evaluation = await evaluating;
        // Ties go to the later checkpoint, as in checkpoint retention (BlobCheckpointStore keeps the best score,
        // newest first): preferring the earlier one let retention delete it before the test evaluation.
        var best = state.BestValidation is null || evaluation.AgentReturn >= state.BestValidation.AgentReturn
            ? evaluation
            : state.BestValidation;
        return state with { LatestEvaluation = evaluation, BestValidation = best };
    }

    /// <summary>Fans out the iteration's episodes (throttled), tolerating failures down to the configured fraction.</summary>
    private static async Task<(ActingOutcome Acting, IReadOnlyList<int> Failed)> ActAsync(
        TaskOrchestrationContext context, TrainingState state, int iteration, int relative)
    {
        var log = context.CreateReplaySafeLogger<TrainingOrchestrator>();
        var run = state.Run;
        var episodes = run.EpisodesPerIteration;
        var perActor = Math.Min(run.EpisodesPerActivity, episodes);
        var actors = (episodes + perActor - 1) / perActor;
        var maxParallelActors = Math.Max(1, run.MaxParallelEpisodes / perActor);
        IEnumerable<int> EpisodesOf(int actor) => Enumerable.Range(actor * perActor, Math.Min(perActor, episodes - (actor * perActor)));
        var pending = new Dictionary<Task<IReadOnlyList<EpisodeOutput>>, int>();
        var succeeded = new List<EpisodeOutput>();
        var failed = new List<int>();
        var started = 0;
        SetStatus(context, state, "Acting", iteration, 0, failed);
        while (started < actors || pending.Count > 0)
        {
            while (started < actors && pending.Count < maxParallelActors)
            {
                var inputs = EpisodesOf(started)
                    .Select(episode => new EpisodeInput(
                        run.RunId,
                        iteration,
                        episode,
                        state.LatestCheckpoint,
                        Epsilon(run, relative, episode),
                        Seeds.Derive(run.Seed, iteration, episode)))
                    .ToList();
                pending.Add(PlayAsync(context, inputs), started);
                started++;
            }

            var done = await Task.WhenAny(pending.Keys);
            pending.Remove(done, out var actor);
            try
            {
                succeeded.AddRange(await done);
            }
            catch (TaskFailedException ex)
            {
                // An actor that failed after its retries loses all its episodes; the one-episode actor is today's RunEpisode.
                foreach (var episode in EpisodesOf(actor))
                {
                    failed.Add(episode);
                    OrchestrationLog.EpisodeFailed(log, episode, iteration, ex.Message);
                }
            }

            SetStatus(context, state, "Acting", iteration, succeeded.Count + failed.Count, failed);
        }

        failed.Sort();
        var fraction = (double)succeeded.Count / episodes;
        if (fraction < run.MinEpisodeSuccessFraction)
        {
            throw new InvalidOperationException(
                $"Iteration {iteration}: only {succeeded.Count} of {episodes} episodes succeeded " +
                $"({fraction:P0}, below the required {run.MinEpisodeSuccessFraction:P0}); failed episodes: {FailedList(failed)}.");
        }

        // The buffer's content must not depend on which episode finished first.
        succeeded.Sort((a, b) => a.Episode.CompareTo(b.Episode));
        var summary = new IterationActing(
            succeeded.Count,
            failed.Count,
            failed,
            succeeded.Count == 0 ? 0 : succeeded.Average(e => e.TotalReward),
            succeeded.Count == 0 ? 0 : succeeded.Average(e => e.Roi),
            succeeded.Sum(e => e.Experiences),
            Epsilon(run, relative, 0));
        return (new ActingOutcome(succeeded, summary), failed);
    }

    /// <summary>
    /// One actor's episodes: a <c>RunEpisode</c> activity for one (the history every run had before actors), else one
    /// <c>RunEpisodes</c> activity for all of them.
    /// </summary>
    private static async Task<IReadOnlyList<EpisodeOutput>> PlayAsync(TaskOrchestrationContext context, List<EpisodeInput> episodes)
    {
        if (episodes.Count == 1)
        {
            return [await context.CallActivityAsync<EpisodeOutput>(ActivityNames.RunEpisode, episodes[0], ActivityRetry)];
        }

        var played = await context.CallActivityAsync<ActorOutput>(ActivityNames.RunEpisodes, new ActorInput(episodes), ActivityRetry);
        return played.Episodes;
    }

    /// <summary>ε of one episode in the (re)start-relative <paramref name="iteration"/>; the episode index is Ape-X's actor index.</summary>
    internal static double Epsilon(TrainingRun run, int iteration, int episode) =>
        run.Epsilon.EpsilonFor(iteration, run.Iterations, episode, run.EpisodesPerIteration);

    /// <summary>Checkpoints this orchestration still needs (its selected one): retention must not delete them.</summary>
    private static IReadOnlyList<long> Protected(TrainingState state) =>
        state.BestValidation is { } best ? [best.CheckpointUpdate] : [];

    internal static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private static string FailedList(IReadOnlyList<int> failed) =>
        failed.Count <= MaxListedEpisodes
            ? string.Join(", ", failed)
            : $"{string.Join(", ", failed.Take(MaxListedEpisodes))} and {failed.Count - MaxListedEpisodes} more";

    private static async Task<TrainingResult> FinishAsync(TaskOrchestrationContext context, TrainingState state, string outcome)
    {
        var run = state.Run;
        EvaluateOutput? test = null;
        if (outcome == RunOutcomes.Completed && run.PopulationId is { } population)
        {
            // A population member: its population ranks it on validation; only the population's candidate is tested and gated.
            state = state with
            {
                Notes = KeepLast([.. state.Notes, $"Member of population '{population}': no test evaluation or promotion here; the population scores it on validation."]),
            };
        }
        else if (outcome == RunOutcomes.Completed && state.BestValidation is not null)
        {
            // The test split is scored once, for the checkpoint chosen on validation.
            SetStatus(context, state, "Testing", state.NextIteration - 1, 0, []);
            test = await context.CallActivityAsync<EvaluateOutput>(
                ActivityNames.Evaluate,
                new EvaluateInput(run.RunId, state.BestValidation.Iteration, state.BestValidation.CheckpointUpdate, Splits.Test),
                ActivityRetry);

            if (run.Fold is { } fold)
            {
                // A walk-forward fold reports its test block out of sample; it never goes to the champion gate.
                state = state with
                {
                    Notes = KeepLast([.. state.Notes, $"Walk-forward fold {fold.Index}: tested on bars [{fold.TestStart}, {fold.TestEnd}); not a candidate for promotion."]),
                };
            }
            else if (state.BestValidation.CheckpointUpdate == state.Context!.CheckpointUpdate)
            {
                // Nothing this run learned: its selection is the checkpoint it started from (no update, or none better).
                state = state with
                {
                    Notes = KeepLast([.. state.Notes, $"Not a candidate for promotion: the selected checkpoint (update {state.BestValidation.CheckpointUpdate}) is the one the run started from; this run performed no update that validated better."]),
                };
            }
            else
            {
                // The selected checkpoint is a candidate: the champion/challenger rule decides (and records) whether it is promoted.
                SetStatus(context, state, "Deciding promotion", state.NextIteration - 1, 0, []);
                var promotion = await context.CallActivityAsync<PromotionOutcome>(
                    ActivityNames.PromoteCandidate,
                    new PromotionInput(run.RunId, state.BestValidation.CheckpointUpdate, test, state.BestValidation),
                    ActivityRetry);
                state = state with { Notes = KeepLast([.. state.Notes, $"Model '{promotion.Model}': {promotion.Reason}"]) };
            }
        }

        SetStatus(context, state with { LatestEvaluation = test ?? state.LatestEvaluation }, outcome, state.NextIteration - 1, 0, []);
        await ReleaseAsync(context, run.RunId, outcome);
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

    /// <summary>
    /// Releases the run's lock as the run ends. A release that fails is logged and left to lapse: the run's outcome stands.
    /// </summary>
    private static async Task ReleaseAsync(TaskOrchestrationContext context, string runId, string outcome)
    {
        try
        {
            await context.CallActivityAsync<bool>(ActivityNames.ReleaseRun, new ReleaseInput(runId, outcome), ActivityRetry);
        }
        catch (TaskFailedException ex)
        {
            OrchestrationLog.RunWarning(context.CreateReplaySafeLogger<TrainingOrchestrator>(), runId, $"releasing its lock failed ({ex.Message}); it lapses once unrenewed");
        }
    }

    /// <summary>
    /// Notes travel in the orchestration state and the custom status (16 KB at most): keep the newest, each at most
    /// <see cref="MaxNoteChars"/> characters and all together at most <see cref="MaxNotesChars"/>.
    /// </summary>
    internal static IReadOnlyList<string> KeepLast(IReadOnlyList<string> notes)
    {
        var kept = new List<string>();
        var total = 0;
        for (var i = notes.Count - 1; i >= 0 && kept.Count < MaxNotes; i--)
        {
            var note = Truncate(notes[i], MaxNoteChars);
            if (total + note.Length > MaxNotesChars)
            {
                break;
            }

            total += note.Length;
            kept.Add(note);
        }

        kept.Reverse();
        return kept;
    }

    /// <summary>The custom status, bounded whatever the run does (failed episodes listed up to <see cref="MaxStatusEpisodes"/>).</summary>
    internal static RunProgress Progress(
        TrainingState state, string phase, int iteration, int episodesDone, IReadOnlyList<int> failed, double? meanReward) =>
        new(
            phase,
            iteration,
            (state.Context?.StartIteration ?? 0) + state.Run.Iterations,
            episodesDone,
            state.Run.EpisodesPerIteration,
            [.. failed.Take(MaxStatusEpisodes)],
            state.BufferCount,
            state.LastTrain?.MeanLoss,
            state.LastTrain?.MeanQ,
            meanReward,
            state.LatestCheckpoint,
            state.LatestEvaluation,
            state.StopRequested,
            KeepLast(state.Notes),
            failed.Count);

    private static void SetStatus(
        TaskOrchestrationContext context,
        TrainingState state,
        string phase,
        int iteration,
        int episodesDone,
        IReadOnlyList<int> failed,
        double? meanReward = null)
    {
        context.SetCustomStatus(Progress(state, phase, iteration, episodesDone, failed, meanReward));
    }
}

/// <summary>An iteration's successful episodes (in episode order) and their summary.</summary>
internal sealed record ActingOutcome(IReadOnlyList<EpisodeOutput> Episodes, IterationActing Summary);

public static class Splits
{
    public const string Validation = "validation";
    public const string Test = "test";
}
