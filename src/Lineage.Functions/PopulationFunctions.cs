using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Populations;
using Lineage.Orchestration.Training;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Lineage.Functions;

/// <summary>[Function] wrappers of the population orchestration: its members train as sub-orchestrations of the training orchestrator.</summary>
public sealed class PopulationFunctions(
    PlanPopulationRoundActivity plan,
    PopulationRoundActivity round,
    FinishPopulationActivity finish,
    ReleasePopulationActivity release)
{
    [Function(ActivityNames.PopulationOrchestrator)]
    public static Task<PopulationResult> RunOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new PopulationOrchestrator().RunAsync(context, context.GetInput<PopulationState>()
            ?? throw new InvalidOperationException("The population orchestration was started without input."));

    [Function(ActivityNames.PlanPopulationRound)]
    public Task<PopulationRoundPlan> PlanPopulationRound([ActivityTrigger] PlanPopulationRoundInput input, CancellationToken cancellationToken) =>
        plan.ExecuteAsync(input, cancellationToken);

    [Function(ActivityNames.PopulationRound)]
    public Task<PopulationRoundOutcome> PopulationRound([ActivityTrigger] PopulationRoundInput input, CancellationToken cancellationToken) =>
        round.ExecuteAsync(input, cancellationToken);

    [Function(ActivityNames.FinishPopulation)]
    public Task<PopulationCandidate> FinishPopulation([ActivityTrigger] FinishPopulationInput input, CancellationToken cancellationToken) =>
        finish.ExecuteAsync(input, cancellationToken);

    [Function(ActivityNames.ReleasePopulation)]
    public Task<bool> ReleasePopulation([ActivityTrigger] ReleasePopulationInput input, CancellationToken cancellationToken) =>
        release.ExecuteAsync(input, cancellationToken);
}
