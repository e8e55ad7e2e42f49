using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Lineage.Orchestration.WalkForwards;
using Microsoft.DurableTask;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// Before a fold trains: takes its run's lock for this host's store, as the run API's start would, but only if the lock
/// names this walk-forward as its owner (the walk-forward's start reserved it) and no other host is running the fold.
/// Renews the walk-forward's own lock on the way.
/// </summary>
public sealed class ClaimFoldRunActivity(RunWorkspace workspace) : TaskActivity<ClaimFoldInput, bool>
{
    public override Task<bool> RunAsync(TaskActivityContext context, ClaimFoldInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<bool> ExecuteAsync(ClaimFoldInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var locks = workspace.Locks;
        await using var hold = await locks.ForWalkForwards().HoldAsync(input.WalkForwardId, cancellationToken);
        await locks.ClaimReservedAsync(input.RunId, input.WalkForwardId, $"walk-forward '{input.WalkForwardId}'", cancellationToken);
        return true;
    }
}
