using System.Text.Json;
using Azure;
using Lineage.Core.MarketData;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Orchestration.WalkForwards;
using Lineage.Storage;
using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Api;

/// <summary>What a 202 to a walk-forward start says: where to poll, and the folds as laid out on the dataset version checked.</summary>
public sealed record WalkForwardAccepted(
    string WalkForwardId,
    bool Resume,
    string StatusUri,
    string Dataset,
    int SeriesBars,
    DateTimeOffset SeriesFrom,
    DateTimeOffset SeriesTo,
    IReadOnlyList<FoldWindow> Folds);

/// <summary>A fold that is training now, and its run's progress.</summary>
public sealed record FoldRunStatus(int Fold, string RunId, string Status, RunProgress? Progress);

/// <param name="Status">The <see cref="RunState"/> name of the walk-forward's orchestration (Starting, Running, Completed, Failed, ...).</param>
/// <param name="Summary">When it finished: every fold's figures and the overall line, without per-bar returns (those are in <see cref="SummaryBlob"/>).</param>
public sealed record WalkForwardStatusView(
    string WalkForwardId,
    string Status,
    WalkForwardProgress? Progress,
    int FoldsDone,
    IReadOnlyList<FoldRunStatus> Training,
    WalkForwardSummary? Summary,
    string? SummaryBlob,
    string? Failure,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? LastUpdatedAt);

/// <summary>
/// The walk-forward API's behaviour, for every host: validation, the start lock (<c>walkforward/{id}/lock.json</c>, the same
/// conditional-write rules as a run's), the reservation of every fold's run id for this walk-forward (each fold run's lock
/// names it as owner, so the run API refuses those ids), starting, and status. A resume must repeat the request it was
/// first started with; scored folds are not trained again.
/// </summary>
public sealed class WalkForwardService(IRunOrchestrationClient client, RunStorage storage, RunLocks runLocks, ILogger logger, Champions.ModelSplitStore? modelSplits = null)
{
    public const int MaxBodyBytes = RunService.MaxBodyBytes;

    private readonly OwnerStart _start = new(client, storage, runLocks, runLocks.ForWalkForwards(), "Walk-forward");

    /// <summary>Starts a walk-forward from a request body (a <see cref="WalkForwardRequest"/> as JSON, at most <see cref="MaxBodyBytes"/>).</summary>
    public async Task<ApiResponse> StartAsync(Stream requestBody, CancellationToken cancellationToken)
    {
        var (request, refusal) = await LimitedBody.ReadJsonAsync<WalkForwardRequest>(requestBody, MaxBodyBytes, "walk-forward", cancellationToken);
        return request is null ? refusal! : await StartAsync(request, cancellationToken);
    }

