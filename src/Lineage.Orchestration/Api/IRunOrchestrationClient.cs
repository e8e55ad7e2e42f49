using Lineage.Orchestration.Populations;
using Lineage.Orchestration.Training;
using Lineage.Orchestration.WalkForwards;

namespace Lineage.Orchestration.Api;

/// <summary>
/// The few Durable client operations the run API needs, so the same request handling serves the
/// Functions app (Durable's gRPC client) and the local host (DurableTask.Core's TaskHubClient).
/// </summary>
public interface IRunOrchestrationClient
{
    Task ScheduleAsync(string instanceId, TrainingState input, CancellationToken cancellationToken);

    /// <summary>Schedules a walk-forward orchestration (instance id <see cref="Storage.WalkForwardBlobs.InstanceId"/>).</summary>
    Task ScheduleWalkForwardAsync(string instanceId, WalkForwardState input, CancellationToken cancellationToken);

    /// <summary>Schedules a population orchestration (instance id <see cref="Storage.PopulationBlobs.InstanceId"/>).</summary>
    Task SchedulePopulationAsync(string instanceId, PopulationState input, CancellationToken cancellationToken);

    Task<RunInstance?> GetAsync(string instanceId, CancellationToken cancellationToken);

    Task RaiseStopAsync(string instanceId, CancellationToken cancellationToken);
}

public enum RunRuntimeStatus
{
    Pending,
    Running,
    Completed,
    Failed,
    Terminated,
    Suspended,
    Unknown,
}

public sealed record RunInstance(
    string InstanceId,
    RunRuntimeStatus Status,
    string? CustomStatusJson,
    string? OutputJson,
    string? FailureMessage,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt)
{
    public bool IsActive => RunStates.IsActive(RunStates.Of(Status, null));
}
