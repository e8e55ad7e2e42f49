using Lineage.Orchestration.Training;
using Microsoft.DurableTask;

namespace Lineage.Orchestration.Experiments;

/// <summary>
/// Run retention (<see cref="ExperimentStore.ApplyRetentionAsync"/>) after a finished run's promotion decision: its own
/// activity, called without retries, whose failure the orchestrator records as a note, so housekeeping never fails a run.
/// </summary>
public sealed class RunRetentionActivity(ExperimentStore experiments) : TaskActivity<string, RunRetentionOutcome>
{
    public override Task<RunRetentionOutcome> RunAsync(TaskActivityContext context, string input) => ExecuteAsync(input, CancellationToken.None);

    /// <param name="finishedRunId">The run whose finish triggered retention (for the record; it is always kept, being recent).</param>
    public async Task<RunRetentionOutcome> ExecuteAsync(string finishedRunId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(finishedRunId);
        var report = await experiments.ApplyRetentionAsync(cancellationToken);
        return new RunRetentionOutcome(report.Kept.Count, report.Deleted.Count, report.ProtectedAsChampion.Count);
    }
}
