using System.Reflection;
using System.Text.Json;
using Lineage.Functions;
using Lineage.IntegrationTests.Functions;
using Lineage.Orchestration;
using Lineage.Orchestration.Api;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lineage.IntegrationTests.Api;

/// <summary>
/// The built Functions app (its functions.metadata, what Azure reads) agrees with the route table and the task catalog
/// that the local host uses: the same routes, methods, activities and payload types, every one behind a function key.
/// </summary>
public sealed class FunctionsMetadataTests
{
    public static TheoryData<string> Routes => [.. ApiRoutes.All.Select(r => r.Name)];

    [Theory]
    [MemberData(nameof(Routes))]
    public void Every_route_of_the_table_is_a_function_with_its_method_template_and_a_function_key(string name)
    {
        var route = ApiRoutes.Named(name);
        var trigger = Assert.Single(FunctionsMetadata.HttpTriggers(), t => t.Name == name);

        Assert.Equal(route.Template, trigger.Route);
        Assert.Equal([route.Method.ToLowerInvariant()], trigger.Methods);
        Assert.Equal("Function", trigger.AuthLevel);
        // Only the run, walk-forward and population routes reach Durable; they alone bind a Durable client.
        Assert.Equal(
            route.Template.StartsWith("runs", StringComparison.Ordinal) || route.Template.StartsWith(ApiTemplates.WalkForwards, StringComparison.Ordinal)
            || route.Template.StartsWith(ApiTemplates.Populations, StringComparison.Ordinal),
            trigger.HasDurableClient);
    }

    [Fact]
    public void The_app_has_no_http_function_outside_the_route_table()
    {
        Assert.Equal(
            ApiRoutes.All.Select(r => r.Name).Order(StringComparer.Ordinal),
            FunctionsMetadata.HttpTriggers().Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal(ApiRoutes.All.Count, ApiRoutes.All.Select(r => (r.Method, r.Template)).Distinct().Count());
    }

    public static TheoryData<string> Activities => [.. TaskCatalog.Activities.Select(a => a.Name)];

    [Theory]
    [MemberData(nameof(Activities))]
    public void Every_catalog_activity_has_one_wrapper_with_its_input_and_output(string name)
    {
        var entry = Assert.Single(TaskCatalog.Activities, a => a.Name == name);
        FunctionsMetadata.Binding(name, "activityTrigger");
        var method = Assert.Single(FunctionsHost.ActivityClasses.SelectMany(t => t.GetMethods()), m => m.GetCustomAttribute<FunctionAttribute>()?.Name == name);
        var input = Assert.Single(method.GetParameters(), p => p.GetCustomAttribute<ActivityTriggerAttribute>() is not null);

        Assert.Equal(entry.Input, input.ParameterType);
        Assert.Equal(typeof(Task<>).MakeGenericType(entry.Output), method.ReturnType);
    }

    [Fact]
    public void The_durable_functions_are_exactly_the_catalog_and_its_orchestrators()
    {
        foreach (var orchestrator in TaskCatalog.Orchestrators)
        {
            FunctionsMetadata.Binding(orchestrator.Name, "orchestrationTrigger");
        }

        var durable = FunctionsMetadata.Functions
            .Where(f => f.GetProperty("bindings").EnumerateArray().Any(b => b.GetProperty("type").GetString() is "activityTrigger" or "orchestrationTrigger"))
            .Select(f => f.GetProperty("name").GetString()!);

        Assert.Equal(
            TaskCatalog.Activities.Select(a => a.Name).Concat(TaskCatalog.Orchestrators.Select(o => o.Name)).Order(StringComparer.Ordinal),
            durable.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_catalog_activity_resolves_from_the_app_and_from_any_host_collection()
    {
        using var app = FunctionsHost.BuildApp("UseDevelopmentStorage=true", "lineage");
        using var local = new ServiceCollection()
            .AddLogging()
            .AddLineageTraining(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Lineage:Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            }).Build())
            .BuildServiceProvider();

        foreach (var entry in TaskCatalog.Activities)
        {
            Assert.IsType(entry.Implementation, app.Services.GetRequiredService(entry.Implementation));
            Assert.IsType(entry.Implementation, local.GetRequiredService(entry.Implementation));
        }
    }

    [Fact]
    public void Nightly_timer_reads_its_schedule_from_configuration()
    {
        var timer = FunctionsMetadata.Binding("NightlyRetrain", "timerTrigger");
        Assert.Equal("%Lineage__Nightly__Schedule%", timer.GetProperty("schedule").GetString());
        FunctionsMetadata.Binding("NightlyRetrain", "durableClient");
    }

    [Fact]
    public void Run_retention_is_its_own_timer_not_a_step_of_a_run()
    {
        var timer = FunctionsMetadata.Binding("RunRetention", "timerTrigger");
        Assert.Equal("%Lineage__Models__RetentionSchedule%", timer.GetProperty("schedule").GetString());
        Assert.DoesNotContain(TaskCatalog.Activities, a => a.Name.Contains("Retention", StringComparison.Ordinal));
    }

    [Fact]
    public void No_function_is_anonymous()
    {
        Assert.DoesNotContain(FunctionsMetadata.Functions.SelectMany(f => f.GetProperty("bindings").EnumerateArray()),
            b => b.TryGetProperty("authLevel", out var level) && level.GetString() == "Anonymous");
        Assert.Equal(
            ApiRoutes.All.Count + TaskCatalog.Activities.Count + TaskCatalog.Orchestrators.Count + 2, // + the two timers
            FunctionsMetadata.Functions.Length);
    }
}
