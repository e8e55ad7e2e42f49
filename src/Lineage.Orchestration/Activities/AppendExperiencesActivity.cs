using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.DurableTask;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// The single writer after the fan-in: records the iteration's acting (<see cref="ActingRecord"/>), then appends its
/// shards, in episode order, to the FIFO manifest. Both writes are deterministic in the input, so a retry rewrites the
/// same record and the append finds its shards already there.
/// </summary>
public sealed class AppendExperiencesActivity(RunWorkspace workspace) : TaskActivity<AppendInput, AppendOutput>
{
    public override Task<AppendOutput> RunAsync(TaskActivityContext context, AppendInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<AppendOutput> ExecuteAsync(AppendInput input, CancellationToken cancellationToken)
    {
        using var span = LineageTelemetry.StartSpan(ActivityNames.AppendExperiences, input.RunId, input.Iteration);
        await using var hold = await workspace.Locks.HoldAsync(input.RunId, cancellationToken);
        var record = await workspace.GetRunAsync(input.RunId, cancellationToken);
        var shards = input.Episodes.OrderBy(e => e.Episode).Select(e => e.Shard).ToList();
        // Before the commit: whenever the manifest holds this iteration, a resumed run can train on it as this run would have.
        await workspace.WriteJsonAsync(
            RunBlobs.Acting(input.RunId, input.Iteration), new ActingRecord(input.Iteration, input.Acting, input.PriorityBeta), cancellationToken);
        CrashPoints.Reach(CrashPoints.AppendAfterActingRecord, input.RunId);
        var manifest = await workspace.Replay(input.RunId).AppendAsync(shards, record.Run.ReplayCapacity, cancellationToken);
        CrashPoints.Reach(CrashPoints.AppendAfterAppend, input.RunId);
        LineageTelemetry.ReplaySizeObserved(input.RunId, manifest.LiveCount);
        LineageTelemetry.Succeeded(span);
        return new AppendOutput(manifest.LiveCount, shards.Sum(s => s.Count));
    }
}
