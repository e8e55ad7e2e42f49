using System.Reflection;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Experiments;

/// <summary><c>runs/{id}/final.json</c>: the selected checkpoint, its validation and test scores, and the promotion decision.</summary>
public sealed record RunFinal(
    string RunId,
    long SelectedCheckpoint,
    EvaluateOutput? BestValidation,
    EvaluateOutput Test,
    PromotionDecision Decision,
    DateTimeOffset FinishedAt);

public sealed record RunSummary(
    string RunId,
    string? Dataset,
    string? DatasetReference,
    int? DatasetVersion,
    string? DataFingerprint,
    string? CodeVersion,
    ulong? Seed,
    int? Iterations,
    DateTimeOffset LastActive,
    double? TestSharpe,
    double? TestReturn,
    bool? Promoted,
    bool IsChampion);

public sealed record IterationSummary(int Iteration, double MeanLoss, double MeanQ, double MeanEpisodeReward, double MeanEpisodeReturn, int BufferCount, double Epsilon, int Updates);

public sealed record RunDetails(
    RunRecord Record,
    RunFinal? Final,
    IReadOnlyList<IterationSummary> Iterations,
    IReadOnlyList<CheckpointRef> Checkpoints,
    IReadOnlyList<string> Evaluations,
    DateTimeOffset LastActive);

public sealed record RetentionReport(IReadOnlyList<string> Kept, IReadOnlyList<string> Deleted, IReadOnlyList<string> ProtectedAsChampion);

