using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Microsoft.DurableTask;

namespace Lineage.Orchestration.WalkForwards;

/// <summary>
/// One walk-forward evaluation: lay out the folds (an activity: it reads the series and what earlier attempts left), run
/// each unfinished fold's training run as a sub-orchestration of <see cref="TrainingOrchestrator"/> (at most
/// <see cref="WalkForwardRequest.MaxParallelFolds"/> at once), score each finished fold, then assemble the per-fold and
/// concatenated out-of-sample results into <c>walkforward/{id}/summary.json</c>. A fold that fails or stops is recorded as
/// such and the others go on. Replay-safe: no clock but <c>CurrentUtcDateTime</c>, no randomness, no I/O — all in activities.
/// </summary>
public sealed class WalkForwardOrchestrator : TaskOrchestrator<WalkForwardState, WalkForwardResult>
{
    private const int MaxFailureChars = 600;

    private static TaskOptions ActivityRetry => ActivityNames.Retry;

    public override async Task<WalkForwardResult> RunAsync(TaskOrchestrationContext context, WalkForwardState input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var log = context.CreateReplaySafeLogger<WalkForwardOrchestrator>();
        var request = input.Request;
        var id = request.WalkForwardId;
        try
        {
            context.SetCustomStatus(new WalkForwardProgress("Laying out folds", 0, []));
            var layout = await context.CallActivityAsync<WalkForwardLayout>(ActivityNames.PlanWalkForward, new PlanWalkForwardInput(request, input.Dataset), ActivityRetry);
            var progress = layout.Folds
                .Select(p => p.Done is { } done
                    ? new FoldProgress(p.Fold.Index, p.RunId, done.Status, done.Agent?.Return, done.BuyAndHold?.Return, done.BestRule?.Return, Reused: true)
                    : new FoldProgress(p.Fold.Index, p.RunId, FoldStatuses.Pending, null, null, null))
                .ToArray();
            var outcomes = new FoldOutcome?[layout.Folds.Count];
            var pending = new Dictionary<Task<FoldOutcome>, int>();
            var next = 0;
            while (next < layout.Folds.Count || pending.Count > 0)
            {
                while (next < layout.Folds.Count && pending.Count < request.MaxParallelFolds)
                {
                    var plan = layout.Folds[next];
                    if (plan.Done is { } done)
                    {
                        outcomes[next++] = done;
                        continue;
                    }

                    progress[next] = progress[next] with { Status = FoldStatuses.Running };
                    pending.Add(RunFoldAsync(context, input, plan), next++);
                }

                context.SetCustomStatus(new WalkForwardProgress("Training folds", layout.Folds.Count, progress));
                if (pending.Count == 0)
                {
                    continue;
                }

                var finished = await Task.WhenAny(pending.Keys);
                pending.Remove(finished, out var index);
                var outcome = await finished;
                outcomes[index] = outcome;
                progress[index] = new FoldProgress(index, outcome.RunId, outcome.Status, outcome.Agent?.Return, outcome.BuyAndHold?.Return, outcome.BestRule?.Return);
                OrchestrationLog.FoldEnded(log, id, index, outcome.RunId, outcome.Status, outcome.Failure ?? "");
            }

            context.SetCustomStatus(new WalkForwardProgress("Summarizing", layout.Folds.Count, progress));
            var summary = await context.CallActivityAsync<WalkForwardSummary>(
                ActivityNames.SummarizeWalkForward, new SummarizeWalkForwardInput(request, input.Dataset, [.. outcomes.Select(o => o!)], layout.SeriesBars), ActivityRetry);
            context.SetCustomStatus(new WalkForwardProgress(FoldStatuses.Completed, layout.Folds.Count, progress));
            await ReleaseAsync(context, id, FoldStatuses.Completed);
            return new WalkForwardResult(id, FoldStatuses.Completed, Storage.WalkForwardBlobs.Summary(id), summary);
        }
        catch (Exception ex)
        {
            OrchestrationLog.WalkForwardFailed(log, id, ex.Message);
            await ReleaseAsync(context, id, FoldStatuses.Failed);
            throw;
        }
    }

    /// <summary>
    /// One fold: claim its run (reserved for this walk-forward), train it as a sub-orchestration unless its test evaluation
    /// already exists, then score it. A failure of the fold is its outcome, not the walk-forward's.
    /// </summary>
    private static async Task<FoldOutcome> RunFoldAsync(TaskOrchestrationContext context, WalkForwardState input, FoldPlan plan)
    {
        var request = input.Request;
        var started = context.CurrentUtcDateTime;
        try
        {
            if (plan.Start is FoldStart.Fresh or FoldStart.Resume)
            {
                await context.CallActivityAsync<bool>(ActivityNames.ClaimFoldRun, new ClaimFoldInput(request.WalkForwardId, plan.RunId), ActivityRetry);
                var run = request.FoldRun(plan.Fold, resume: plan.Start == FoldStart.Resume, plan.Iterations);
                var trained = await context.CallSubOrchestratorAsync<TrainingResult>(
                    TaskCatalog.Orchestrator,
                    new TrainingState { Run = run, Dataset = input.Dataset },
                    new TaskOptions().WithInstanceId(plan.RunId));
                if (trained.Outcome != RunOutcomes.Completed || trained.Test is null)
                {
                    var status = trained.Outcome == RunOutcomes.Stopped ? FoldStatuses.Stopped : FoldStatuses.Failed;
                    return new FoldOutcome(plan.Fold.Index, plan.RunId, status, Seconds(context, started), null, null, null,
                        trained.Test is null && status == FoldStatuses.Failed ? "The fold's run completed without a test evaluation (no validation evaluation to select from: evaluateEvery 0?)." : null);
                }
            }

            return await context.CallActivityAsync<FoldOutcome>(
                ActivityNames.ScoreFold, new ScoreFoldInput(request.WalkForwardId, plan, Seconds(context, started)), ActivityRetry);
        }
        catch (TaskFailedException ex)
        {
            return new FoldOutcome(plan.Fold.Index, plan.RunId, FoldStatuses.Failed, Seconds(context, started), null, null, null,
                TrainingOrchestrator.Truncate(ex.FailureDetails is { ErrorMessage.Length: > 0 } details ? details.ErrorMessage : ex.Message, MaxFailureChars));
        }
    }

    private static double Seconds(TaskOrchestrationContext context, DateTime started) => (context.CurrentUtcDateTime - started).TotalSeconds;

    /// <summary>Releases the walk-forward's lock as it ends; a failed release is logged and left to lapse.</summary>
    private static async Task ReleaseAsync(TaskOrchestrationContext context, string id, string outcome)
    {
        try
        {
            await context.CallActivityAsync<bool>(ActivityNames.ReleaseWalkForward, new ReleaseWalkForwardInput(id, outcome), ActivityRetry);
        }
        catch (TaskFailedException ex)
        {
            OrchestrationLog.RunWarning(context.CreateReplaySafeLogger<WalkForwardOrchestrator>(), id, $"releasing its lock failed ({ex.Message}); it lapses once unrenewed");
        }
    }
}
