using Lineage.Orchestration.Models;
using Lineage.Orchestration.Runs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lineage.Hosting;

/// <summary>
/// The Functions app's models, datasets and experiments routes served by the local host: the same routes,
/// the same <see cref="ModelsService"/>, the same function-key check as <see cref="LocalApi"/>.
/// </summary>
public static class LocalModelsApi
{
    public static IEndpointRouteBuilder MapLineageModelsApi(this IEndpointRouteBuilder app, ModelsService models, string? functionKey)
    {
        var api = LocalApi.ApiGroup(app, functionKey);
        api.MapGet("/models/champion/decision", async (HttpRequest request, CancellationToken ct) => LocalApi.ToResult(await models.DecideAsync(
            request.Query["dataset"].FirstOrDefault(),
            request.Query["model"].FirstOrDefault(),
            request.Query["position"].FirstOrDefault(),
            request.Query["entryPrice"].FirstOrDefault(),
            ct)));
        api.MapGet("/models/{model}/champion", async (string model, CancellationToken ct) => LocalApi.ToResult(await models.GetChampionAsync(model, ct)));
        api.MapGet("/models/{model}/history", async (string model, CancellationToken ct) => LocalApi.ToResult(await models.GetHistoryAsync(model, ct)));
        api.MapGet("/models/{model}/decisions", async (string model, CancellationToken ct) => LocalApi.ToResult(await models.GetDecisionsAsync(model, ct)));
        api.MapPost("/models/{model}/promote", async (string model, HttpRequest request, CancellationToken ct) =>
            LocalApi.ToResult(await LimitedBody.ReadTextAsync(request.Body, ModelsService.MaxBodyBytes, ct) is { } body
                ? await models.PromoteAsync(model, body, ct)
                : ApiResponse.Error(413, $"Request body is larger than {ModelsService.MaxBodyBytes} bytes.")));
        api.MapPost("/models/{model}/rollback", async (string model, HttpRequest request, CancellationToken ct) =>
            LocalApi.ToResult(await LimitedBody.ReadTextAsync(request.Body, ModelsService.MaxBodyBytes, ct) is { } body
                ? await models.RollbackAsync(model, body, ct)
                : ApiResponse.Error(413, $"Request body is larger than {ModelsService.MaxBodyBytes} bytes.")));
        api.MapPost("/datasets/{name}", async (string name, HttpRequest request, CancellationToken ct) =>
            LocalApi.ToResult(await LimitedBody.ReadBytesAsync(request.Body, DatasetRegistry.MaxBytes, ct) is { } content
                ? await models.PushDatasetAsync(name, content, request.Query["by"].FirstOrDefault() ?? "http", ct)
                : ApiResponse.Error(413, $"Request body is larger than {DatasetRegistry.MaxBytes} bytes.")));
        api.MapGet("/datasets/{name}", async (string name, CancellationToken ct) => LocalApi.ToResult(await models.ListDatasetVersionsAsync(name, ct)));
        api.MapGet("/experiments", async (CancellationToken ct) => LocalApi.ToResult(await models.ListRunsAsync(ct)));
        api.MapGet("/experiments/{runId}", async (string runId, CancellationToken ct) => LocalApi.ToResult(await models.ShowRunAsync(runId, ct)));
        return app;
    }
}
