using System.Globalization;
using System.Text.Json;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Models;

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
/// the local host and the CLI): validation naming the field and value, and the mapping of outcomes to statuses.
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
        int? parsedPosition = null;
        if (!string.IsNullOrEmpty(position))
        {
            if (!int.TryParse(position, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var p))
            {
                return ApiResponse.Error(400, "Invalid decision request.", [new FieldError("position", $"must be -1, 0 or 1, got '{position}'")]);
            }

            parsedPosition = p;
        }

        double? parsedEntry = null;
        if (!string.IsNullOrEmpty(entryPrice))
        {
            if (!double.TryParse(entryPrice, NumberStyles.Float, CultureInfo.InvariantCulture, out var e))
            {
                return ApiResponse.Error(400, "Invalid decision request.", [new FieldError("entryPrice", $"must be a number, got '{entryPrice}'")]);
            }

            parsedEntry = e;
        }

        try
        {
            return new ApiResponse(200, await decisions.DecideAsync(model, dataset, parsedPosition, parsedEntry, cancellationToken));
        }
        catch (DecisionRequestException ex)
        {
            return ApiResponse.Error(ex.StatusCode, ex.StatusCode == 404 ? ex.Message : "Invalid decision request.", [new FieldError(ex.Field, ex.Message)]);
        }
    }

    public async Task<ApiResponse> GetChampionAsync(string model, CancellationToken cancellationToken)
    {
        if (ModelError(model) is { } error)
        {
            return error;
        }

        var pointer = await champions.GetAsync(model, cancellationToken);
        return pointer is null ? ApiResponse.Error(404, $"Model '{model}' has no champion yet.") : new ApiResponse(200, pointer);
    }

    public async Task<ApiResponse> GetHistoryAsync(string model, CancellationToken cancellationToken) =>
        ModelError(model) ?? new ApiResponse(200, new { model, changes = await champions.HistoryAsync(model, cancellationToken) });

    public async Task<ApiResponse> GetDecisionsAsync(string model, CancellationToken cancellationToken) =>
        ModelError(model) ?? new ApiResponse(200, new { model, decisions = await champions.DecisionsAsync(model, cancellationToken) });

    public async Task<ApiResponse> PromoteAsync(string model, string body, CancellationToken cancellationToken)
    {
        var (request, error) = Parse<PromoteRequest>(body, "promotion");
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
            return ApiResponse.Error(400, "Invalid promotion request.", errors);
        }

        var store = workspace.Checkpoints(request.RunId);
        var update = request.Checkpoint;
        if (update is null)
        {
            var listed = await store.ListAsync(cancellationToken);
            update = (await store.GetBestAsync(cancellationToken))?.Update ?? (listed.Count == 0 ? null : listed[^1].Update);
        }

        byte[] bytes;
        try
        {
            if (update is null)
            {
                return ApiResponse.Error(404, $"Run '{request.RunId}' has no checkpoints.");
            }

            bytes = (await workspace.Container.GetBlobClient(store.CheckpointBlobName(update.Value)).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return ApiResponse.Error(404, $"Run '{request.RunId}' has no checkpoint {update}.");
        }

        var entry = await champions.CopyCheckpointAsync(model, request.RunId, update.Value, bytes, cancellationToken);
        var (current, etag) = await champions.ReadAsync(model, cancellationToken);
        if (current is not null && current.Champion.RunId == entry.RunId && current.Champion.Update == entry.Update)
        {
            return ApiResponse.Error(409, $"Run '{entry.RunId}' checkpoint {entry.Update} is already the champion of '{model}'.");
        }

        try
        {
            var pointer = await champions.PromoteAsync(model, current, etag, entry, ChampionActions.Promote, request.By.Trim(), request.Reason ?? "promoted by hand", null, cancellationToken);
            ModelsLog.ChampionChanged(logger, model, request.By, ChampionActions.Promote, entry.RunId, entry.Update);
            return new ApiResponse(200, pointer);
        }
        catch (ChampionConflictException ex)
        {
            return ApiResponse.Error(409, ex.Message);
        }
    }

    public async Task<ApiResponse> RollbackAsync(string model, string body, CancellationToken cancellationToken)
    {
        var (request, error) = Parse<RollbackRequest>(body, "rollback");
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
            return ApiResponse.Error(400, "Invalid rollback request.", [new FieldError("by", "is required: who is rolling back (a name or an e-mail address)")]);
        }

        try
        {
            var pointer = await champions.RollbackAsync(model, request.By.Trim(), request.Reason ?? "rolled back by hand", cancellationToken);
            ModelsLog.ChampionChanged(logger, model, request.By, ChampionActions.Rollback, pointer.Champion.RunId, pointer.Champion.Update);
            return new ApiResponse(200, pointer);
        }
        catch (InvalidOperationException ex)
        {
            return ApiResponse.Error(409, ex.Message);
        }
        catch (ChampionConflictException ex)
        {
            return ApiResponse.Error(409, ex.Message);
        }
    }

    public async Task<ApiResponse> PushDatasetAsync(string name, ReadOnlyMemory<byte> content, string uploadedBy, CancellationToken cancellationToken)
    {
        try
        {
            var result = await datasets.PushAsync(name, content, uploadedBy, cancellationToken);
            return new ApiResponse(result.Created ? 201 : 200, result);
        }
        catch (DatasetRejectedException ex)
        {
            return ApiResponse.Error(400, "The dataset was rejected; nothing was stored.", [new FieldError("body", ex.Message)]);
        }
    }

    public async Task<ApiResponse> ListDatasetVersionsAsync(string name, CancellationToken cancellationToken)
    {
        if (ModelNames.Validate(name, "Dataset") is { } error)
        {
            return ApiResponse.Error(400, "Invalid dataset name.", [new FieldError("name", error)]);
        }

        var versions = await datasets.ListAsync(name, cancellationToken);
        return versions.Count == 0 ? ApiResponse.Error(404, $"Dataset '{name}' has no versions.") : new ApiResponse(200, new { name, versions });
    }

    public async Task<ApiResponse> ListRunsAsync(CancellationToken cancellationToken) =>
        new(200, new { runs = await experiments.ListAsync(cancellationToken) });

    public async Task<ApiResponse> ShowRunAsync(string runId, CancellationToken cancellationToken)
    {
        if (RunId.Validate(runId) is { } error)
        {
            return ApiResponse.Error(400, "Invalid run id.", [new FieldError("runId", error)]);
        }

        var details = await experiments.ShowAsync(runId, cancellationToken);
        return details is null ? ApiResponse.Error(404, $"Run '{runId}' has no run record.") : new ApiResponse(200, details);
    }

    private static ApiResponse? ModelError(string model) =>
        ModelNames.Validate(model, "Model") is { } error ? ApiResponse.Error(400, "Invalid model name.", [new FieldError("model", error)]) : null;

    private static (T? Value, ApiResponse? Error) Parse<T>(string body, string what)
        where T : class
    {
        if (body.Length > MaxBodyBytes)
        {
            return (null, ApiResponse.Error(413, $"Request body is larger than {MaxBodyBytes} bytes."));
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(body, LineageJson.Strict);
            return value is null
                ? (null, ApiResponse.Error(400, $"The request body must be a JSON object describing a {what}.", [new FieldError("body", "was null")]))
                : (value, null);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            return (null, ApiResponse.Error(400, $"The request body is not a valid {what}.", [new FieldError(field, ex.Message)]));
        }
    }
}
