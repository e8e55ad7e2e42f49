using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Lineage.Core.Episodes;
using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;

namespace Lineage.Cli;

/// <summary>
/// Writes a self-contained run folder from what the run stored in blobs: per-iteration metrics (CSV and
/// JSON), evaluations, the status, a markdown summary and PNG plots.
/// </summary>
internal static class RunReport
{
    private static readonly JsonSerializerOptions Indented = new(LineageJson.Options) { WriteIndented = true };

    public static async Task<DirectoryInfo> WriteAsync(RunWorkspace workspace, string runId, RunStatusView view, DirectoryInfo output, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateDirectory(Path.Combine(output.FullName, runId));
        var metrics = new List<IterationMetrics>();
        var evaluations = new List<(string Name, EvaluationReport Report)>();
        await foreach (var blob in workspace.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"runs/{runId}/", cancellationToken))
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
                evaluations.Add((Path.GetFileNameWithoutExtension(blob.Name), e));
            }
        }

        metrics.Sort((a, b) => a.Iteration.CompareTo(b.Iteration));
        evaluations.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "metrics.csv"), MetricsCsv(metrics), cancellationToken);
        await WriteJsonAsync(Path.Combine(folder.FullName, "metrics.json"), metrics, cancellationToken);
        await WriteJsonAsync(Path.Combine(folder.FullName, "evaluations.json"), evaluations.ToDictionary(e => e.Name, e => e.Report), cancellationToken);
        await WriteJsonAsync(Path.Combine(folder.FullName, "status.json"), view, cancellationToken);
        var checkpoints = await workspace.Checkpoints(runId).ListAsync(cancellationToken);
        var plots = Plots.Write(folder, metrics, evaluations);
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "summary.md"), Markdown(runId, view, metrics, evaluations, checkpoints.Select(c => c.Name).ToList(), workspace.Container.Name, plots), cancellationToken);
        return folder;
    }

    private static string MetricsCsv(IReadOnlyList<IterationMetrics> metrics)
    {
        var csv = new StringBuilder("iteration,episodes_ok,episodes_failed,mean_episode_reward,mean_episode_roi,experiences_added,epsilon,buffer,updates,loss,mean_q,mean_abs_td,checkpoint\n");
        foreach (var m in metrics)
        {
            csv.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{m.Iteration},{m.Acting.EpisodesSucceeded},{m.Acting.EpisodesFailed},{m.Acting.MeanEpisodeReward:G6},{m.Acting.MeanEpisodeRoi:G6},{m.Acting.ExperiencesAdded},{m.Acting.Epsilon:G4},{m.BufferCount},{m.Train.UpdatesDone},{m.Train.MeanLoss:G6},{m.Train.MeanQ:G6},{m.Train.MeanAbsTdError:G6},{m.Train.CheckpointUpdate}"));
        }

        return csv.ToString();
    }

    private static string Markdown(
        string runId,
        RunStatusView view,
        IReadOnlyList<IterationMetrics> metrics,
        IReadOnlyList<(string Name, EvaluationReport Report)> evaluations,
        IReadOnlyList<string> checkpoints,
        string container,
        IReadOnlyList<string> plots)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Run {runId}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Status: **{view.Status}**{(view.Failure is null ? "" : $" — {view.Failure}")}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Checkpoints kept: {string.Join(", ", checkpoints)} in `{container}/runs/{runId}/checkpoints/`.");
        md.AppendLine();
        if (view.Result?.Test is { } test)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"Selected checkpoint (best validation return): update {test.CheckpointUpdate} from iteration {test.Iteration}.");
            md.AppendLine();
        }

        md.AppendLine("## Evaluations (greedy agent vs baselines, after fees)");
        md.AppendLine();
        md.AppendLine("| evaluation | agent return | agent Sharpe | max drawdown | trades | buy & hold | flat | random (mean ± sd) | reference |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var (name, r) in evaluations)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {r.Agent.Roi:P2} | {r.Agent.Sharpe:F2} | {r.Agent.MaxDrawdown:P1} | {r.Agent.Trades} | {r.BuyAndHold.Roi:P2} | {r.Flat.Roi:P2} | {r.Random.MeanRoi:P2} ± {r.Random.StdRoi:P2} | {(r.Reference is null ? "—" : r.Reference.Roi.ToString("P2", CultureInfo.InvariantCulture))} |");
        }

        md.AppendLine();
        md.AppendLine("Buy-and-hold on the bundled price files excludes dividends (prices are not total-return).");
        md.AppendLine();
        md.AppendLine("## Iterations");
        md.AppendLine();
        md.AppendLine("| iteration | episodes ok | mean episode reward | mean episode ROI | buffer | updates | loss | mean Q |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var m in metrics)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {m.Iteration} | {m.Acting.EpisodesSucceeded} | {m.Acting.MeanEpisodeReward:F3} | {m.Acting.MeanEpisodeRoi:P2} | {m.BufferCount} | {m.Train.UpdatesDone} | {m.Train.MeanLoss:F5} | {m.Train.MeanQ:F3} |");
        }

        md.AppendLine();
        foreach (var plot in plots)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"![{plot}]({plot})");
        }

        return md.ToString();
    }

    private static async Task WriteJsonAsync<T>(string path, T value, CancellationToken cancellationToken)
    {
        await using var stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, value, Indented, cancellationToken);
    }
}
