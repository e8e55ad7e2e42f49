using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.DurableTask;

namespace Lineage.Orchestration.Populations;

/// <summary>
/// A population-based training run (issue 19), one round per execution: plan the round (an activity reads the lineage
/// record and the members' runs: which round the population stands at, each member's hyperparameters, what earlier attempts
/// trained; it completes a crashed round's exploits and claims the members' locks), train every member for the round's
/// iterations as a sub-orchestration of <see cref="TrainingOrchestrator"/> in member mode (at most
/// <see cref="PopulationRequest.MaxParallelMembers"/> at once), then either rank, exploit and explore in an activity and
/// continue as new (history stays one round long), or, after the last round, pick the best member on validation, record the
/// others as trials of the model, test the candidate once and put it to the champion gate. A stop is passed on to the
/// members training and ends the population after their round. Replay-safe: no clock, no randomness, no I/O.
/// </summary>
public sealed class PopulationOrchestrator : TaskOrchestrator<PopulationState, PopulationResult>
{
    private const int MaxNotes = 20;

    private static TaskOptions ActivityRetry => ActivityNames.Retry;

    public override async Task<PopulationResult> RunAsync(TaskOrchestrationContext context, PopulationState input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var log = context.CreateReplaySafeLogger<PopulationOrchestrator>();
        var request = input.Request;
        var id = request.PopulationId;
        var stopSignal = context.WaitForExternalEvent<string>(ActivityNames.StopEvent);
        try
        {
            context.SetCustomStatus(new PopulationProgress(PopulationPhases.Planning, 0, request.Rounds, []));
            var plan = await context.CallActivityAsync<PopulationRoundPlan>(ActivityNames.PlanPopulationRound, new PlanPopulationRoundInput(request), ActivityRetry);
            var progress = plan.Members.Select(m => new MemberProgress(m.Member, m.RunId, m.Iterations == 0 ? MemberStatuses.Trained : MemberStatuses.Pending, m.Generation, m.Score)).ToArray();
            var notes = new List<string>();
            var stopped = input.StopRequested || await TrainRoundAsync(context, input, plan, progress, notes, stopSignal);
            if (stopped)
            {
                return await EndAsync(context, id, RunOutcomes.Stopped, plan.Round, null, null, null, [.. notes, $"Stopped in round {plan.Round}; resume the population to continue from its members' latest checkpoints."]);
            }

            if (plan.Round + 1 < request.Rounds)
            {
                context.SetCustomStatus(new PopulationProgress(PopulationPhases.Ranking, plan.Round, request.Rounds, progress));
                var outcome = await context.CallActivityAsync<PopulationRoundOutcome>(ActivityNames.PopulationRound, new PopulationRoundInput(request, plan.Round), ActivityRetry);
                OrchestrationLog.PopulationRoundRanked(log, id, plan.Round, outcome.Exploits.Count);
                context.ContinueAsNew(input with { StopRequested = stopSignal.IsCompleted });
                return new PopulationResult(id, "ContinuedAsNew", plan.Round + 1, null, null, null, []);
            }

            context.SetCustomStatus(new PopulationProgress(PopulationPhases.Ranking, plan.Round, request.Rounds, progress));
            var candidate = await context.CallActivityAsync<PopulationCandidate>(ActivityNames.FinishPopulation, new FinishPopulationInput(request), ActivityRetry);
            var best = candidate.Best;
            if (best.ValidationReturn is null || candidate.Validation is not { } validation)
            {
                throw new InvalidOperationException($"No member of population '{id}' has a validation evaluation of its latest checkpoint: nothing to select a candidate from.");
            }

            context.SetCustomStatus(new PopulationProgress(PopulationPhases.Testing, plan.Round, request.Rounds, progress));
            // The test split, scored once; the gate's record of what the candidate was selected on is its stored validation evaluation.
            var test = await context.CallActivityAsync<EvaluateOutput>(
                ActivityNames.Evaluate, new EvaluateInput(best.RunId, candidate.Iteration, best.CheckpointUpdate, Splits.Test), ActivityRetry);
            context.SetCustomStatus(new PopulationProgress(PopulationPhases.Deciding, plan.Round, request.Rounds, progress));
            var promotion = await context.CallActivityAsync<PromotionOutcome>(
                ActivityNames.PromoteCandidate, new PromotionInput(best.RunId, best.CheckpointUpdate, test, validation), ActivityRetry);
            notes.Add($"Candidate: member {best.Member} ({best.RunId}, update {best.CheckpointUpdate}), best of {candidate.Scores.Count} on validation; the other {candidate.TrialsRecorded} members are recorded as trials of the model, so the gate is deflated for all of them.");
            notes.Add($"Model '{promotion.Model}': {promotion.Reason}");
            return await EndAsync(context, id, RunOutcomes.Completed, plan.Round + 1, best, test, promotion, notes, candidate.Scores);
        }
        catch (Exception ex)
        {
            OrchestrationLog.PopulationFailed(log, id, ex.Message);
            await ReleaseAsync(context, id, "Failed");
            throw;
        }
    }

