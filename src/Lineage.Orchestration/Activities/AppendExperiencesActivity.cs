using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Microsoft.DurableTask;

namespace Lineage.Orchestration.Activities;

/// <summary>The single writer after the fan-in: appends the iteration's shards, in episode order, to the FIFO manifest.</summary>
public sealed class AppendExperiencesActivity(RunWorkspace workspace) : TaskActivity<AppendInput, AppendOutput>
{
    public override Task<AppendOutput> RunAsync(TaskActivityContext context, AppendInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<AppendOutput> ExecuteAsync(AppendInput input, CancellationToken cancellationToken)
    {
        using var span = LineageTelemetry.StartSpan(ActivityNames.AppendExperiences, input.RunId, input.Iteration);
        var record = await workspace.GetRunAsync(input.RunId, cancellationToken);
        var shards = input.Episodes.OrderBy(e => e.Episode).Select(e => e.Shard).ToList();
        var manifest = await workspace.Replay(input.RunId).AppendAsync(shards, record.Run.ReplayCapacity, cancellationToken);
        LineageTelemetry.ReplaySizeObserved(input.RunId, manifest.LiveCount);
        LineageTelemetry.Succeeded(span);
        return new AppendOutput(manifest.LiveCount, shards.Sum(s => s.Count));
    }
}
