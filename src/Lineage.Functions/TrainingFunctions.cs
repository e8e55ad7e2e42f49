using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Training;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Lineage.Functions;

/// <summary>[Function] wrappers: the orchestrator and activities are the shared classes every host runs.</summary>
public sealed class TrainingFunctions(
    PrepareRunActivity prepare,
    RunEpisodeActivity episode,
    RunEpisodesActivity actor,
    AppendExperiencesActivity append,
    TrainStepActivity trainStep,
    EvaluateActivity evaluate,
    PromoteCandidateActivity promote,
    ReleaseRunActivity release)
{
    [Function(ActivityNames.TrainingOrchestrator)]
    public static Task<TrainingResult> RunOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new TrainingOrchestrator().RunAsync(context, context.GetInput<TrainingState>()
            ?? throw new InvalidOperationException("The training orchestration was started without input."));

    [Function(ActivityNames.PrepareRun)]
    public Task<RunContext> PrepareRun([ActivityTrigger] PrepareInput input, CancellationToken cancellationToken) =>
        prepare.ExecuteAsync(input, cancellationToken);

    [Function(ActivityNames.RunEpisode)]
    public Task<EpisodeOutput> RunEpisode([ActivityTrigger] EpisodeInput input, CancellationToken cancellationToken) =>
        episode.ExecuteAsync(input, cancellationToken);

    [Function(ActivityNames.RunEpisodes)]
    public Task<ActorOutput> RunEpisodes([ActivityTrigger] ActorInput input, CancellationToken cancellationToken) =>
        actor.ExecuteAsync(input, cancellationToken);

    [Function(ActivityNames.AppendExperiences)]
    public Task<AppendOutput> AppendExperiences([ActivityTrigger] AppendInput input, CancellationToken cancellationToken) =>
        append.ExecuteAsync(input, cancellationToken);

    [Function(ActivityNames.TrainStep)]
    public Task<TrainStepOutput> TrainStep([ActivityTrigger] TrainStepInput input, CancellationToken cancellationToken) =>
        trainStep.ExecuteAsync(input, cancellationToken);

    [Function(ActivityNames.Evaluate)]
    public Task<EvaluateOutput> Evaluate([ActivityTrigger] EvaluateInput input, CancellationToken cancellationToken) =>
        evaluate.ExecuteAsync(input, cancellationToken);

    [Function(ActivityNames.PromoteCandidate)]
    public Task<PromotionOutcome> PromoteCandidate(
        [ActivityTrigger] PromotionInput input, CancellationToken cancellationToken) =>
        promote.ExecuteAsync(input, cancellationToken);

    [Function(ActivityNames.ReleaseRun)]
    public Task<bool> ReleaseRun([ActivityTrigger] ReleaseInput input, CancellationToken cancellationToken) =>
        release.ExecuteAsync(input, cancellationToken);
}
