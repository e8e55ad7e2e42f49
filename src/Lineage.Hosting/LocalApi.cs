using System.Security.Cryptography;
using System.Text;
using Lineage.Orchestration.Runs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lineage.Hosting;

/// <summary>
/// The Functions app's HTTP API served by the local host (where `func` is not available): the same
/// routes, the same <see cref="RunService"/>, and a function-key check like AuthorizationLevel.Function.
/// </summary>
public static class LocalApi
{
    public static IEndpointRouteBuilder MapLineageApi(this IEndpointRouteBuilder app, RunService runs, string? functionKey)
    {
        var api = ApiGroup(app, functionKey);

        api.MapPost("/runs", async (HttpRequest request, CancellationToken ct) =>
        {
            var body = await LimitedBody.ReadTextAsync(request.Body, RunService.MaxBodyBytes, ct);
            return ToResult(body is null
                ? ApiResponse.Error(413, $"Request body is larger than {RunService.MaxBodyBytes} bytes.")
                : await runs.StartAsync(body, ct));
        });
        api.MapGet("/runs/{runId}", async (string runId, CancellationToken ct) => ToResult(await runs.GetStatusAsync(runId, ct)));
        api.MapPost("/runs/{runId}/stop", async (string runId, CancellationToken ct) => ToResult(await runs.StopAsync(runId, ct)));
        api.MapGet("/runs/{runId}/checkpoints", async (string runId, CancellationToken ct) => ToResult(await runs.ListCheckpointsAsync(runId, ct)));
        return app;
    }

    /// <summary>The /api route group, behind the function-key check when a key is given.</summary>
    internal static RouteGroupBuilder ApiGroup(IEndpointRouteBuilder app, string? functionKey)
    {
        var api = app.MapGroup("/api");
        if (!string.IsNullOrEmpty(functionKey))
        {
            api.AddEndpointFilter(async (context, next) =>
                HasKey(context.HttpContext.Request, functionKey) ? await next(context) : Results.Json(new ErrorBody("A valid function key is required (x-functions-key header or code query parameter).", []), statusCode: 401));
        }

        return api;
    }

    public static IResult ToResult(ApiResponse response) =>
        Results.Json(response.Body, LineageJson.Options, statusCode: response.StatusCode);

    private static bool HasKey(HttpRequest request, string key)
    {
        var given = request.Headers["x-functions-key"].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(key));
    }
}
