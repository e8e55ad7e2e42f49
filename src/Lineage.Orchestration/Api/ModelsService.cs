using System.Globalization;
using System.Text.Json;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Experiments;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Api;

/// <summary>Body of <c>POST /api/models/{model}/promote</c>: a person makes a run's checkpoint the champion.</summary>
public sealed record PromoteRequest
{
    public string RunId { get; init; } = "";

    /// <summary>Checkpoint update; default the run's best by validation score, else its latest.</summary>
    public long? Checkpoint { get; init; }

    public string By { get; init; } = "";

    public string? Reason { get; init; }
}

/// <summary>Body of <c>POST /api/models/{model}/rollback</c>.</summary>
public sealed record RollbackRequest
{
    public string By { get; init; } = "";

    public string? Reason { get; init; }
}

/// <summary>
/// The models, datasets and experiments API's behaviour in one place for every host (the Functions app,
/// the local host and the CLI): validation naming the field and value, and and the outcome of each request (the hosts map outcomes to HTTP statuses).
/// </summary>
public sealed class ModelsService(
    RunWorkspace workspace,
    ChampionStore champions,
    DatasetRegistry datasets,
    ChampionDecisions decisions,
    ExperimentStore experiments,
    ILogger<ModelsService> logger)
{
    public const int MaxBodyBytes = 16 * 1024;

    public DatasetRegistry Datasets => datasets;

    public ChampionStore Champions => champions;

    public ExperimentStore Experiments => experiments;

    public async Task<ApiResponse> DecideAsync(string? dataset, string? model, string? position, string? entryPrice, CancellationToken cancellationToken)
    {
        double? parsedPosition = null;
        if (!string.IsNullOrEmpty(position))
        {
            if (!double.TryParse(position, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var p))
            {
                return ApiResponse.Invalid("Invalid decision request.", [new FieldError("position", $"must be an exposure in [-1, 1] (-1 short, 0 flat, 0.5 half long, 1 long), got '{position}'")]);
            }

            parsedPosition = p;
        }

        double? parsedEntry = null;
        if (!string.IsNullOrEmpty(entryPrice))
        {
            if (!double.TryParse(entryPrice, NumberStyles.Float, CultureInfo.InvariantCulture, out var e))
            {
                return ApiResponse.Invalid("Invalid decision request.", [new FieldError("entryPrice", $"must be a number, got '{entryPrice}'")]);
            }

            parsedEntry = e;
        }

        try
        {
            return ApiResponse.Ok(await decisions.DecideAsync(model, dataset, parsedPosition, parsedEntry, cancellationToken));
        }
        catch (NoChampionException ex)
        {
            return new ApiResponse(ApiOutcome.NotFound, ex.Answer);
        }
        catch (DecisionRequestException ex)
        {
            return ex.IsMissing
                ? ApiResponse.Error(ApiOutcome.NotFound, ex.Message, [new FieldError(ex.Field, ex.Message)])
                : ApiResponse.Invalid("Invalid decision request.", ex.Field, ex.Message);
        }
    }

    public async Task<ApiResponse> GetChampionAsync(string model, CancellationToken cancellationToken)
    {
        if (ModelError(model) is { } error)
        {
            return error;
        }

        var pointer = await champions.GetAsync(model, cancellationToken);
        return pointer is null ? ApiResponse.NotFound($"Model '{model}' has no champion yet.") : ApiResponse.Ok(pointer);
    }

    public async Task<ApiResponse> GetHistoryAsync(string model, CancellationToken cancellationToken) =>
        ModelError(model) ?? ApiResponse.Ok(new { model, changes = await champions.HistoryAsync(model, cancellationToken) });

    public async Task<ApiResponse> GetDecisionsAsync(string model, CancellationToken cancellationToken) =>
        ModelError(model) ?? ApiResponse.Ok(new { model, decisions = await champions.DecisionsAsync(model, cancellationToken) });

    public async Task<ApiResponse> PromoteAsync(string model, Stream body, CancellationToken cancellationToken)
    {
        var (request, error) = await ParseAsync<PromoteRequest>(body, "promotion", cancellationToken);
        return error ?? await PromoteAsync(model, request!, cancellationToken);
    }

    public async Task<ApiResponse> PromoteAsync(string model, PromoteRequest request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (ModelNames.Validate(model, "Model") is { } modelError)
        {
            errors.Add(new FieldError("model", modelError));
        }

        if (RunId.Validate(request.RunId) is { } runError)
        {
            errors.Add(new FieldError("runId", runError));
        }

        if (string.IsNullOrWhiteSpace(request.By))
        {
            errors.Add(new FieldError("by", "is required: who is promoting (a name or an e-mail address)"));
        }

        if (request.Checkpoint is < 0)
        {
            errors.Add(new FieldError("checkpoint", string.Create(CultureInfo.InvariantCulture, $"must be ≥ 0, got {request.Checkpoint}")));
        }

        if (errors.Count > 0)
        {
            return ApiResponse.Invalid("Invalid promotion request.", errors);
        }

        var store = workspace.Checkpoints(request.RunId);
        var update = request.Checkpoint;
        if (update is null)
        {
            var listed = await store.ListAsync(cancellationToken);
            update = (await store.GetBestAsync(cancellationToken))?.Update ?? (listed.Count == 0 ? null : listed[^1].Update);
        }

        if (update is null)
        {
            return ApiResponse.NotFound($"Run '{request.RunId}' has no checkpoints.");
        }

        byte[]? bytes;
        try
        {
            bytes = await store.DownloadAsync(update.Value, cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            return ApiResponse.Conflict($"{ex.Message}; it cannot be promoted.");
        }

        if (bytes is null)
        {
            return ApiResponse.NotFound($"Run '{request.RunId}' has no checkpoint {update}.");
        }

        var entry = await champions.CopyCheckpointAsync(model, request.RunId, update.Value, bytes, cancellationToken);
        var (current, etag) = await champions.ReadAsync(model, cancellationToken);
        if (current is not null && current.Champion.RunId == entry.RunId && current.Champion.Update == entry.Update)
        {
            return ApiResponse.Conflict($"Run '{entry.RunId}' checkpoint {entry.Update} is already the champion of '{model}'.");
        }

        // A promotion by hand overrides the gate: the history line says what the gate had decided on this checkpoint.
        var gate = await champions.GetDecisionAsync(model, entry.RunId, entry.Update, cancellationToken);
        var overrides = gate is null
            ? "the gate has not decided on this checkpoint"
            : gate.Promoted
                ? "the gate had promoted it"
                : $"the gate had not promoted it ({gate.FailedTest}: {gate.Reason})";
        var reason = $"{(string.IsNullOrWhiteSpace(request.Reason) ? "promoted by hand" : request.Reason.Trim())} [override of the champion/challenger gate: {overrides}]";
        try
        {
            var pointer = await champions.PromoteAsync(
                model, current, etag, entry, ChampionActions.Promote, request.By.Trim(), reason, gate is null ? null : ChampionStore.DecisionBlob(model, entry.RunId, entry.Update), cancellationToken);
            ModelsLog.ChampionChanged(logger, model, request.By, ChampionActions.Promote, entry.RunId, entry.Update);
            return ApiResponse.Ok(pointer);
        }
        catch (ChampionConflictException ex)
        {
            return ApiResponse.Conflict(ex.Message);
        }
    }

    public async Task<ApiResponse> RollbackAsync(string model, Stream body, CancellationToken cancellationToken)
    {
        var (request, error) = await ParseAsync<RollbackRequest>(body, "rollback", cancellationToken);
        return error ?? await RollbackAsync(model, request!, cancellationToken);
    }

    public async Task<ApiResponse> RollbackAsync(string model, RollbackRequest request, CancellationToken cancellationToken)
    {
        if (ModelError(model) is { } error)
        {
            return error;
        }

        if (string.IsNullOrWhiteSpace(request.By))
        {
            return ApiResponse.Invalid("Invalid rollback request.", [new FieldError("by", "is required: who is rolling back (a name or an e-mail address)")]);
        }

        try
        {
            var pointer = await champions.RollbackAsync(model, request.By.Trim(), request.Reason ?? "rolled back by hand", cancellationToken);
            ModelsLog.ChampionChanged(logger, model, request.By, ChampionActions.Rollback, pointer.Champion.RunId, pointer.Champion.Update);
            return ApiResponse.Ok(pointer);
        }
        catch (InvalidOperationException ex)
        {
            return ApiResponse.Conflict(ex.Message);
        }
        catch (ChampionConflictException ex)
        {
            return ApiResponse.Conflict(ex.Message);
        }
    }

    /// <summary>Pushes a CSV from a request body of at most <see cref="DatasetRegistry.MaxBytes"/>.</summary>
    public async Task<ApiResponse> PushDatasetAsync(string name, Stream body, string uploadedBy, CancellationToken cancellationToken)
    {
        var (content, tooLarge) = await LimitedBody.ReadBytesAsync(body, DatasetRegistry.MaxBytes, cancellationToken);
        return content is null ? tooLarge! : await PushDatasetAsync(name, content, uploadedBy, cancellationToken);
    }

    public async Task<ApiResponse> PushDatasetAsync(string name, ReadOnlyMemory<byte> content, string uploadedBy, CancellationToken cancellationToken)
    {
        try
        {
            var result = await datasets.PushAsync(name, content, uploadedBy, cancellationToken);
            return new ApiResponse(result.Created ? ApiOutcome.Created : ApiOutcome.Ok, result);
        }
        catch (DatasetRejectedException ex)
        {
            return ApiResponse.Invalid("The dataset was rejected; nothing was stored.", [new FieldError("body", ex.Message)]);
        }
    }

    public async Task<ApiResponse> ListDatasetVersionsAsync(string name, CancellationToken cancellationToken)
    {
        if (ModelNames.Validate(name, "Dataset") is { } error)
        {
            return ApiResponse.Invalid("Invalid dataset name.", [new FieldError("name", error)]);
        }

        var versions = await datasets.ListAsync(name, cancellationToken);
        return versions.Count == 0 ? ApiResponse.NotFound($"Dataset '{name}' has no versions.") : ApiResponse.Ok(new { name, versions });
    }

    public async Task<ApiResponse> ListRunsAsync(CancellationToken cancellationToken) =>
        ApiResponse.Ok(new { runs = await experiments.ListAsync(cancellationToken) });

    public async Task<ApiResponse> ShowRunAsync(string runId, CancellationToken cancellationToken)
    {
        if (RunId.Validate(runId) is { } error)
        {
            return ApiResponse.Invalid("Invalid run id.", [new FieldError("runId", error)]);
        }

        var details = await experiments.ShowAsync(runId, cancellationToken);
        return details is null ? ApiResponse.NotFound($"Run '{runId}' has no run record.") : ApiResponse.Ok(details);
    }

    private static ApiResponse? ModelError(string model) =>
        ModelNames.Validate(model, "Model") is { } error ? ApiResponse.Invalid("Invalid model name.", "model", error) : null;

    private static async Task<(T? Value, ApiResponse? Error)> ParseAsync<T>(Stream requestBody, string what, CancellationToken cancellationToken)
        where T : class
    {
        var (body, tooLarge) = await LimitedBody.ReadTextAsync(requestBody, MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return (null, tooLarge);
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(body, LineageJson.Strict);
            return value is null
                ? (null, ApiResponse.Invalid($"The request body must be a JSON object describing a {what}.", [new FieldError("body", "was null")]))
                : (value, null);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            return (null, ApiResponse.Invalid($"The request body is not a valid {what}.", [new FieldError(field, ex.Message)]));
        }
    }
}
