using Lineage.Orchestration.Experiments;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Lineage.Functions;

/// <summary>
/// Run retention as its own step, on its own schedule: no training run deletes other runs' blobs as a side effect.
/// The same rule is <c>lineage runs prune</c> locally.
/// </summary>
public sealed class RunRetentionFunction(ExperimentStore experiments, ILogger<RunRetentionFunction> logger)
{
    [Function("RunRetention")]
    public async Task Run([TimerTrigger("%Lineage__Models__RetentionSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var report = await experiments.ApplyRetentionAsync(cancellationToken);
        RetentionLog.Applied(logger, report.Kept.Count, report.Deleted.Count, report.ProtectedAsChampion.Count, string.Join(", ", report.Deleted));
    }
}

internal static partial class RetentionLog
{
    [LoggerMessage(1, LogLevel.Information, "Run retention kept {Kept} runs, deleted {Deleted}, protected {Protected} as champions. Deleted: {DeletedRuns}")]
    public static partial void Applied(ILogger logger, int kept, int deleted, int @protected, string deletedRuns);
}
