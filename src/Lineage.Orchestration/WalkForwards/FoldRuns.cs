using System.Globalization;
using Azure.Storage.Blobs.Models;
using Lineage.Orchestration.Training;
using Lineage.Storage;

namespace Lineage.Orchestration.WalkForwards;

/// <summary>A fold run's test evaluation: the blob and the checkpoint update it scored.</summary>
public sealed record FoldTestEvaluation(string BlobName, long Update);

/// <summary>What a fold's run left under <c>runs/{id}/</c>, as the walk-forward reads it.</summary>
public static class FoldRuns
{
    private const string TestSuffix = "-" + Splits.Test + ".json";

    /// <summary>
    /// The run's test evaluation (the orchestrator scores the test split once, at its end, for the checkpoint chosen on
    /// validation: its existence means the run finished); the newest if a resume made another; null if there is none.
    /// </summary>
    public static async Task<FoldTestEvaluation?> TestEvaluationAsync(RunWorkspace workspace, string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        FoldTestEvaluation? newest = null;
        var prefix = RunBlobs.Prefix(runId) + "evaluations/";
        await foreach (var blob in workspace.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
        {
            var name = blob.Name[prefix.Length..];
            if (name.EndsWith(TestSuffix, StringComparison.Ordinal)
                && long.TryParse(name.AsSpan(0, name.Length - TestSuffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var update)
                && (newest is null || update > newest.Update))
            {
                newest = new FoldTestEvaluation(blob.Name, update);
            }
        }

        return newest;
    }

    /// <summary>Iterations the run has trained: one past the newest iteration with metrics (0 if none).</summary>
    public static async Task<int> TrainedIterationsAsync(RunWorkspace workspace, string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var trained = 0;
        var prefix = RunBlobs.MetricsFolder(runId);
        await foreach (var blob in workspace.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
        {
            if (int.TryParse(Path.GetFileNameWithoutExtension(blob.Name[prefix.Length..]), NumberStyles.None, CultureInfo.InvariantCulture, out var iteration))
            {
                trained = Math.Max(trained, iteration + 1);
            }
        }

        return trained;
    }

    /// <summary>The iteration whose training step wrote checkpoint <paramref name="update"/>; null if no metrics say so.</summary>
    public static async Task<int?> IterationOfAsync(RunWorkspace workspace, string runId, long update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        int? found = null;
        await foreach (var blob in workspace.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, RunBlobs.MetricsFolder(runId), cancellationToken))
        {
            if (await workspace.ReadJsonAsync<IterationMetrics>(blob.Name, cancellationToken) is { } metrics && metrics.Train.CheckpointUpdate == update)
            {
                found = metrics.Iteration;
            }
        }

        return found;
    }
}
