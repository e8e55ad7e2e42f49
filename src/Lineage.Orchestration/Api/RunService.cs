using System.Text.Json;
using Azure;
using Lineage.Core.MarketData;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Api;

public sealed record RunAccepted(string RunId, bool Resume, string StatusUri, string StopUri);

/// <param name="Status">The <see cref="RunState"/> name (Starting, Running, Completed, Stopped, Failed, ...).</param>
public sealed record RunStatusView(
    string RunId,
    string Status,
    RunProgress? Progress,
    TrainingResult? Result,
    string? Failure,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt);

/// <summary>
/// The run API's behaviour, in one place for every host: validation, the per-run start lock,
/// starting, stopping, status mapping. The 409 guarantee is made atomic with a conditional blob
/// write (create with If-None-Match: *, or take over with If-Match), never check-then-start. The lock
/// lives in the run's folder, so it holds across hosts that share the container but not a task hub
/// (<see cref="RunLocks"/>): a run another store holds is refused until that run releases its lock or stops
/// renewing it.
/// </summary>
public sealed class RunService(IRunOrchestrationClient client, RunStorage storage, RunLocks locks, ILogger<RunService> logger, Champions.ModelSplitStore? modelSplits = null)
{
    /// <summary>Walk-forwards, started and watched through the same Durable client, storage and locks.</summary>
    public WalkForwardService WalkForwards { get; } = new(client, storage, locks, logger, modelSplits);

    private PopulationService? _populations;

    public PopulationService Populations => _populations ??= new(client, storage, locks, logger, ResolveDatasetAsync);

    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>A "starting" lock older than this is an orphan of a crashed start and may be taken over.</summary>
    public static readonly TimeSpan StartingLockTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Starts a run from a request body (a <see cref="TrainingRun"/> as JSON, at most <see cref="MaxBodyBytes"/>).</summary>
    public async Task<ApiResponse> StartAsync(Stream requestBody, CancellationToken cancellationToken)
    {
        var (run, refusal) = await LimitedBody.ReadJsonAsync<TrainingRun>(requestBody, MaxBodyBytes, "training run", cancellationToken);
        if (run is null)
        {
            return refusal!;
        }

        return await StartAsync(run, cancellationToken);
    }

    public async Task<ApiResponse> StartAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        var errors = TrainingRunValidator.Validate(run);
        if (errors.Count > 0)
        {
            return ApiResponse.Invalid($"The training run has {errors.Count} invalid field(s).", errors);
        }

        await storage.EnsureContainerAsync(cancellationToken);
        var (dataset, datasetError) = await ResolveDatasetAsync(run, cancellationToken);
        if (datasetError is not null)
        {
            return ApiResponse.Invalid("The training run's dataset cannot be used.", [new FieldError("dataset", datasetError)]);
        }

        var lockETag = await locks.TryCreateAsync(run, RunLockState.Starting, cancellationToken);
        if (lockETag is null)
        {
            var takeover = await TryTakeOverAsync(run, cancellationToken);
            if (takeover.Refusal is not null)
            {
                return takeover.Refusal;
            }

            lockETag = takeover.ETag;
        }

        await client.ScheduleAsync(run.RunId, new TrainingState { Run = run, Dataset = dataset }, cancellationToken);
        // Mark the start done; only the writer of "starting" holds this ETag (the run's activities leave a starting lock alone).
        if (await locks.TryReplaceAsync(run, RunLockState.Started, lockETag.Value, cancellationToken) is null)
        {
            throw new InvalidOperationException($"Run '{run.RunId}': its start lock changed while the run was being scheduled.");
        }

