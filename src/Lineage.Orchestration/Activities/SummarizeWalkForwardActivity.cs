using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Training;
using Lineage.Orchestration.WalkForwards;
using Lineage.Storage;
using Microsoft.DurableTask;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// The walk-forward's last step before its release: every fold's result (scored folds from their blobs, the others with
/// their status and why) and the concatenated out-of-sample figures of the completed folds against buy-and-hold and the
/// best simple rule, with the paired bootstrap of the agent's excess; written whole to <c>walkforward/{id}/summary.json</c>,
/// returned without per-bar returns.
/// </summary>
public sealed class SummarizeWalkForwardActivity(RunWorkspace workspace, ModelSplitStore modelSplits, TimeProvider? timeProvider = null) : TaskActivity<SummarizeWalkForwardInput, WalkForwardSummary>
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public override Task<WalkForwardSummary> RunAsync(TaskActivityContext context, SummarizeWalkForwardInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<WalkForwardSummary> ExecuteAsync(SummarizeWalkForwardInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var request = input.Request;
        var id = request.WalkForwardId;
        await using var hold = await workspace.Locks.ForWalkForwards().HoldAsync(id, cancellationToken);
        var (series, folds) = input.SeriesBars is { } bars
            ? await WalkForwardPlanner.LayOutAsync(request, input.Dataset, workspace.Container, bars, cancellationToken)
            : await WalkForwardPlanner.LayOutAsync(request, input.Dataset, workspace.Container, modelSplits, cancellationToken);
        var results = new List<FoldResult>();
        foreach (var window in WalkForwardPlanner.Windows(request, series, folds))
        {
            var fold = window.Fold;
            var outcome = input.Outcomes.Single(o => o.Fold == fold.Index);
            var scored = outcome.Status == FoldStatuses.Completed
                ? await workspace.ReadJsonAsync<FoldResult>(WalkForwardBlobs.Fold(id, fold.Index), cancellationToken)
                    ?? throw new InvalidDataException($"Walk-forward '{id}': fold {fold.Index} completed but its result {WalkForwardBlobs.Fold(id, fold.Index)} is missing.")
                : WalkForwardPlanner.Unscored(window, outcome.Status, outcome.Seconds, outcome.Failure);
            results.Add(scored);
        }

        var run = request.Run;
        var summary = new WalkForwardSummary(
            id,
            input.Dataset.Dataset,
            series.Count,
            series.Times[0],
            series.Times[^1],
            series.BarsPerYear,
            series.PriceBasis,
            run.Arena.FeeBps,
            run.Arena.SlippageBps,
            run.Arena.CashRate,
            request,
            folds,
            results,
            WalkForwardScoring.Overall(results, series.BarsPerYear, run.BootstrapDraws, run.Seed),
            _time.GetUtcNow());
        await workspace.WriteJsonAsync(WalkForwardBlobs.Summary(id), summary, cancellationToken);
        return summary.Headline();
    }
}
