using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Training;
using Lineage.Orchestration.WalkForwards;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Lineage.Functions;

/// <summary>[Function] wrappers of the walk-forward orchestration: its folds run as sub-orchestrations of the training orchestrator.</summary>
public sealed class WalkForwardFunctions(
    PlanWalkForwardActivity plan,
    ClaimFoldRunActivity claim,
    ScoreFoldActivity score,
    SummarizeWalkForwardActivity summarize,
    ReleaseWalkForwardActivity release)
{
    [Function(ActivityNames.WalkForwardOrchestrator)]
    public static Task<WalkForwardResult> RunOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new WalkForwardOrchestrator().RunAsync(context, context.GetInput<WalkForwardState>()
            ?? throw new InvalidOperationException("The walk-forward orchestration was started without input."));

    [Function(ActivityNames.PlanWalkForward)]
    public Task<WalkForwardLayout> PlanWalkForward([ActivityTrigger] PlanWalkForwardInput input, CancellationToken cancellationToken) =>
        plan.ExecuteAsync(input, cancellationToken);

    [Function(ActivityNames.ClaimFoldRun)]
    public Task<bool> ClaimFoldRun([ActivityTrigger] ClaimFoldInput input, CancellationToken cancellationToken) =>
        claim.ExecuteAsync(input, cancellationToken);

    [Function(ActivityNames.ScoreFold)]
    public Task<FoldOutcome> ScoreFold([ActivityTrigger] ScoreFoldInput input, CancellationToken cancellationToken) =>
        score.ExecuteAsync(input, cancellationToken);

    [Function(ActivityNames.SummarizeWalkForward)]
    public Task<WalkForwardSummary> SummarizeWalkForward([ActivityTrigger] SummarizeWalkForwardInput input, CancellationToken cancellationToken) =>
        summarize.ExecuteAsync(input, cancellationToken);

    [Function(ActivityNames.ReleaseWalkForward)]
    public Task<bool> ReleaseWalkForward([ActivityTrigger] ReleaseWalkForwardInput input, CancellationToken cancellationToken) =>
        release.ExecuteAsync(input, cancellationToken);
}
