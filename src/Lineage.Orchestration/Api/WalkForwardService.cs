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

    private RunLocks Locks => runLocks.ForWalkForwards();

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
        var lockETag = await Locks.TryCreateAsync(new RunLockRecord(id, RunLockState.Starting, request.Resume), cancellationToken);
        if (lockETag is null)
        {
            var takeover = await TryTakeOverAsync(request, cancellationToken);
            if (takeover.Refusal is not null)
            {
                return takeover.Refusal;
            }

            lockETag = takeover.ETag;
        }

        var refusal = await CheckStoredRequestAsync(request, cancellationToken) ?? await ReserveFoldRunsAsync(request, windows, cancellationToken);
        if (refusal is not null)
        {
            // Nothing was scheduled: the lock goes back to released, so a corrected request may start at once.
            await Locks.TryReplaceAsync(new RunLockRecord(id, RunLockState.Released, request.Resume), lockETag.Value, cancellationToken);
            return refusal;
        }

        await storage.Container.GetBlobClient(WalkForwardBlobs.Request(id)).UploadAsync(
            BinaryData.FromObjectAsJson(request.Identity(), LineageJson.Options), overwrite: true, cancellationToken);
        await client.ScheduleWalkForwardAsync(WalkForwardBlobs.InstanceId(id), new WalkForwardState(request, dataset), cancellationToken);
        if (await Locks.TryReplaceAsync(new RunLockRecord(id, RunLockState.Started, request.Resume), lockETag.Value, cancellationToken) is null)
        {
            throw new InvalidOperationException($"Walk-forward '{id}': its start lock changed while it was being scheduled.");
        }

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

    private async Task<(ApiResponse? Refusal, ETag ETag)> TryTakeOverAsync(WalkForwardRequest request, CancellationToken cancellationToken)
    {
        var id = request.WalkForwardId;
        var current = await Locks.ReadAsync(id, cancellationToken);
        if (current is null)
        {
            return (ApiResponse.Conflict($"Walk-forward '{id}' is being started by another request; try again."), default);
        }

        var age = Locks.Age(current);
        if (current.Record?.State == RunLockState.Starting && age < RunService.StartingLockTimeout)
        {
            return (ApiResponse.Conflict($"Walk-forward '{id}' is being started by another request."), default);
        }

        if (Locks.HeldElsewhere(current))
        {
            return (ApiResponse.Conflict($"Walk-forward '{id}' is running on another host ({current.Record!.Store}); its lock was renewed {age.TotalSeconds:N0} s ago."), default);
        }

        // Its activities renew the walk-forward's lock only between folds: while a fold trains, the fold's lock shows it alive.
        if (current.Record is { State: RunLockState.Started } started && !Locks.IsMine(started)
            && await FoldHeldElsewhereAsync(id, cancellationToken) is { } busy)
        {
            return (ApiResponse.Conflict($"Walk-forward '{id}' is running on another host ({started.Store}): its fold run '{busy}' is training there."), default);
        }

        var instance = await client.GetAsync(WalkForwardBlobs.InstanceId(id), cancellationToken);
        if (instance is { IsActive: true })
        {
            return (ApiResponse.Conflict($"Walk-forward '{id}' is already running (status {instance.Status})."), default);
        }

        var written = await Locks.TryReplaceAsync(new RunLockRecord(id, RunLockState.Starting, request.Resume), current.ETag, cancellationToken);
        return written is { } etag
            ? (null, etag)
            : (ApiResponse.Conflict($"Walk-forward '{id}' was started by another request at the same time."), default);
    }

    /// <summary>A walk-forward that exists needs <c>resume: true</c>, and a resume must repeat what was first requested.</summary>
    private async Task<ApiResponse?> CheckStoredRequestAsync(WalkForwardRequest request, CancellationToken cancellationToken)
    {
        var id = request.WalkForwardId;
        var stored = await ReadAsync<WalkForwardRequest>(WalkForwardBlobs.Request(id), cancellationToken);
        if (stored is null)
        {
            return null;
        }

        if (!request.Resume)
        {
            return ApiResponse.Conflict($"Walk-forward '{id}' already exists; send \"resume\": true to continue it (scored folds are kept), or use a new walkForwardId.");
        }

        var (was, now) = (JsonSerializer.Serialize(stored.Identity(), LineageJson.Options), JsonSerializer.Serialize(request.Identity(), LineageJson.Options));
        return was == now
            ? null
            : ApiResponse.Conflict($"Walk-forward '{id}' was started with another request; a resume must repeat it (only resume and maxParallelFolds may change). Started with: {was}");
    }

    /// <summary>
    /// Writes every fold run's lock, released and owned by this walk-forward, unless it already is: from now on the run API
    /// refuses those ids (409), and a fold id some other run already has makes this start a 409 instead.
    /// </summary>
    private async Task<ApiResponse?> ReserveFoldRunsAsync(WalkForwardRequest request, IReadOnlyList<FoldWindow> windows, CancellationToken cancellationToken)
    {
        foreach (var window in windows)
        {
            var reserved = new RunLockRecord(window.RunId, RunLockState.Released, Resume: false, Owner: request.WalkForwardId);
            if (await runLocks.TryCreateAsync(reserved, cancellationToken) is not null)
            {
                continue;
            }

            var current = await runLocks.ReadAsync(window.RunId, cancellationToken);
            if (current?.Record?.Owner != request.WalkForwardId)
            {
                return ApiResponse.Conflict(
                    $"Walk-forward '{request.WalkForwardId}' would run fold {window.Fold.Index} as run '{window.RunId}', but that run id is taken ({(current?.Record?.Owner is { } owner ? $"a fold of walk-forward '{owner}'" : "by another run")}); use another walkForwardId.");
            }
        }

        return null;
    }

    private async Task<string?> FoldHeldElsewhereAsync(string id, CancellationToken cancellationToken)
    {
        if (await ReadAsync<WalkForwardRequest>(WalkForwardBlobs.Request(id), cancellationToken) is not { } stored)
        {
            return null;
        }

        for (var k = 0; k < stored.Folds; k++)
        {
            if (await runLocks.ReadAsync(stored.FoldRunId(k), cancellationToken) is { } fold && runLocks.HeldElsewhere(fold))
            {
                return stored.FoldRunId(k);
            }
        }

        return null;
    }

    private async Task<T?> ReadAsync<T>(string blobName, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            var content = (await storage.Container.GetBlobClient(blobName).DownloadContentAsync(cancellationToken)).Value.Content;
            return content.ToObjectFromJson<T>(LineageJson.Options);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private static T? Parse<T>(string? json)
        where T : class =>
        string.IsNullOrWhiteSpace(json) ? null : JsonSerializer.Deserialize<T>(json, LineageJson.Options);
}
