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
        var claimed = new RunLockRecord(input.RunId, RunLockState.Started, Resume: false, Owner: input.WalkForwardId);
        var current = await locks.ReadAsync(input.RunId, cancellationToken);
        if (current is null)
        {
            return await locks.TryCreateAsync(claimed, cancellationToken) is not null
                ? true
                : throw new RunLockLostException($"Run '{input.RunId}': its lock was written by another start while walk-forward '{input.WalkForwardId}' claimed it.");
        }

        if (current.Record?.Owner != input.WalkForwardId)
        {
            throw new RunLockLostException(
                $"Run '{input.RunId}' is not reserved for walk-forward '{input.WalkForwardId}' (its lock names {(current.Record?.Owner is { } owner ? $"walk-forward '{owner}'" : "no walk-forward")}); the fold is not trained.");
        }

        if (locks.HeldElsewhere(current))
        {
            throw new RunLockLostException(
                $"Run '{input.RunId}' is running on another host ({current.Record.Store}); its lock was renewed {locks.Age(current).TotalSeconds:N0} s ago.");
        }

        return await locks.TryReplaceAsync(claimed, current.ETag, cancellationToken) is not null
            ? true
            : throw new RunLockLostException($"Run '{input.RunId}': its lock changed while walk-forward '{input.WalkForwardId}' claimed it.");
    }
}