    /// <summary>
    /// Trains every member that has iterations left in the round, throttled; a member that fails or stops is noted (it is
    /// ranked last) and the others go on. Returns true when a stop was asked for (passed on to the members still training).
    /// </summary>
    private static async Task<bool> TrainRoundAsync(
        TaskOrchestrationContext context, PopulationState input, PopulationRoundPlan plan, MemberProgress[] progress, List<string> notes, Task<string> stopSignal)
    {
        var log = context.CreateReplaySafeLogger<PopulationOrchestrator>();
        var request = input.Request;
        var todo = plan.Members.Where(m => m.Iterations > 0).ToList();
        var pending = new Dictionary<Task<TrainingResult>, MemberPlan>();
        var next = 0;
        var stopForwarded = false;
        while (next < todo.Count || pending.Count > 0)
        {
            while (!stopForwarded && next < todo.Count && pending.Count < request.MaxParallelMembers)
            {
                var member = todo[next++];
                var run = request.MemberRun(member.Member, member.Hyperparameters, member.TrainedIterations, member.Iterations, member.Resume);
                progress[member.Member] = progress[member.Member] with { Status = MemberStatuses.Running };
                pending.Add(
                    context.CallSubOrchestratorAsync<TrainingResult>(
                        TaskCatalog.Orchestrator,
                        new TrainingState { Run = run, Dataset = input.Dataset },
                        new TaskOptions().WithInstanceId(PopulationBlobs.MemberInstanceId(member.RunId, plan.Round))),
                    member);
            }

            context.SetCustomStatus(new PopulationProgress(PopulationPhases.Training, plan.Round, request.Rounds, progress));
            if (pending.Count == 0)
            {
                break;
            }

            var waiting = new List<Task>(pending.Keys);
            if (!stopForwarded)
            {
                waiting.Add(stopSignal);
            }

            var finished = await Task.WhenAny(waiting);
            if (finished == stopSignal)
            {
                // Each member training now stops at its next step and checkpoints; the ones not started are not started.
                foreach (var running in pending.Values)
                {
                    context.SendEvent(PopulationBlobs.MemberInstanceId(running.RunId, plan.Round), ActivityNames.StopEvent, "population stop");
                }

                stopForwarded = true;
                continue;
            }

            var task = (Task<TrainingResult>)finished;
            pending.Remove(task, out var done);
            try
            {
                var result = await task;
                progress[done!.Member] = progress[done.Member] with { Status = result.Outcome };
                if (result.Outcome != RunOutcomes.Completed)
                {
                    notes.Add($"Round {plan.Round}: member {done.Member} ({done.RunId}) {result.Outcome}.");
                }
            }
            catch (TaskFailedException ex)
            {
                var failure = TrainingOrchestrator.Truncate(ex.FailureDetails is { ErrorMessage.Length: > 0 } details ? details.ErrorMessage : ex.Message, 400);
                progress[done!.Member] = progress[done.Member] with { Status = MemberStatuses.Failed };
                notes.Add($"Round {plan.Round}: member {done.Member} ({done.RunId}) failed, so it ranks last: {failure}");
                OrchestrationLog.MemberDidNotComplete(log, request.PopulationId, done.RunId, plan.Round, MemberStatuses.Failed, failure);
            }
        }

        if (notes.Count > MaxNotes)
        {
            notes.RemoveRange(0, notes.Count - MaxNotes);
        }

        return stopForwarded || stopSignal.IsCompleted;
    }

    private static async Task<PopulationResult> EndAsync(
        TaskOrchestrationContext context,
        string id,
        string outcome,
        int rounds,
        MemberScore? best,
        EvaluateOutput? test,
        PromotionOutcome? promotion,
        IReadOnlyList<string> notes,
        IReadOnlyList<MemberScore>? scores = null)
    {
        var result = new PopulationResult(id, outcome, rounds, best, test, promotion, notes, scores);
        await context.CallActivityAsync<bool>(ActivityNames.ReleasePopulation, new ReleasePopulationInput(id, outcome, result), ActivityRetry);
        return result;
    }

    /// <summary>Releases the population's lock as it fails; a failed release is logged and left to lapse.</summary>
    private static async Task ReleaseAsync(TaskOrchestrationContext context, string id, string outcome)
    {
        try
        {
            await context.CallActivityAsync<bool>(ActivityNames.ReleasePopulation, new ReleasePopulationInput(id, outcome), ActivityRetry);
        }
        catch (TaskFailedException ex)
        {
            OrchestrationLog.RunWarning(context.CreateReplaySafeLogger<PopulationOrchestrator>(), id, $"releasing its lock failed ({ex.Message}); it lapses once unrenewed");
        }
    }
}

/// <summary>A member's status in a round, as the population's progress shows it.</summary>
public static class MemberStatuses
{
    public const string Pending = "Pending";
    public const string Running = "Running";
    public const string Trained = "Trained";
    public const string Failed = "Failed";
}
