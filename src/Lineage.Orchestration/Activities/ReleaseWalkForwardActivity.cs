using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Orchestration.WalkForwards;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Activities;

/// <summary>The walk-forward's last step, whatever the outcome: marks its lock released so it can be started again at once.</summary>
public sealed class ReleaseWalkForwardActivity(RunWorkspace workspace, ILogger<ReleaseWalkForwardActivity> logger) : TaskActivity<ReleaseWalkForwardInput, bool>
{
    public override Task<bool> RunAsync(TaskActivityContext context, ReleaseWalkForwardInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<bool> ExecuteAsync(ReleaseWalkForwardInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var released = await workspace.Locks.ForWalkForwards().ReleaseAsync(input.WalkForwardId, cancellationToken);
        OrchestrationLog.RunLockReleased(logger, input.WalkForwardId, input.Outcome, released);
        return released;
    }
}
