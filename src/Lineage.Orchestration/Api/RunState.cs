using Lineage.Orchestration.Training;

namespace Lineage.Orchestration.Api;

/// <summary>
/// A run's life cycle as its callers see it: Starting → Running → Completed | Stopped | Failed (or Terminated by an
/// operator, Suspended by Durable). <see cref="Of"/> is the one mapping from a Durable instance to it.
/// </summary>
public enum RunState
{
    /// <summary>Scheduled; no worker has started it yet.</summary>
    Starting,
    Running,
    Suspended,
    Completed,

    /// <summary>Ended early at a stop request, keeping its latest checkpoint.</summary>
    Stopped,
    Failed,
    Terminated,

    /// <summary>A status the backend reported that Lineage does not know.</summary>
    Unknown,
}

public static class RunStates
{
    public static RunState Of(RunRuntimeStatus status, TrainingResult? result) => status switch
    {
        RunRuntimeStatus.Pending => RunState.Starting,
        RunRuntimeStatus.Running => RunState.Running,
        RunRuntimeStatus.Suspended => RunState.Suspended,
        RunRuntimeStatus.Completed when result?.Outcome == RunOutcomes.Stopped => RunState.Stopped,
        RunRuntimeStatus.Completed => RunState.Completed,
        RunRuntimeStatus.Failed => RunState.Failed,
        RunRuntimeStatus.Terminated => RunState.Terminated,
        _ => RunState.Unknown,
    };

    public static bool IsActive(RunState state) => state is RunState.Starting or RunState.Running or RunState.Suspended;

    /// <summary>A run that ended as its caller wanted: trained to the end, or stopped on request.</summary>
    public static bool EndedWell(RunState state) => state is RunState.Completed or RunState.Stopped;
}
