using Lineage.Core.Episodes;
using Lineage.Orchestration.Training;
using Lineage.Orchestration.WalkForwards;
using Lineage.Storage;
using Microsoft.DurableTask;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// Scores a finished fold from its run's one test evaluation: the agent's, buy-and-hold's and the best simple rule's per-bar
/// returns over the fold's test block (the same bars for all three), written to <c>walkforward/{id}/folds/{k}.json</c>.
/// Once that blob exists the fold is done: a restarted walk-forward reuses it. Idempotent on retry.
/// </summary>
public sealed class ScoreFoldActivity(RunWorkspace workspace) : TaskActivity<ScoreFoldInput, FoldOutcome>
{
    public override Task<FoldOutcome> RunAsync(TaskActivityContext context, ScoreFoldInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<FoldOutcome> ExecuteAsync(ScoreFoldInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var plan = input.Plan;
        await using var held = await workspace.Locks.ForWalkForwards().HoldAsync(input.WalkForwardId, cancellationToken);
        var test = await FoldRuns.TestEvaluationAsync(workspace, plan.RunId, cancellationToken)
            ?? throw new InvalidOperationException($"Run '{plan.RunId}' has no test evaluation: fold {plan.Fold.Index} did not finish.");
        var report = await workspace.ReadJsonAsync<EvaluationReport>(test.BlobName, cancellationToken)
            ?? throw new InvalidDataException($"Run '{plan.RunId}': its test evaluation {test.BlobName} cannot be read.");
        var (agent, hold, rule) = WalkForwardScoring.PerBarReturns(plan.RunId, plan.Fold, report);
        var ruleLine = report.BestRule is { } best
            ? new PolicyLine(best.Name, best.Metrics.Roi, best.Metrics.Sharpe, best.Metrics.MaxDrawdown)
            : throw new InvalidDataException($"Run '{plan.RunId}': its test evaluation has no best simple rule.");
        var fold = plan.Fold;
        var result = WalkForwardPlanner.Unscored(plan.Window, FoldStatuses.Completed, input.Seconds, null) with
        {
            SelectedIteration = await FoldRuns.IterationOfAsync(workspace, plan.RunId, test.Update, cancellationToken),
            Checkpoint = test.Update,
            Agent = new PolicyLine("agent", report.Agent.Roi, report.Agent.Sharpe, report.Agent.MaxDrawdown),
            BuyAndHold = new PolicyLine(WalkForwardScoring.BuyAndHold, report.BuyAndHold.Roi, report.BuyAndHold.Sharpe, report.BuyAndHold.MaxDrawdown),
            BestRule = ruleLine,
            AgentReturns = agent,
            BuyAndHoldReturns = hold,
            BestRuleReturns = rule,
        };
        await workspace.WriteJsonAsync(WalkForwardBlobs.Fold(input.WalkForwardId, fold.Index), result, cancellationToken);
        return new FoldOutcome(fold.Index, plan.RunId, result.Status, result.Seconds, result.Agent, result.BuyAndHold, result.BestRule);
    }
}
