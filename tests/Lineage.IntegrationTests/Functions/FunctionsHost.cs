using System.Reflection;
using System.Text.Json;
using Azure.Core.Serialization;
using Lineage.Functions;
using Lineage.IntegrationTests.Cli;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration;
using Lineage.Orchestration.Populations;
using Lineage.Orchestration.Training;
using Lineage.Orchestration.WalkForwards;
using Lineage.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lineage.IntegrationTests.Functions;

/// <summary>
/// The deployed Functions app, run in the test process: its own host as <see cref="FunctionsApp.CreateBuilder"/> builds
/// it (not started: there is no Functions host to talk gRPC to), its <c>[Function]</c> classes created from that host's
/// services the way the worker creates them, HTTP requests routed by its built functions.metadata, and a real
/// <see cref="DurableTaskClient"/> and worker (Durable's in-process test host) that run the app's orchestrator and
/// activity wrappers with the app's worker serializer.
/// </summary>
internal sealed class FunctionsHost : IApiUnderTest
{
    private readonly IHost _app;
    private readonly IHost _durable;
    private readonly WebApplication _http;

    private FunctionsHost(IHost app, IHost durable, WebApplication http)
    {
        _app = app;
        _durable = durable;
        _http = http;
        Client = http.GetTestServer().CreateClient();
    }

    public IServiceProvider Services => _app.Services;

    public DurableTaskClient Durable => _durable.Services.GetRequiredService<DurableTaskClient>();

    public HttpClient Client { get; }

    public RunStorage Storage => Services.GetRequiredService<RunStorage>();

    public Azure.Storage.Blobs.BlobContainerClient Container => Storage.Container;

    public async Task<bool> HasInstanceAsync(string instanceId) => await Durable.GetInstanceAsync(instanceId) is not null;

