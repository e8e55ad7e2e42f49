using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// The orchestration's last step, whatever the outcome (completed, stopped, failed): marks the run's lock released, so
/// any host may start the run again at once instead of waiting for the lock to lapse. Only this store's lock is released.
/// </summary>
public sealed class ReleaseRunActivity(RunWorkspace workspace, ILogger<ReleaseRunActivity> logger) : TaskActivity<ReleaseInput, bool>
{
    public override Task<bool> RunAsync(TaskActivityContext context, ReleaseInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<bool> ExecuteAsync(ReleaseInput input, CancellationToken cancellationToken)
    {
        var released = await workspace.Locks.ReleaseAsync(input.RunId, cancellationToken);
        CrashPoints.Reach(CrashPoints.ReleaseAfterUnlock, input.RunId);
        OrchestrationLog.RunLockReleased(logger, input.RunId, input.Outcome, released);
        return released;
    }
}
