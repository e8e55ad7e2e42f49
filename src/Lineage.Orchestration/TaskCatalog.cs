using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Populations;
using Lineage.Orchestration.Training;
using Lineage.Orchestration.WalkForwards;
using Microsoft.DurableTask;

namespace Lineage.Orchestration;

/// <summary>A Durable activity: its name and the class every host runs for it; input and output come from the class.</summary>
public sealed record ActivityEntry(string Name, Type Implementation)
{
    public Type Input => Arguments[0];

    public Type Output => Arguments[1];

    private Type[] Arguments
    {
        get
        {
            for (var type = Implementation; type is not null; type = type.BaseType)
            {
                if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(TaskActivity<,>))
                {
                    return type.GetGenericArguments();
                }
            }

            throw new InvalidOperationException($"{Implementation.Name} is not a TaskActivity<TInput, TOutput>.");
        }
    }
}

/// <summary>A Durable orchestrator: its name and the class every host runs for it (parameterless, replay-safe).</summary>
public sealed record OrchestratorEntry(string Name, Type Implementation);

/// <summary>
/// The orchestrations' tasks, once: dependency injection registers these classes, the local host's Durable
/// worker registers them under these names, and a test checks the Functions app declares one wrapper per entry with
/// the same name, input and output (the <c>[DurableTask]</c> source generator that would do this is not served here).
/// </summary>
public static class TaskCatalog
{
    /// <summary>The training orchestration: one run, also each walk-forward fold's and each population member's sub-orchestration.</summary>
    public const string Orchestrator = ActivityNames.TrainingOrchestrator;

    public const string WalkForward = ActivityNames.WalkForwardOrchestrator;

    public const string Population = ActivityNames.PopulationOrchestrator;

    public static IReadOnlyList<OrchestratorEntry> Orchestrators { get; } =
    [
        new(Orchestrator, typeof(TrainingOrchestrator)),
        new(WalkForward, typeof(WalkForwardOrchestrator)),
        new(Population, typeof(PopulationOrchestrator)),
    ];

    public static IReadOnlyList<ActivityEntry> Activities { get; } =
    [
        new(ActivityNames.PrepareRun, typeof(PrepareRunActivity)),
        new(ActivityNames.RunEpisode, typeof(RunEpisodeActivity)),
        new(ActivityNames.RunEpisodes, typeof(RunEpisodesActivity)),
        new(ActivityNames.AppendExperiences, typeof(AppendExperiencesActivity)),
        new(ActivityNames.TrainStep, typeof(TrainStepActivity)),
        new(ActivityNames.Evaluate, typeof(EvaluateActivity)),
        new(ActivityNames.PromoteCandidate, typeof(PromoteCandidateActivity)),
        new(ActivityNames.ReleaseRun, typeof(ReleaseRunActivity)),
        new(ActivityNames.PlanWalkForward, typeof(PlanWalkForwardActivity)),
        new(ActivityNames.ClaimFoldRun, typeof(ClaimFoldRunActivity)),
        new(ActivityNames.ScoreFold, typeof(ScoreFoldActivity)),
        new(ActivityNames.SummarizeWalkForward, typeof(SummarizeWalkForwardActivity)),
        new(ActivityNames.ReleaseWalkForward, typeof(ReleaseWalkForwardActivity)),
        new(ActivityNames.PlanPopulationRound, typeof(PlanPopulationRoundActivity)),
        new(ActivityNames.PopulationRound, typeof(PopulationRoundActivity)),
        new(ActivityNames.FinishPopulation, typeof(FinishPopulationActivity)),
        new(ActivityNames.ReleasePopulation, typeof(ReleasePopulationActivity)),
    ];
}
