using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Lineage.Http;
using Lineage.Orchestration.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lineage.Hosting;

/// <summary>
/// The Functions app's HTTP API served by the local host (where `func` is not available): every route of
/// <see cref="ApiRoutes"/> under <c>/api</c>, the same services, and a function-key check like AuthorizationLevel.Function.
/// </summary>
public static class LocalApi
{
    /// <summary>Maps every route; <paramref name="runs"/> may be null for a host that serves only the models routes (tests).</summary>
    public static IEndpointRouteBuilder MapLineageApi(this IEndpointRouteBuilder app, RunService? runs, ModelsService models, string? functionKey)
    {
        var api = app.MapGroup("/api");
        if (!string.IsNullOrEmpty(functionKey))
        {
            api.AddEndpointFilter(async (context, next) =>
                HasKey(context.HttpContext.Request, functionKey) ? await next(context) : Results.Json(new ErrorBody("A valid function key is required (x-functions-key header or code query parameter).", []), statusCode: 401));
        }

        foreach (var route in ApiRoutes.All)
        {
            api.MapMethods("/" + route.Template, [route.Method], async (HttpRequest request) =>
                HttpApi.ToResult(await HttpApi.CallAsync(route, request, runs, models, RouteValues(request))))
                .WithName(route.Name);
        }

        return app;
    }

    private static Dictionary<string, string> RouteValues(HttpRequest request) =>
        request.RouteValues.ToDictionary(v => v.Key, v => Convert.ToString(v.Value, CultureInfo.InvariantCulture) ?? "", StringComparer.OrdinalIgnoreCase);

    private static bool HasKey(HttpRequest request, string key)
    {
        var given = request.Headers["x-functions-key"].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(key));
    }
}