        OrchestrationLog.RunScheduled(logger, run.RunId, run.Resume);
        var status = ApiRoutes.RunStatusPath(run.RunId);
        return ApiResponse.Accepted(new RunAccepted(run.RunId, run.Resume, status, $"{status}/stop"), status);
    }

    public async Task<ApiResponse> GetStatusAsync(string runId, CancellationToken cancellationToken)
    {
        if (RunId.Validate(runId) is { } error)
        {
            return ApiResponse.Invalid("Invalid run id.", [new FieldError("runId", error)]);
        }

        var instance = await client.GetAsync(runId, cancellationToken);
        return instance is null
            ? ApiResponse.NotFound($"Run '{runId}' does not exist.")
            : ApiResponse.Ok(ToView(instance));
    }

    public async Task<ApiResponse> StopAsync(string runId, CancellationToken cancellationToken)
    {
        if (RunId.Validate(runId) is { } error)
        {
            return ApiResponse.Invalid("Invalid run id.", [new FieldError("runId", error)]);
        }

        var instance = await client.GetAsync(runId, cancellationToken);
        if (instance is null)
        {
            return ApiResponse.NotFound($"Run '{runId}' does not exist.");
        }

        if (!instance.IsActive)
        {
            return ApiResponse.Conflict($"Run '{runId}' is not running (status {ToView(instance).Status}).");
        }

        await client.RaiseStopAsync(runId, cancellationToken);
        OrchestrationLog.StopRequested(logger, runId);
        return ApiResponse.Accepted(
            new { runId, message = "Stop requested; the run stops after its current step, keeping its latest checkpoint." }, ApiRoutes.RunStatusPath(runId));
    }

    public async Task<ApiResponse> ListCheckpointsAsync(string runId, CancellationToken cancellationToken)
    {
        if (RunId.Validate(runId) is { } error)
        {
            return ApiResponse.Invalid("Invalid run id.", [new FieldError("runId", error)]);
        }

        var checkpoints = await storage.CheckpointStore(runId).ListAsync(cancellationToken);
        if (checkpoints.Count == 0 && await client.GetAsync(runId, cancellationToken) is null)
        {
            return ApiResponse.NotFound($"Run '{runId}' does not exist.");
        }

        return ApiResponse.Ok(new { runId, checkpoints });
    }

    public static RunStatusView ToView(RunInstance instance)
    {
        var progress = Parse<RunProgress>(instance.CustomStatusJson);
        var result = Parse<TrainingResult>(instance.OutputJson);
        var state = RunStates.Of(instance.Status, result);
        return new RunStatusView(instance.InstanceId, state.ToString(), progress, result, instance.FailureMessage, instance.CreatedAt, instance.LastUpdatedAt);
    }

    private async Task<(ApiResponse? Refusal, ETag ETag)> TryTakeOverAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        var current = await locks.ReadAsync(run.RunId, cancellationToken);
        if (current is null)
        {
            return (ApiResponse.Conflict($"Run '{run.RunId}' is being started by another request; try again."), default);
        }

        // A walk-forward's fold or a population's member: reserved for it from its start, whether or not the run has trained yet.
        if (current.Record?.Owner is { } owner)
        {
            return (ApiResponse.Conflict(PopulationBlobs.PopulationOf(owner) is { } population
                ? $"Run '{run.RunId}' is a member of population '{population}': only that population trains or resumes it (POST {ApiRoutes.PopulationsPath} with \"populationId\": \"{population}\", \"resume\": true)."
                : $"Run '{run.RunId}' is a fold of walk-forward '{owner}': only that walk-forward starts or resumes it (POST {ApiRoutes.WalkForwardsPath} with \"walkForwardId\": \"{owner}\", \"resume\": true)."), default);
        }

        // A start in progress (lock written, instance not yet scheduled) wins, unless it is an orphan of a crash.
        var age = locks.Age(current);
        if (current.Record?.State == RunLockState.Starting && age < StartingLockTimeout)
        {
            return (ApiResponse.Conflict($"Run '{run.RunId}' is being started by another request."), default);
        }

        // A run scheduled in another instance store: this host cannot see it, only its lock, which its activities renew.
        if (locks.HeldElsewhere(current))
        {
            return (ApiResponse.Conflict(
                $"Run '{run.RunId}' is running on another host ({current.Record!.Store}); its lock was renewed {age.TotalSeconds:N0} s ago. " +
                $"Start it again when that run ends, or once its lock has gone {locks.Options.Duration.TotalSeconds:N0} s without renewal."), default);
        }

        var instance = await client.GetAsync(run.RunId, cancellationToken);
        if (instance is { IsActive: true })
        {
            return (ApiResponse.Conflict($"Run '{run.RunId}' is already running (status {instance.Status})."), default);
        }

        if (instance is not null && !run.Resume)
        {
            return (ApiResponse.Conflict($"Run '{run.RunId}' already exists ({ToView(instance).Status}); send \"resume\": true to continue it from its latest checkpoint."), default);
        }

        // Only one caller can replace the lock it read: the others get 412 and a 409 from us.
        var written = await locks.TryReplaceAsync(run, RunLockState.Starting, current.ETag, cancellationToken);
        return written is { } etag
            ? (null, etag)
            : (ApiResponse.Conflict($"Run '{run.RunId}' was started by another request at the same time."), default);
    }

    /// <summary>
    /// Resolves and loads the dataset once, at the edge: a bad file is a 400 naming line and column, not a failed run, and
    /// the version checked here is the one the run trains on (PrepareRun gets it in the orchestration's state).
    /// </summary>
    internal async Task<(ResolvedDataset? Dataset, string? Error)> ResolveDatasetAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        try
        {
            var resolved = await new DatasetRegistry(storage.Container).ResolveAsync(run.Dataset, cancellationToken);
            var concrete = run with { Dataset = resolved.Dataset };
            var file = concrete.Dataset.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal)
                ? null
                : await DatasetLoader.LoadSeriesAsync(concrete.Dataset, storage.Container, DatasetLoader.MinTrainRows(concrete), cancellationToken);

            // The splits PrepareRun will cut by (the model's, or the ones its first run would fix): a series too short for the
            // promotion window, or a version that no longer fits the model's dates, is this 400, not a failed run.
            var splits = modelSplits is not null && run.Fold is null
                ? await modelSplits.PreviewAsync(ModelNames.ForRun(concrete, resolved.Requested), concrete, file, cancellationToken)
                : null;
            await DatasetLoader.LoadAsync(concrete, splits, storage.Container, cancellationToken, file);
            return (resolved, null);
        }
        catch (Exception ex) when (ex is PriceDataException or FileNotFoundException or InvalidDataException or ArgumentException)
        {
            return (null, ex.Message);
        }
    }

    private static T? Parse<T>(string? json)
        where T : class => OwnerStart.Parse<T>(json);

    /// <summary>A System.Text.Json error in words a caller can act on (shared by every route that reads a JSON body).</summary>
    internal static string Describe(JsonException ex, string owner = "a training run")
    {
        if (ex.Message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return $"is not a field of {owner}";
        }

        const string converted = "could not be converted to ";
        var at = ex.Message.IndexOf(converted, StringComparison.Ordinal);
        if (at >= 0)
        {
            var fullType = ex.Message[(at + converted.Length)..].Split(' ')[0].TrimEnd('.');
            return fullType switch
            {
                "System.Int32" or "System.Int64" => "must be a whole number",
                "System.UInt64" => "must be a non-negative whole number",
                "System.Double" => "must be a number",
                "System.Boolean" => "must be true or false",
                "System.String" => "must be a string",
                _ when ex.Path?.EndsWith("kind", StringComparison.OrdinalIgnoreCase) == true => "is not one of the allowed values",
                _ => $"has the wrong JSON type (expected {(fullType.Contains("Collections", StringComparison.Ordinal) || fullType.EndsWith("[]", StringComparison.Ordinal) ? "an array" : "an object")})",
            };
        }

        // System.Text.Json messages name the path and the expected type; drop the line/byte position noise.
        var message = ex.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
