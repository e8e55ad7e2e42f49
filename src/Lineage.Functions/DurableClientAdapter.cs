using Lineage.Orchestration.Api;
using Lineage.Orchestration.Populations;
using Lineage.Orchestration.Training;
using Lineage.Orchestration.WalkForwards;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Lineage.Functions;

/// <summary>The run API's client operations over the Functions Durable client.</summary>
internal sealed class DurableClientAdapter(DurableTaskClient client) : IRunOrchestrationClient
{
    public async Task ScheduleAsync(string instanceId, TrainingState input, CancellationToken cancellationToken) =>
        await client.ScheduleNewOrchestrationInstanceAsync(
            ActivityNames.TrainingOrchestrator, input, new StartOrchestrationOptions(instanceId), cancellationToken);

    public async Task ScheduleWalkForwardAsync(string instanceId, WalkForwardState input, CancellationToken cancellationToken) =>
        await client.ScheduleNewOrchestrationInstanceAsync(
            ActivityNames.WalkForwardOrchestrator, input, new StartOrchestrationOptions(instanceId), cancellationToken);

    public async Task SchedulePopulationAsync(string instanceId, PopulationState input, CancellationToken cancellationToken) =>
        await client.ScheduleNewOrchestrationInstanceAsync(
            ActivityNames.PopulationOrchestrator, input, new StartOrchestrationOptions(instanceId), cancellationToken);

    public async Task<RunInstance?> GetAsync(string instanceId, CancellationToken cancellationToken)
    {
        var metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (metadata is null)
        {
            return null;
        }

        var status = metadata.RuntimeStatus switch
        {
            OrchestrationRuntimeStatus.Pending => RunRuntimeStatus.Pending,
            OrchestrationRuntimeStatus.Running => RunRuntimeStatus.Running,
            OrchestrationRuntimeStatus.Completed => RunRuntimeStatus.Completed,
            OrchestrationRuntimeStatus.Failed => RunRuntimeStatus.Failed,
            OrchestrationRuntimeStatus.Terminated => RunRuntimeStatus.Terminated,
            OrchestrationRuntimeStatus.Suspended => RunRuntimeStatus.Suspended,
            _ => RunRuntimeStatus.Unknown,
        };
        return new RunInstance(
            instanceId,
            status,
            metadata.SerializedCustomStatus,
            // A failed orchestration's "output" is its error text, not JSON: only a completed one has a result.
            status == RunRuntimeStatus.Completed ? metadata.SerializedOutput : null,
            metadata.FailureDetails?.ErrorMessage,
            metadata.CreatedAt,
            metadata.LastUpdatedAt);
    }

    public Task RaiseStopAsync(string instanceId, CancellationToken cancellationToken) =>
        client.RaiseEventAsync(instanceId, ActivityNames.StopEvent, "stop", cancellationToken);
}
