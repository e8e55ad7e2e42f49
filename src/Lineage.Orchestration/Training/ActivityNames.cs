namespace Lineage.Orchestration.Training;

/// <summary>Durable names shared by the orchestrator, the Functions wrappers and the local worker.</summary>
public static class ActivityNames
{
    public const string TrainingOrchestrator = "TrainingOrchestrator";
    public const string PrepareRun = "PrepareRun";
    public const string RunEpisode = "RunEpisode";
    public const string AppendExperiences = "AppendExperiences";
    public const string TrainStep = "TrainStep";
    public const string Evaluate = "Evaluate";
    public const string PromoteCandidate = "PromoteCandidate";
    public const string ReleaseRun = "ReleaseRun";

    /// <summary>External event a stop request raises; honoured between steps.</summary>
    public const string StopEvent = "stop";
}