    public async Task<ApiResponse> StartAsync(WalkForwardRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = WalkForwardRequestValidator.Validate(request);
        if (errors.Count > 0)
        {
            return ApiResponse.Invalid($"The walk-forward has {errors.Count} invalid field(s).", errors);
        }

        await storage.EnsureContainerAsync(cancellationToken);
        ResolvedDataset dataset;
        PriceSeries series;
        try
        {
            dataset = await new DatasetRegistry(storage.Container).ResolveAsync(request.Run.Dataset, cancellationToken);
            var run = request.Run with { Dataset = dataset.Dataset };
            series = await DatasetLoader.LoadWholeSeriesAsync(run, storage.Container, WalkForwardPlanner.MinTrainBars(run), cancellationToken);
            if (modelSplits is not null)
            {
                // The folds the orchestration will lay out: before the model's promotion window (as it would be fixed now).
                series = await modelSplits.BeforePromotionAsync(Runs.ModelNames.ForRun(run, dataset.Requested), run, series, fix: false, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is PriceDataException or FileNotFoundException or InvalidDataException or ArgumentException)
        {
            return ApiResponse.Invalid("The walk-forward's dataset cannot be used.", [new FieldError("run.dataset", ex.Message)]);
        }

        IReadOnlyList<FoldWindow> windows;
        try
        {
            windows = WalkForwardPlanner.Windows(request, series, WalkForwardPlanner.Folds(request, series));
        }
        catch (ArgumentException ex)
        {
            return ApiResponse.Invalid("The folds cannot be laid out on this series.", [new FieldError("folds", ex.Message)]);
        }

        var id = request.WalkForwardId;
        var (lockRefusal, lockETag) = await _start.TakeLockAsync(
            id, request.Resume, WalkForwardBlobs.InstanceId(id), ct => FoldHeldElsewhereAsync(id, ct), cancellationToken);
        if (lockRefusal is not null)
        {
            return lockRefusal;
        }

        var refusal = await _start.CheckStoredRequestAsync(
                id, WalkForwardBlobs.Request(id), request.Resume, request.Identity(), "scored folds are kept", "resume and maxParallelFolds", cancellationToken)
            ?? await _start.ReserveAsync(id, id, windows.Select(w => (w.RunId, $"fold {w.Fold.Index}")), cancellationToken);
        if (refusal is not null)
        {
            // Nothing was scheduled: the lock goes back to released, so a corrected request may start at once.
            await _start.ReleaseAsync(id, request.Resume, lockETag, cancellationToken);
            return refusal;
        }

        await _start.StoreRequestAsync(WalkForwardBlobs.Request(id), request.Identity(), cancellationToken);
        await client.ScheduleWalkForwardAsync(WalkForwardBlobs.InstanceId(id), new WalkForwardState(request, dataset), cancellationToken);
        await _start.MarkStartedAsync(id, request.Resume, lockETag, cancellationToken);

        OrchestrationLog.WalkForwardScheduled(logger, id, windows.Count, request.Resume);
        var status = ApiRoutes.WalkForwardStatusPath(id);
        return ApiResponse.Accepted(
            new WalkForwardAccepted(id, request.Resume, status, dataset.Dataset, series.Count, series.Times[0], series.Times[^1], windows), status);
    }

    public async Task<ApiResponse> GetStatusAsync(string walkForwardId, CancellationToken cancellationToken)
    {
        if (WalkForwardBlobs.Validate(walkForwardId) is { } error)
        {
            return ApiResponse.Invalid("Invalid walk-forward id.", [new FieldError("walkForwardId", error)]);
        }

        var view = await GetViewAsync(walkForwardId, cancellationToken);
        return view is null ? ApiResponse.NotFound($"Walk-forward '{walkForwardId}' does not exist.") : ApiResponse.Ok(view);
    }

    /// <summary>
    /// The walk-forward as this host sees it: its orchestration's status, progress and (finished) summary, and the progress
    /// of every fold training now. A walk-forward whose instance this host's store does not hold (an embedded backend
    /// forgets when its process ends) is shown from its summary blob, or as Unknown when it has none. Null: no such walk-forward.
    /// </summary>
    public async Task<WalkForwardStatusView?> GetViewAsync(string walkForwardId, CancellationToken cancellationToken)
    {
        var instance = await client.GetAsync(WalkForwardBlobs.InstanceId(walkForwardId), cancellationToken);
        if (instance is null)
        {
            var stored = await ReadAsync<WalkForwardSummary>(WalkForwardBlobs.Summary(walkForwardId), cancellationToken);
            if (stored is not null)
            {
                return new WalkForwardStatusView(walkForwardId, nameof(RunState.Completed), null, stored.Folds.Count, [], stored.Headline(), WalkForwardBlobs.Summary(walkForwardId), null, null, null);
            }

            return await ReadAsync<WalkForwardRequest>(WalkForwardBlobs.Request(walkForwardId), cancellationToken) is null
                ? null
                : new WalkForwardStatusView(walkForwardId, nameof(RunState.Unknown), null, 0, [], null, null,
                    "This host's Durable store has no instance of the walk-forward and it has no summary: it ended with its host. Start it again with \"resume\": true; scored folds are kept.",
                    null, null);
        }

        var progress = Parse<WalkForwardProgress>(instance.CustomStatusJson);
        var result = Parse<WalkForwardResult>(instance.OutputJson);
        var training = new List<FoldRunStatus>();
        foreach (var fold in progress?.Folds.Where(f => f.Status == FoldStatuses.Running) ?? [])
        {
            var run = await client.GetAsync(fold.RunId, cancellationToken) is { } foldInstance ? RunService.ToView(foldInstance) : null;
            training.Add(new FoldRunStatus(fold.Fold, fold.RunId, run?.Status ?? nameof(RunState.Starting), run?.Progress));
        }

        return new WalkForwardStatusView(
            walkForwardId,
            RunStates.Of(instance.Status, null).ToString(),
            progress,
            progress?.FoldsDone ?? 0,
            training,
            result?.Summary,
            result?.SummaryBlob,
            instance.FailureMessage,
            instance.CreatedAt,
            instance.LastUpdatedAt);
    }

    /// <summary>The whole summary, per-bar returns included, once the walk-forward has written it; null before.</summary>
    public Task<WalkForwardSummary?> ReadSummaryAsync(string walkForwardId, CancellationToken cancellationToken) =>
        ReadAsync<WalkForwardSummary>(WalkForwardBlobs.Summary(walkForwardId), cancellationToken);

    private async Task<string?> FoldHeldElsewhereAsync(string id, CancellationToken cancellationToken) =>
        await ReadAsync<WalkForwardRequest>(WalkForwardBlobs.Request(id), cancellationToken) is { } stored
            ? await _start.HeldElsewhereAsync(Enumerable.Range(0, stored.Folds).Select(stored.FoldRunId), cancellationToken)
            : null;

    private Task<T?> ReadAsync<T>(string blobName, CancellationToken cancellationToken)
        where T : class => _start.ReadAsync<T>(blobName, cancellationToken);

    private static T? Parse<T>(string? json)
        where T : class => OwnerStart.Parse<T>(json);
}
