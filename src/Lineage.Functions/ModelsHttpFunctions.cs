using Lineage.Orchestration.Models;
using Lineage.Orchestration.Runs;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Lineage.Functions;

/// <summary>Models, datasets and experiments over HTTP. Handlers only translate; <see cref="ModelsService"/> decides.</summary>
public sealed class ModelsHttpFunctions(ModelsService models)
{
    [Function("ChampionDecision")]
    public async Task<IActionResult> ChampionDecision(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "models/champion/decision")] HttpRequest request,
        CancellationToken cancellationToken) =>
        RunsHttpFunctions.ToResult(await models.DecideAsync(
            request.Query["dataset"].FirstOrDefault(),
            request.Query["model"].FirstOrDefault(),
            request.Query["position"].FirstOrDefault(),
            request.Query["entryPrice"].FirstOrDefault(),
            cancellationToken));

    [Function("GetChampion")]
    public async Task<IActionResult> GetChampion(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "models/{model}/champion")] HttpRequest request,
        string model,
        CancellationToken cancellationToken) =>
        RunsHttpFunctions.ToResult(await models.GetChampionAsync(model, cancellationToken));

    [Function("ChampionHistory")]
    public async Task<IActionResult> ChampionHistory(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "models/{model}/history")] HttpRequest request,
        string model,
        CancellationToken cancellationToken) =>
        RunsHttpFunctions.ToResult(await models.GetHistoryAsync(model, cancellationToken));

    [Function("PromotionDecisions")]
    public async Task<IActionResult> PromotionDecisions(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "models/{model}/decisions")] HttpRequest request,
        string model,
        CancellationToken cancellationToken) =>
        RunsHttpFunctions.ToResult(await models.GetDecisionsAsync(model, cancellationToken));

    [Function("PromoteModel")]
    public async Task<IActionResult> PromoteModel(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "models/{model}/promote")] HttpRequest request,
        string model,
        CancellationToken cancellationToken) =>
        RunsHttpFunctions.ToResult(await LimitedBody.ReadTextAsync(request.Body, ModelsService.MaxBodyBytes, cancellationToken) is { } body
            ? await models.PromoteAsync(model, body, cancellationToken)
            : TooLarge(ModelsService.MaxBodyBytes));

    [Function("RollbackModel")]
    public async Task<IActionResult> RollbackModel(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "models/{model}/rollback")] HttpRequest request,
        string model,
        CancellationToken cancellationToken) =>
        RunsHttpFunctions.ToResult(await LimitedBody.ReadTextAsync(request.Body, ModelsService.MaxBodyBytes, cancellationToken) is { } body
            ? await models.RollbackAsync(model, body, cancellationToken)
            : TooLarge(ModelsService.MaxBodyBytes));

    [Function("PushDataset")]
    public async Task<IActionResult> PushDataset(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "datasets/{name}")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        RunsHttpFunctions.ToResult(await LimitedBody.ReadBytesAsync(request.Body, DatasetRegistry.MaxBytes, cancellationToken) is { } content
            ? await models.PushDatasetAsync(name, content, request.Query["by"].FirstOrDefault() ?? "http", cancellationToken)
            : TooLarge(DatasetRegistry.MaxBytes));

    [Function("ListDatasetVersions")]
    public async Task<IActionResult> ListDatasetVersions(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets/{name}")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        RunsHttpFunctions.ToResult(await models.ListDatasetVersionsAsync(name, cancellationToken));

    [Function("ListExperiments")]
    public async Task<IActionResult> ListExperiments(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "experiments")] HttpRequest request,
        CancellationToken cancellationToken) =>
        RunsHttpFunctions.ToResult(await models.ListRunsAsync(cancellationToken));

    [Function("ShowExperiment")]
    public async Task<IActionResult> ShowExperiment(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "experiments/{runId}")] HttpRequest request,
        string runId,
        CancellationToken cancellationToken) =>
        RunsHttpFunctions.ToResult(await models.ShowRunAsync(runId, cancellationToken));

    private static ApiResponse TooLarge(long limit) => ApiResponse.Error(413, $"Request body is larger than {limit} bytes.");
}
