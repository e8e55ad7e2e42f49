using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Training;
using Lineage.Orchestration.WalkForwards;
using Lineage.Storage;
using Microsoft.DurableTask;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// Lays out a walk-forward's folds over its dataset version and decides where each starts from what earlier attempts of
/// the same walk-forward left: a scored fold (<c>walkforward/{id}/folds/{k}.json</c>) is reused, a fold run that made its
/// test evaluation is only scored, a fold run that exists is resumed for its remaining iterations, anything else is fresh.
/// </summary>
public sealed class PlanWalkForwardActivity(RunWorkspace workspace, ModelSplitStore modelSplits) : TaskActivity<PlanWalkForwardInput, WalkForwardLayout>
{
    public override Task<WalkForwardLayout> RunAsync(TaskActivityContext context, PlanWalkForwardInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<WalkForwardLayout> ExecuteAsync(PlanWalkForwardInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var request = input.Request;
        await using var hold = await workspace.Locks.ForWalkForwards().HoldAsync(request.WalkForwardId, cancellationToken);
        var (series, folds) = await WalkForwardPlanner.LayOutAsync(request, input.Dataset, workspace.Container, modelSplits, cancellationToken);
        var plans = new List<FoldPlan>();
        foreach (var window in WalkForwardPlanner.Windows(request, series, folds))
        {
            var (fold, runId) = (window.Fold, window.RunId);
            if (await workspace.ReadJsonAsync<FoldResult>(WalkForwardBlobs.Fold(request.WalkForwardId, fold.Index), cancellationToken) is { Completed: true } done)
            {
                var outcome = new FoldOutcome(done.Fold, done.RunId, done.Status, done.Seconds, done.Agent, done.BuyAndHold, done.BestRule);
                plans.Add(new FoldPlan(window, FoldStart.Done, 0, outcome));
            }
            else if (await FoldRuns.TestEvaluationAsync(workspace, runId, cancellationToken) is not null)
            {
                plans.Add(new FoldPlan(window, FoldStart.Score, 0));
            }
            else if (await workspace.ReadRunRecordAsync(runId, cancellationToken) is not null)
            {
                // A resume trains its own iterations from the latest checkpoint: the ones this fold has not trained yet.
                var trained = await FoldRuns.TrainedIterationsAsync(workspace, runId, cancellationToken);
                plans.Add(new FoldPlan(window, FoldStart.Resume, Math.Max(1, request.Run.Iterations - trained)));
            }
            else
            {
                plans.Add(new FoldPlan(window, FoldStart.Fresh, request.Run.Iterations));
            }
        }

        return new WalkForwardLayout(series.Count, series.Times[0], series.Times[^1], series.BarsPerYear, series.PriceBasis, plans);
    }
}
