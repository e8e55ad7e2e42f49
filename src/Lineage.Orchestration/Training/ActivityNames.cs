using Microsoft.DurableTask;

namespace Lineage.Orchestration.Training;

/// <summary>Durable names shared by the orchestrator, the Functions wrappers and the local worker.</summary>
public static class ActivityNames
{
    public const string TrainingOrchestrator = "TrainingOrchestrator";
    public const string PrepareRun = "PrepareRun";
    public const string RunEpisode = "RunEpisode";

    /// <summary>An actor: several episodes of one iteration in one activity (<see cref="Runs.TrainingRun.EpisodesPerActivity"/>).</summary>
    public const string RunEpisodes = "RunEpisodes";
    public const string AppendExperiences = "AppendExperiences";
    public const string TrainStep = "TrainStep";
    public const string Evaluate = "Evaluate";
    public const string PromoteCandidate = "PromoteCandidate";
    public const string ReleaseRun = "ReleaseRun";

    public const string WalkForwardOrchestrator = "WalkForwardOrchestrator";
    public const string PlanWalkForward = "PlanWalkForward";
    public const string ClaimFoldRun = "ClaimFoldRun";
    public const string ScoreFold = "ScoreFold";
    public const string SummarizeWalkForward = "SummarizeWalkForward";
    public const string ReleaseWalkForward = "ReleaseWalkForward";

    public const string PopulationOrchestrator = "PopulationOrchestrator";
    public const string PlanPopulationRound = "PlanPopulationRound";
    public const string PopulationRound = "PopulationRound";
    public const string FinishPopulation = "FinishPopulation";
    public const string ReleasePopulation = "ReleasePopulation";

    /// <summary>Every orchestrator's activity retry: 3 attempts, 1 s then 2 s apart.</summary>
    public static TaskOptions Retry { get; } = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 3,
        firstRetryInterval: TimeSpan.FromSeconds(1),
        backoffCoefficient: 2.0));

    /// <summary>External event a stop request raises; honoured between steps.</summary>
    public const string StopEvent = "stop";
}
