using Azure.Storage.Blobs.Models;
using Lineage.Core.Episodes;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Lineage.Storage;

namespace Lineage.Cli;

/// <summary>One stored evaluation: which checkpoint, on which split, at which iteration.</summary>
internal sealed record RunEvaluation(string Name, long Update, string Split, int? Iteration, EvaluationReport Report);

/// <summary>What a run left in blob storage: its request, per-iteration metrics and every evaluation report.</summary>
internal sealed record RunArtifacts(RunRecord? Record, IReadOnlyList<IterationMetrics> Metrics, IReadOnlyList<RunEvaluation> Evaluations)
{
    public IEnumerable<RunEvaluation> Validation => Evaluations.Where(e => e.Split == Splits.Validation);

    /// <summary>The test evaluation (the orchestrator scores the test split once, for the checkpoint chosen on validation).</summary>
    public RunEvaluation? Test => Evaluations.LastOrDefault(e => e.Split == Splits.Test);

    public bool IsSynthetic => Record?.Run.Dataset.StartsWith(Orchestration.Runs.DatasetReferences.Synthetic, StringComparison.Ordinal) ?? false;

    public static async Task<RunArtifacts> LoadAsync(RunWorkspace workspace, string runId, CancellationToken cancellationToken)
    {
        var record = await workspace.ReadRunRecordAsync(runId, cancellationToken);
        var metrics = new List<IterationMetrics>();
        var reports = new List<(string Name, EvaluationReport Report)>();
        await foreach (var blob in workspace.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, RunBlobs.Prefix(runId), cancellationToken))
        {
            if (blob.Name.Contains("/metrics/", StringComparison.Ordinal))
            {
                if (await workspace.ReadJsonAsync<IterationMetrics>(blob.Name, cancellationToken) is { } m)
                {
                    metrics.Add(m);
                }
            }
            else if (blob.Name.Contains("/evaluations/", StringComparison.Ordinal)
                && await workspace.ReadJsonAsync<EvaluationReport>(blob.Name, cancellationToken) is { } e)
            {
                reports.Add((Path.GetFileNameWithoutExtension(blob.Name), e));
            }
        }

        metrics.Sort((a, b) => a.Iteration.CompareTo(b.Iteration));
        var evaluations = reports
            .Select(r => Parse(r.Name, r.Report, metrics))
            .OrderBy(e => e.Update)
            .ThenBy(e => e.Split, StringComparer.Ordinal)
            .ToList();
        return new RunArtifacts(record, metrics, evaluations);
    }

    // Evaluation blobs are named {update:D10}-{split}; the iteration is the one whose train step wrote that checkpoint.
    private static RunEvaluation Parse(string name, EvaluationReport report, IReadOnlyList<IterationMetrics> metrics)
    {
        var dash = name.IndexOf('-', StringComparison.Ordinal);
        var update = dash > 0 && long.TryParse(name.AsSpan(0, dash), System.Globalization.CultureInfo.InvariantCulture, out var u) ? u : -1;
        var split = dash > 0 ? name[(dash + 1)..] : name;
        var iteration = metrics.LastOrDefault(m => m.Train.CheckpointUpdate == update)?.Iteration;
        return new RunEvaluation(name, update, split, iteration, report);
    }
}
