using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Telemetry;

/// <summary>Source-generated log messages (no formatting cost when the level is off).</summary>
internal static partial class OrchestrationLog
{
    [LoggerMessage(1, LogLevel.Information, "Run {RunId} prepared: start iteration {Iteration}, checkpoint {Checkpoint}, buffer {Buffer}")]
    public static partial void RunPrepared(ILogger logger, string runId, int iteration, long checkpoint, int buffer);

    [LoggerMessage(2, LogLevel.Warning, "Episode {Episode} of iteration {Iteration} failed after retries: {Error}")]
    public static partial void EpisodeFailed(ILogger logger, int episode, int iteration, string error);

    [LoggerMessage(3, LogLevel.Information, "Iteration {Iteration}: {Episodes} episodes, buffer {Buffer}, loss {Loss}, checkpoint {Checkpoint}")]
    public static partial void IterationDone(ILogger logger, int iteration, int episodes, int buffer, double loss, long checkpoint);

    [LoggerMessage(4, LogLevel.Warning, "Run {RunId}: {Warning}")]
    public static partial void RunWarning(ILogger logger, string runId, string warning);

    [LoggerMessage(5, LogLevel.Information, "Run {RunId} resumes at iteration {Iteration} from checkpoint {Update}")]
    public static partial void RunResumed(ILogger logger, string runId, int iteration, long update);

    [LoggerMessage(6, LogLevel.Information, "Run {RunId} prepared on {Dataset} ({Bars} training bars)")]
    public static partial void RunCreated(ILogger logger, string runId, string dataset, int bars);

    [LoggerMessage(7, LogLevel.Information, "Run {RunId} iteration {Iteration}: train step already done, returning its result")]
    public static partial void TrainStepAlreadyDone(ILogger logger, string runId, int iteration);

    [LoggerMessage(8, LogLevel.Error, "Run {RunId} iteration {Iteration}: update {Update} refused: {Reason}")]
    public static partial void UpdateRefused(ILogger logger, string runId, int iteration, int update, string reason);

    [LoggerMessage(9, LogLevel.Information, "Run {RunId} scheduled (resume: {Resume})")]
    public static partial void RunScheduled(ILogger logger, string runId, bool resume);

    [LoggerMessage(10, LogLevel.Information, "Stop requested for run {RunId}")]
    public static partial void StopRequested(ILogger logger, string runId);

    [LoggerMessage(11, LogLevel.Warning, "Run {RunId}: renewing its lock failed ({Error}); the next renewal tries again")]
    public static partial void RunLockRenewalFailed(ILogger logger, string runId, string error);

    [LoggerMessage(12, LogLevel.Error, "Run {RunId} failed at iteration {Iteration}: {Error}", EventName = OperationsEvents.TrainingRunFailed)]
    public static partial void RunFailed(ILogger logger, string runId, int iteration, string error);

    [LoggerMessage(13, LogLevel.Information, "Run {RunId} {Outcome}: lock released={Released}")]
    public static partial void RunLockReleased(ILogger logger, string runId, string outcome, bool released);

    [LoggerMessage(14, LogLevel.Information, "Walk-forward {WalkForwardId}: fold {Fold} ({RunId}) {Status} {Failure}")]
    public static partial void FoldEnded(ILogger logger, string walkForwardId, int fold, string runId, string status, string failure);

    [LoggerMessage(15, LogLevel.Error, "Walk-forward {WalkForwardId} failed: {Error}")]
    public static partial void WalkForwardFailed(ILogger logger, string walkForwardId, string error);

    [LoggerMessage(16, LogLevel.Information, "Walk-forward {WalkForwardId} scheduled: {Folds} folds (resume: {Resume})")]
    public static partial void WalkForwardScheduled(ILogger logger, string walkForwardId, int folds, bool resume);

    [LoggerMessage(17, LogLevel.Information, "Population {PopulationId}: round {Round} ranked; {Exploits} member(s) exploited")]
    public static partial void PopulationRoundRanked(ILogger logger, string populationId, int round, int exploits);

    [LoggerMessage(18, LogLevel.Error, "Population {PopulationId} failed: {Error}")]
    public static partial void PopulationFailed(ILogger logger, string populationId, string error);

    [LoggerMessage(19, LogLevel.Information, "Population {PopulationId} scheduled: {Members} members, {Rounds} rounds (resume: {Resume})")]
    public static partial void PopulationScheduled(ILogger logger, string populationId, int members, int rounds, bool resume);

    [LoggerMessage(20, LogLevel.Warning, "Population {PopulationId}: member {RunId} {Outcome} in round {Round}: {Failure}")]
    public static partial void MemberDidNotComplete(ILogger logger, string populationId, string runId, int round, string outcome, string failure);
}