    /// <summary>The Functions app's host, built from its own composition with test storage settings.</summary>
    public static IHost BuildApp(string connectionString, string container, IDictionary<string, string?>? settings = null) =>
        FunctionsApp.CreateBuilder([], configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Lineage:Storage:ConnectionString"] = connectionString,
            ["Lineage:Storage:ContainerName"] = container,
            ["Lineage:Nightly:RunId"] = "nightly",
            ["Lineage:Nightly:Dataset"] = "synthetic:trend",
            ["Lineage:Nightly:Iterations"] = "1",
            // Synthetic bars are dated decades back: the freshness check (NightlyRetrainingTests) would refuse them.
            ["Lineage:Nightly:MaxDataAgeDays"] = "36500",
        })).Build();

    public static async Task<FunctionsHost> StartAsync(AzuriteFixture azurite, IDictionary<string, string?>? settings = null)
    {
        var app = BuildApp(azurite.ConnectionString, azurite.NewContainer(), settings);
        await app.Services.GetRequiredService<RunStorage>().EnsureContainerAsync(default);
        var serializer = app.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Serializer
            ?? throw new InvalidOperationException("The Functions app configures no worker serializer.");
        var durable = await StartDurableAsync(app.Services, new WorkerSerializerConverter(serializer));
        var http = await StartHttpAsync(app.Services, durable.Services.GetRequiredService<DurableTaskClient>());
        return new FunctionsHost(app, durable, http);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _http.DisposeAsync();
        await _durable.StopAsync();
        _durable.Dispose();
        _app.Dispose();
    }

    /// <summary>The app's orchestrator wrapper and one activity per catalog entry, each the app's own [Function] method.</summary>
    private static async Task<IHost> StartDurableAsync(IServiceProvider app, DataConverter converter)
    {
        object[] wrappers =
        [
            ActivatorUtilities.CreateInstance<TrainingFunctions>(app),
            ActivatorUtilities.CreateInstance<WalkForwardFunctions>(app),
            ActivatorUtilities.CreateInstance<PopulationFunctions>(app),
        ];
        var host = new HostBuilder()
            .ConfigureServices(services =>
            {
                services.AddSingleton(converter);
                services.Configure<DurableTaskWorkerOptions>(o => o.DataConverter = converter);
                services.Configure<DurableTaskClientOptions>(o => o.DataConverter = converter);
                services.AddInMemoryDurableTask(
                    registry =>
                    {
                        // Typed input, so GetInput<TrainingState>() inside the wrapper sees a TrainingState as on the Functions host.
                        registry.AddOrchestratorFunc<TrainingState, TrainingResult>(TaskCatalog.Orchestrator, (context, _) => TrainingFunctions.RunOrchestrator(context));
                        registry.AddOrchestratorFunc<WalkForwardState, WalkForwardResult>(TaskCatalog.WalkForward, (context, _) => WalkForwardFunctions.RunOrchestrator(context));
                        registry.AddOrchestratorFunc<PopulationState, PopulationResult>(TaskCatalog.Population, (context, _) => PopulationFunctions.RunOrchestrator(context));
                        foreach (var entry in TaskCatalog.Activities)
                        {
                            var (functions, method) = ActivityWrapper(wrappers, entry.Name);
                            registry.AddActivity(entry.Name, _ => new WrapperActivity(functions, method, entry));
                        }
                    },
                    new InMemoryDurableTaskOptions { Port = CliProcess.FreePort() });
            })
            .Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>Routes /api/... as the Functions host would, from functions.metadata, to the [Function] methods.</summary>
    private static async Task<WebApplication> StartHttpAsync(IServiceProvider app, DurableTaskClient durable)
    {
        var routes = FunctionsMetadata.HttpTriggers()
            .Select(t => (t.Name, t.Methods, Matcher: new TemplateMatcher(TemplateParser.Parse(t.Route), new RouteValueDictionary())))
            .ToList();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        var web = builder.Build();
        web.Run(async http =>
        {
            var path = http.Request.Path.Value ?? "";
            var values = new RouteValueDictionary();
            var match = path.StartsWith("/api/", StringComparison.Ordinal)
                ? routes.FirstOrDefault(r => r.Methods.Contains(http.Request.Method, StringComparer.OrdinalIgnoreCase) && r.Matcher.TryMatch(path[4..], values = []))
                : default;
            if (match.Name is null)
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            var method = FunctionMethod(typeof(HttpFunctions), match.Name);
            await using var scope = app.CreateAsyncScope();
            http.RequestServices = scope.ServiceProvider;
            var handler = ActivatorUtilities.CreateInstance(scope.ServiceProvider, method.DeclaringType!);
            var arguments = method.GetParameters().Select(p => p.ParameterType switch
            {
                var t when t == typeof(HttpRequest) => http.Request,
                var t when t == typeof(DurableTaskClient) => durable,
                var t when t == typeof(CancellationToken) => (object)http.RequestAborted,
                var t when t == typeof(string) => Uri.UnescapeDataString(Convert.ToString(values[p.Name!], System.Globalization.CultureInfo.InvariantCulture) ?? ""),
                var t => throw new InvalidOperationException($"{match.Name}: cannot bind parameter {p.Name} of type {t.Name}."),
            }).ToArray();
            var result = await (Task<IActionResult>)method.Invoke(handler, arguments)!;
            // Executed with the app's own MVC services and JSON options, as the Functions ASP.NET Core integration does.
            await result.ExecuteResultAsync(new ActionContext(http, new RouteData(values), new ActionDescriptor()));
        });
        await web.StartAsync();
        return web;
    }

    /// <summary>The Functions class instance among <paramref name="wrappers"/> that declares activity <paramref name="name"/>, and its method.</summary>
    public static (object Functions, MethodInfo Method) ActivityWrapper(IEnumerable<object> wrappers, string name) =>
        wrappers.SelectMany(w => w.GetType().GetMethods().Where(m => m.GetCustomAttribute<FunctionAttribute>()?.Name == name).Select(m => (w, m))).Single();

    /// <summary>The Functions classes that declare the catalog's activity wrappers.</summary>
    public static IReadOnlyList<Type> ActivityClasses { get; } = [typeof(TrainingFunctions), typeof(WalkForwardFunctions), typeof(PopulationFunctions)];

    public static MethodInfo FunctionMethod(Type type, string name) =>
        type.GetMethods().Single(m => m.GetCustomAttribute<FunctionAttribute>()?.Name == name);

    /// <summary>Runs an activity [Function] wrapper: the input arrives already deserialized by the worker's converter.</summary>
    private sealed class WrapperActivity(object functions, MethodInfo method, ActivityEntry entry) : ITaskActivity
    {
        public Type InputType => entry.Input;

        public Type OutputType => entry.Output;

        public async Task<object?> RunAsync(TaskActivityContext context, object? input)
        {
            var task = (Task)method.Invoke(functions, [input, CancellationToken.None])!;
            await task;
            return task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task);
        }
    }

    /// <summary>What the Durable extension does with the worker serializer (its internal ObjectConverterShim).</summary>
    private sealed class WorkerSerializerConverter(ObjectSerializer serializer) : DataConverter
    {
        public override string? Serialize(object? value) =>
            value is null ? null : serializer.Serialize(value, value.GetType(), default).ToString();

        public override object? Deserialize(string? data, Type targetType) =>
            data is null ? null : serializer.Deserialize(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(data)), targetType, default);
    }
}

/// <summary>The built Functions app's functions.metadata, as the Functions host reads it.</summary>
internal static class FunctionsMetadata
{
    public static JsonElement[] Functions { get; } = Load();

    public sealed record HttpTrigger(string Name, string Route, string[] Methods, string AuthLevel, bool HasDurableClient);

    public static IReadOnlyList<HttpTrigger> HttpTriggers() =>
    [
        .. Functions
            .Select(f => (Name: f.GetProperty("name").GetString()!, Bindings: f.GetProperty("bindings").EnumerateArray().ToList()))
            .Where(f => f.Bindings.Any(b => b.GetProperty("type").GetString() == "httpTrigger"))
            .Select(f =>
            {
                var trigger = f.Bindings.Single(b => b.GetProperty("type").GetString() == "httpTrigger");
                return new HttpTrigger(
                    f.Name,
                    trigger.GetProperty("route").GetString()!,
                    [.. trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!)],
                    trigger.GetProperty("authLevel").GetString()!,
                    f.Bindings.Any(b => b.GetProperty("type").GetString() == "durableClient"));
            })
            // Literal segments before parameters, as ASP.NET Core routing orders them.
            .OrderBy(t => t.Route.Count(c => c == '{')),
    ];

    public static JsonElement Binding(string function, string type)
    {
        var f = Assert.Single(Functions, f => f.GetProperty("name").GetString() == function);
        return Assert.Single(f.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString() == type);
    }

    private static JsonElement[] Load()
    {
        var path = typeof(FunctionsMetadata).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "FunctionsMetadata").Value!;
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
    }
}