/// <summary>
/// Reads runs' experiment records back (<c>lineage runs list|show</c>) and applies the retention rule:
/// a run's blobs are deleted only when it is not among the <see cref="ModelOptions.KeepRuns"/> most recently
/// active runs, was not active within <see cref="ModelOptions.MinRunAge"/>, and is not any model's champion or
/// on a champion's rollback list.
/// </summary>
public sealed class ExperimentStore(RunWorkspace workspace, ChampionStore champions, ModelOptions options, ILogger<ExperimentStore> logger, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    private BlobContainerClient Container => workspace.Container;


    /// <summary>Every run in the container, most recently active first.</summary>
    public async Task<IReadOnlyList<RunSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var activity = await LastActivityAsync(cancellationToken);
        var championRuns = await ChampionRunsAsync(currentOnly: true, cancellationToken);
        var summaries = new List<RunSummary>();
        foreach (var (runId, lastActive) in activity.OrderByDescending(a => a.Value))
        {
            var record = await workspace.ReadRunRecordAsync(runId, cancellationToken);
            var final = await workspace.ReadJsonAsync<RunFinal>(RunBlobs.Final(runId), cancellationToken);
            summaries.Add(new RunSummary(
                runId,
                record?.Run.Dataset,
                record?.Experiment?.DatasetReference,
                record?.Experiment?.DatasetVersion,
                record?.DataFingerprint,
                record?.Experiment?.CodeVersion,
                record?.Run.Seed,
                record is null ? null : record.StartIteration + record.Run.Iterations,
                lastActive,
                final?.Decision.Candidate.Sharpe,
                final?.Test.AgentReturn,
                final?.Decision.Promoted,
                championRuns.Contains(runId)));
        }

        return summaries;
    }

    /// <summary>One run's record, final evaluation and per-iteration metrics; null when it has no run record.</summary>
    public async Task<RunDetails?> ShowAsync(string runId, CancellationToken cancellationToken)
    {
        if (RunId.Validate(runId) is { } error)
        {
            throw new ArgumentException(error, nameof(runId));
        }

        var record = await workspace.ReadRunRecordAsync(runId, cancellationToken);
        if (record is null)
        {
            return null;
        }

        var final = await workspace.ReadJsonAsync<RunFinal>(RunBlobs.Final(runId), cancellationToken);
        var iterations = new List<IterationSummary>();
        var evaluations = new List<string>();
        var lastActive = DateTimeOffset.MinValue;
        await foreach (var item in Container.GetBlobsAsync(new GetBlobsOptions { Prefix = RunBlobs.Prefix(runId) }, cancellationToken))
        {
            lastActive = Max(lastActive, item.Properties.LastModified);
            if (item.Name.Contains("/metrics/", StringComparison.Ordinal))
            {
                var m = await workspace.ReadJsonAsync<IterationMetrics>(item.Name, cancellationToken);
                if (m is not null)
                {
                    iterations.Add(new IterationSummary(m.Iteration, m.Train.MeanLoss, m.Train.MeanQ, m.Acting.MeanEpisodeReward, m.Acting.MeanEpisodeRoi, m.BufferCount, m.Acting.Epsilon, m.Train.UpdatesDone));
                }
            }
            else if (item.Name.Contains("/evaluations/", StringComparison.Ordinal))
            {
                evaluations.Add(item.Name);
            }
        }

        var checkpoints = await workspace.Checkpoints(runId).ListAsync(cancellationToken);
        return new RunDetails(record, final, iterations.OrderBy(i => i.Iteration).ToList(), checkpoints, evaluations, lastActive);
    }

    /// <summary>Applies the retention rule and prunes model checkpoint copies no champion needs.</summary>
    public async Task<RetentionReport> ApplyRetentionAsync(CancellationToken cancellationToken)
    {
        var activity = await LastActivityAsync(cancellationToken);
        var championRuns = await ChampionRunsAsync(currentOnly: false, cancellationToken);
        var cutoff = _time.GetUtcNow() - options.MinRunAge;
        var ordered = activity.OrderByDescending(a => a.Value).ThenBy(a => a.Key, StringComparer.Ordinal).ToList();
        var kept = new List<string>();
        var deleted = new List<string>();
        var protectedRuns = new List<string>();
        for (var i = 0; i < ordered.Count; i++)
        {
            var (runId, lastActive) = (ordered[i].Key, ordered[i].Value);
            if (i < options.KeepRuns || lastActive >= cutoff)
            {
                kept.Add(runId);
            }
            else if (championRuns.Contains(runId))
            {
                protectedRuns.Add(runId);
            }
            else
            {
                var blobs = 0;
                await foreach (var item in Container.GetBlobsAsync(new GetBlobsOptions { Prefix = RunBlobs.Prefix(runId) }, cancellationToken))
                {
                    await Container.GetBlobClient(item.Name).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
                    blobs++;
                    CrashPoints.Reach(CrashPoints.RunRetentionAfterBlob, runId);
                }

                CrashPoints.Reach(CrashPoints.RunRetentionAfterRun, runId);

                ModelsLog.RunDeleted(logger, runId, blobs, lastActive);
                deleted.Add(runId);
            }
        }

        foreach (var model in await champions.ListModelsAsync(cancellationToken))
        {
            await champions.PruneCheckpointCopiesAsync(model, cancellationToken);
        }

        return new RetentionReport(kept, deleted, protectedRuns);
    }

    private async Task<HashSet<string>> ChampionRunsAsync(bool currentOnly, CancellationToken cancellationToken)
    {
        var runs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var model in await champions.ListModelsAsync(cancellationToken))
        {
            if (await champions.GetAsync(model, cancellationToken) is { } pointer)
            {
                runs.Add(pointer.Champion.RunId);
                if (!currentOnly)
                {
                    runs.UnionWith(pointer.Previous.Select(p => p.RunId));
                }
            }
        }

        return runs;
    }

    /// <summary>Each run id and the newest modification time of any of its blobs.</summary>
    private async Task<Dictionary<string, DateTimeOffset>> LastActivityAsync(CancellationToken cancellationToken)
    {
        var activity = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        try
        {
            await foreach (var item in Container.GetBlobsAsync(new GetBlobsOptions { Prefix = RunBlobs.Root }, cancellationToken))
            {
                if (RunBlobs.RunIdOf(item.Name) is not { } runId)
                {
                    continue;
                }

                activity[runId] = Max(activity.GetValueOrDefault(runId, DateTimeOffset.MinValue), item.Properties.LastModified);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return activity;
        }

        return activity;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset? b) => b is { } v && v > a ? v : a;
}
