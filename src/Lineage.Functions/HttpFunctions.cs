using Lineage.Http;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Runs;
using Lineage.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Lineage.Functions;

/// <summary>
/// Every HTTP route of <see cref="ApiRoutes"/> as a Function: one line each into the route's handler. Route templates
/// come from <see cref="ApiTemplates"/>; a test checks functions.metadata against the route table.
/// </summary>
public sealed class HttpFunctions(RunStorage storage, RunLocks locks, ModelsService models, ModelSplitStore modelSplits, ILoggerFactory loggerFactory)
{
    [Function("StartRun")]
    public Task<IActionResult> StartRun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiTemplates.Runs)] HttpRequest request,
        [DurableClient] DurableTaskClient client) => Call("StartRun", request, client);

    [Function("GetRun")]
    public Task<IActionResult> GetRun(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiTemplates.Run)] HttpRequest request, string runId,
        [DurableClient] DurableTaskClient client) => Call("GetRun", request, client, ("runId", runId));

    [Function("StopRun")]
    public Task<IActionResult> StopRun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiTemplates.StopRun)] HttpRequest request, string runId,
        [DurableClient] DurableTaskClient client) => Call("StopRun", request, client, ("runId", runId));

    [Function("ListCheckpoints")]
    public Task<IActionResult> ListCheckpoints(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiTemplates.RunCheckpoints)] HttpRequest request, string runId,
        [DurableClient] DurableTaskClient client) => Call("ListCheckpoints", request, client, ("runId", runId));

    [Function("ChampionDecision")]
    public Task<IActionResult> ChampionDecision(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiTemplates.ChampionDecision)] HttpRequest request) =>
        Call("ChampionDecision", request, null);

    [Function("GetChampion")]
    public Task<IActionResult> GetChampion(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiTemplates.Champion)] HttpRequest request, string model) =>
        Call("GetChampion", request, null, ("model", model));

    [Function("ChampionHistory")]
    public Task<IActionResult> ChampionHistory(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiTemplates.ChampionHistory)] HttpRequest request, string model) =>
        Call("ChampionHistory", request, null, ("model", model));

    [Function("PromotionDecisions")]
    public Task<IActionResult> PromotionDecisions(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiTemplates.PromotionDecisions)] HttpRequest request, string model) =>
        Call("PromotionDecisions", request, null, ("model", model));

    [Function("PromoteModel")]
    public Task<IActionResult> PromoteModel(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiTemplates.Promote)] HttpRequest request, string model) =>
        Call("PromoteModel", request, null, ("model", model));

    [Function("RollbackModel")]
    public Task<IActionResult> RollbackModel(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiTemplates.Rollback)] HttpRequest request, string model) =>
        Call("RollbackModel", request, null, ("model", model));

    [Function("PushDataset")]
    public Task<IActionResult> PushDataset(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiTemplates.Dataset)] HttpRequest request, string name) =>
        Call("PushDataset", request, null, ("name", name));

    [Function("ListDatasetVersions")]
    public Task<IActionResult> ListDatasetVersions(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiTemplates.Dataset)] HttpRequest request, string name) =>
        Call("ListDatasetVersions", request, null, ("name", name));

    [Function("ListExperiments")]
    public Task<IActionResult> ListExperiments(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiTemplates.Experiments)] HttpRequest request) =>
        Call("ListExperiments", request, null);

    [Function("ShowExperiment")]
    public Task<IActionResult> ShowExperiment(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiTemplates.Experiment)] HttpRequest request, string runId) =>
        Call("ShowExperiment", request, null, ("runId", runId));

    [Function("StartWalkForward")]
    public Task<IActionResult> StartWalkForward(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiTemplates.WalkForwards)] HttpRequest request,
        [DurableClient] DurableTaskClient client) => Call("StartWalkForward", request, client);

    [Function("GetWalkForward")]
    public Task<IActionResult> GetWalkForward(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiTemplates.WalkForward)] HttpRequest request, string walkForwardId,
        [DurableClient] DurableTaskClient client) => Call("GetWalkForward", request, client, ("walkForwardId", walkForwardId));

    [Function("StartPopulation")]
    public Task<IActionResult> StartPopulation(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiTemplates.Populations)] HttpRequest request,
        [DurableClient] DurableTaskClient client) => Call("StartPopulation", request, client);

    [Function("GetPopulation")]
    public Task<IActionResult> GetPopulation(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiTemplates.Population)] HttpRequest request, string populationId,
        [DurableClient] DurableTaskClient client) => Call("GetPopulation", request, client, ("populationId", populationId));

    [Function("StopPopulation")]
    public Task<IActionResult> StopPopulation(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiTemplates.StopPopulation)] HttpRequest request, string populationId,
        [DurableClient] DurableTaskClient client) => Call("StopPopulation", request, client, ("populationId", populationId));

    internal static RunService Runs(DurableTaskClient client, RunStorage storage, RunLocks locks, ModelSplitStore modelSplits, ILoggerFactory loggerFactory) =>
        new(new DurableClientAdapter(client), storage, locks, loggerFactory.CreateLogger<RunService>(), modelSplits);

    private async Task<IActionResult> Call(string route, HttpRequest request, DurableTaskClient? client, params (string Name, string Value)[] values)
    {
        var runs = client is null ? null : Runs(client, storage, locks, modelSplits, loggerFactory);
        var response = await HttpApi.CallAsync(ApiRoutes.Named(route), request, runs, models, values.ToDictionary(v => v.Name, v => v.Value));
        return HttpApi.ToActionResult(response);
    }
}
