using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Populations;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Api;

/// <summary>What a 202 to a population start says: where to poll, and the population's shape on the dataset version checked.</summary>
public sealed record PopulationAccepted(
    string PopulationId,
    bool Resume,
    string StatusUri,
    string Dataset,
    int Members,
    int Rounds,
    int IterationsPerRound,
    IReadOnlyList<string> MemberRunIds);

/// <param name="Status">The <see cref="RunState"/> name of the population's orchestration (Starting, Running, Completed, Failed, ...).</param>
/// <param name="Lineage">The lineage record so far: every member's events (the tree).</param>
/// <param name="Result">When it finished: the candidate, its test evaluation and the gate's decision.</param>
public sealed record PopulationStatusView(
    string PopulationId,
    string Status,
    PopulationProgress? Progress,
    LineageRecord? Lineage,
    PopulationResult? Result,
    string? Failure,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? LastUpdatedAt);

/// <summary>
/// The population API's behaviour, for every host: validation, the start lock (<c>populations/{id}/lock.json</c>), the
/// reservation of every member's run id for this population (each member's lock names it as owner, so the run API refuses
/// those ids), starting, status and stop. A resume must repeat the request it was first started with; the lineage record
/// says where the population stands.
/// </summary>
/// <param name="resolveDataset">The run API's dataset check (resolve, load, the model's splits), on one member's run.</param>
public sealed class PopulationService(
    IRunOrchestrationClient client,
    RunStorage storage,
    RunLocks runLocks,
    ILogger logger,
    Func<TrainingRun, CancellationToken, Task<(ResolvedDataset? Dataset, string? Error)>> resolveDataset)
{
    public const int MaxBodyBytes = RunService.MaxBodyBytes;

    private readonly OwnerStart _start = new(client, storage, runLocks, runLocks.ForPopulations(), "Population");

    /// <summary>Starts a population from a request body (a <see cref="PopulationRequest"/> as JSON, at most <see cref="MaxBodyBytes"/>).</summary>
    public async Task<ApiResponse> StartAsync(Stream requestBody, CancellationToken cancellationToken)
    {
        var (request, refusal) = await LimitedBody.ReadJsonAsync<PopulationRequest>(requestBody, MaxBodyBytes, "population", cancellationToken);
        return request is null ? refusal! : await StartAsync(request, cancellationToken);
    }

    public async Task<ApiResponse> StartAsync(PopulationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = PopulationRequestValidator.Validate(request);
        if (errors.Count > 0)
        {
            return ApiResponse.Invalid($"The population has {errors.Count} invalid field(s).", errors);
        }

        await storage.EnsureContainerAsync(cancellationToken);
        // Every member trains on the same data and splits: the run API's checks on the first member's run are the population's.
        var (dataset, datasetError) = await resolveDataset(request.MemberRun(0, MemberHyperparameters.Of(request.Run), 0, request.IterationsPerRound, resume: false), cancellationToken);
        if (dataset is null)
        {
            return ApiResponse.Invalid("The population's dataset cannot be used.", [new FieldError("run.dataset", datasetError ?? "it could not be resolved")]);
        }

        var id = request.PopulationId;
        var members = Enumerable.Range(0, request.Members).Select(request.MemberRunId).ToList();
        var (lockRefusal, lockETag) = await _start.TakeLockAsync(
            id, request.Resume, PopulationBlobs.InstanceId(id), ct => _start.HeldElsewhereAsync(members, ct), cancellationToken);
        if (lockRefusal is not null)
        {
            return lockRefusal;
        }

        var refusal = await _start.CheckStoredRequestAsync(
                id, PopulationBlobs.Request(id), request.Resume, request.Identity(), "its members go on from their latest checkpoints", "resume and maxParallelMembers", cancellationToken)
            ?? await _start.ReserveAsync(id, PopulationBlobs.Owner(id), members.Select((runId, k) => (runId, $"member {k}")), cancellationToken);
        if (refusal is not null)
        {
            // Nothing was scheduled: the lock goes back to released, so a corrected request may start at once.
            await _start.ReleaseAsync(id, request.Resume, lockETag, cancellationToken);
            return refusal;
        }

        await _start.StoreRequestAsync(PopulationBlobs.Request(id), request.Identity(), cancellationToken);
        await client.SchedulePopulationAsync(PopulationBlobs.InstanceId(id), new PopulationState(request, dataset), cancellationToken);
        await _start.MarkStartedAsync(id, request.Resume, lockETag, cancellationToken);
        OrchestrationLog.PopulationScheduled(logger, id, request.Members, request.Rounds, request.Resume);
        var status = ApiRoutes.PopulationStatusPath(id);
        return ApiResponse.Accepted(
            new PopulationAccepted(id, request.Resume, status, dataset.Dataset, request.Members, request.Rounds, request.IterationsPerRound, members), status);
    }

    public async Task<ApiResponse> GetStatusAsync(string populationId, CancellationToken cancellationToken)
    {
        if (PopulationBlobs.Validate(populationId) is { } error)
        {
            return ApiResponse.Invalid("Invalid population id.", [new FieldError("populationId", error)]);
        }

        var view = await GetViewAsync(populationId, cancellationToken);
        return view is null ? ApiResponse.NotFound($"Population '{populationId}' does not exist.") : ApiResponse.Ok(view);
    }

    /// <summary>Asks the population to stop: the members training finish their current step and checkpoint; no member starts again.</summary>
    public async Task<ApiResponse> StopAsync(string populationId, CancellationToken cancellationToken)
    {
        if (PopulationBlobs.Validate(populationId) is { } error)
        {
            return ApiResponse.Invalid("Invalid population id.", [new FieldError("populationId", error)]);
        }

        var instance = await client.GetAsync(PopulationBlobs.InstanceId(populationId), cancellationToken);
        if (instance is null)
        {
            return ApiResponse.NotFound($"Population '{populationId}' is not known to this host.");
        }

        if (!instance.IsActive)
        {
            return ApiResponse.Conflict($"Population '{populationId}' is not running (status {RunStates.Of(instance.Status, null)}).");
        }

        await client.RaiseStopAsync(PopulationBlobs.InstanceId(populationId), cancellationToken);
        OrchestrationLog.StopRequested(logger, populationId);
        return ApiResponse.Accepted(
            new { populationId, message = "Stop requested; the members training stop after their current step, keeping their latest checkpoints. Resume the population to continue." },
            ApiRoutes.PopulationStatusPath(populationId));
    }

    /// <summary>
    /// The population as this host sees it: its orchestration's status and progress, the lineage record, and (finished) its
    /// result. A population whose instance this host's store does not hold (an embedded backend forgets when its process ends)
    /// is shown from its result blob, or as Unknown. Null: no such population.
    /// </summary>
    public async Task<PopulationStatusView?> GetViewAsync(string populationId, CancellationToken cancellationToken)
    {
        var lineage = await new LineageStore(storage.Container).ReadAsync(populationId, cancellationToken);
        var instance = await client.GetAsync(PopulationBlobs.InstanceId(populationId), cancellationToken);
        if (instance is null)
        {
            if (await _start.ReadAsync<PopulationResult>(PopulationBlobs.Result(populationId), cancellationToken) is { } stored)
            {
                return new PopulationStatusView(populationId, stored.Outcome == RunOutcomes.Completed ? nameof(RunState.Completed) : stored.Outcome, null, lineage, stored, null, null, null);
            }

            return await _start.ReadAsync<PopulationRequest>(PopulationBlobs.Request(populationId), cancellationToken) is null
                ? null
                : new PopulationStatusView(populationId, nameof(RunState.Unknown), null, lineage, null,
                    "This host's Durable store has no instance of the population and it has no result: it ended with its host. Start it again with \"resume\": true; its members go on from their latest checkpoints.",
                    null, null);
        }

        var result = OwnerStart.Parse<PopulationResult>(instance.OutputJson);
        return new PopulationStatusView(
            populationId,
            RunStates.Of(instance.Status, null).ToString(),
            OwnerStart.Parse<PopulationProgress>(instance.CustomStatusJson),
            lineage,
            result is { Outcome: "ContinuedAsNew" } ? null : result,
            instance.FailureMessage,
            instance.CreatedAt,
            instance.LastUpdatedAt);
    }

    /// <summary>The population's result once it has written one; null before.</summary>
    public Task<PopulationResult?> ReadResultAsync(string populationId, CancellationToken cancellationToken) =>
        _start.ReadAsync<PopulationResult>(PopulationBlobs.Result(populationId), cancellationToken);
}
