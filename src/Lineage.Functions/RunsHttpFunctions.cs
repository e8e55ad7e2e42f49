using Lineage.Storage;
using Lineage.Orchestration.Runs;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Lineage.Functions;

/// <summary>The run API over HTTP. Handlers only translate; <see cref="RunService"/> decides.</summary>
public sealed class RunsHttpFunctions(RunStorage storage, ILoggerFactory loggerFactory)
{
    [Function("StartRun")]
    public async Task<IActionResult> StartRun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "runs")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var body = await LimitedBody.ReadTextAsync(request.Body, RunService.MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return ToResult(ApiResponse.Error(413, $"Request body is larger than {RunService.MaxBodyBytes} bytes."));
        }

        return ToResult(await Service(client).StartAsync(body, cancellationToken));
    }

    [Function("GetRun")]
    public async Task<IActionResult> GetRun(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "runs/{runId}")] HttpRequest request,
        string runId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        ToResult(await Service(client).GetStatusAsync(runId, cancellationToken));

    [Function("StopRun")]
    public async Task<IActionResult> StopRun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "runs/{runId}/stop")] HttpRequest request,
        string runId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        ToResult(await Service(client).StopAsync(runId, cancellationToken));

    [Function("ListCheckpoints")]
    public async Task<IActionResult> ListCheckpoints(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "runs/{runId}/checkpoints")] HttpRequest request,
        string runId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        ToResult(await Service(client).ListCheckpointsAsync(runId, cancellationToken));

    internal static IActionResult ToResult(ApiResponse response) =>
        new ObjectResult(response.Body) { StatusCode = response.StatusCode };

    private RunService Service(DurableTaskClient client) =>
        new(new DurableClientAdapter(client), storage, loggerFactory.CreateLogger<RunService>());
}
