using System.Globalization;
using Lineage.Orchestration.Api;
using Lineage.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Lineage.Http;

/// <summary>
/// Runs a route of <see cref="ApiRoutes"/> for an ASP.NET Core request and turns its <see cref="ApiResponse"/> into an
/// HTTP response: the only place that knows which outcome is which status, for the Functions app and the local host.
/// </summary>
public static class HttpApi
{
    public static int StatusCode(ApiOutcome outcome) => outcome switch
    {
        ApiOutcome.Ok => StatusCodes.Status200OK,
        ApiOutcome.Created => StatusCodes.Status201Created,
        ApiOutcome.Accepted => StatusCodes.Status202Accepted,
        ApiOutcome.Invalid => StatusCodes.Status400BadRequest,
        ApiOutcome.NotFound => StatusCodes.Status404NotFound,
        ApiOutcome.Conflict => StatusCodes.Status409Conflict,
        ApiOutcome.TooLarge => StatusCodes.Status413PayloadTooLarge,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown API outcome."),
    };

    public static Task<ApiResponse> CallAsync(
        ApiRoute route,
        HttpRequest request,
        RunService? runs,
        ModelsService models,
        IReadOnlyDictionary<string, string> routeValues) =>
        route.Handle(new ApiCall(runs, models, routeValues, name => request.Query[name].FirstOrDefault(), request.Body, request.HttpContext.RequestAborted));

    /// <summary>For the Functions app: an MVC result, serialized by the app's MVC JSON options (<see cref="AddLineageHttpJson"/>).</summary>
    public static IActionResult ToActionResult(ApiResponse response) => new ApiActionResult(response);

    /// <summary>For the local host's minimal API: the same status, headers and JSON.</summary>
    public static IResult ToResult(ApiResponse response) => new ApiHttpResult(response);

    /// <summary>Every HTTP JSON serializer of a host (MVC's and minimal API's) writes and reads <see cref="LineageJson"/>'s shape.</summary>
    public static IServiceCollection AddLineageHttpJson(this IServiceCollection services)
    {
        services.Configure<JsonOptions>(options => LineageJson.ApplyTo(options.JsonSerializerOptions));
        services.Configure<Microsoft.AspNetCore.Http.Json.JsonOptions>(options => LineageJson.ApplyTo(options.SerializerOptions));
        return services;
    }

    private static void WriteHeaders(HttpResponse http, ApiResponse response)
    {
        if (response.Location is { } location)
        {
            http.Headers.Location = location;
        }

        if (response.RetryAfter is { } retryAfter)
        {
            http.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
    }

    private sealed class ApiActionResult : ObjectResult
    {
        private readonly ApiResponse _response;

        public ApiActionResult(ApiResponse response)
            : base(response.Body)
        {
            _response = response;
            StatusCode = HttpApi.StatusCode(response.Outcome);
            ContentTypes.Add("application/json");
        }

        public override void OnFormatting(ActionContext context)
        {
            base.OnFormatting(context);
            WriteHeaders(context.HttpContext.Response, _response);
        }
    }

    private sealed class ApiHttpResult(ApiResponse response) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            WriteHeaders(httpContext.Response, response);
            return Results.Json(response.Body, LineageJson.Options, statusCode: StatusCode(response.Outcome)).ExecuteAsync(httpContext);
        }
    }
}
