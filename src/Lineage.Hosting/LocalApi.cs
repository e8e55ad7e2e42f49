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
        var api = app.MapGroup("/api");
        if (!string.IsNullOrEmpty(functionKey))
        {
            api.AddEndpointFilter(async (context, next) =>
                HasKey(context.HttpContext.Request, functionKey) ? await next(context) : Results.Json(new ErrorBody("A valid function key is required (x-functions-key header or code query parameter).", []), statusCode: 401));
        }

        api.MapPost("/runs", async (HttpRequest request, CancellationToken ct) =>
        {
            var body = await ReadBodyAsync(request, ct);
            return ToResult(body is null
                ? ApiResponse.Error(413, $"Request body is larger than {RunService.MaxBodyBytes} bytes.")
                : await runs.StartAsync(body, ct));
        });
        api.MapGet("/runs/{runId}", async (string runId, CancellationToken ct) => ToResult(await runs.GetStatusAsync(runId, ct)));
        api.MapPost("/runs/{runId}/stop", async (string runId, CancellationToken ct) => ToResult(await runs.StopAsync(runId, ct)));
        api.MapGet("/runs/{runId}/checkpoints", async (string runId, CancellationToken ct) => ToResult(await runs.ListCheckpointsAsync(runId, ct)));
        return app;
    }

    public static IResult ToResult(ApiResponse response) =>
        Results.Json(response.Body, LineageJson.Options, statusCode: response.StatusCode);

    private static bool HasKey(HttpRequest request, string key)
    {
        var given = request.Headers["x-functions-key"].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(key));
    }

    private static async Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var buffer = new byte[RunService.MaxBodyBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        return total > RunService.MaxBodyBytes ? null : Encoding.UTF8.GetString(buffer, 0, total);
    }
}
