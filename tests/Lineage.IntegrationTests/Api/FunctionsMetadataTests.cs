using System.Reflection;
using System.Text.Json;

namespace Lineage.IntegrationTests.Api;

/// <summary>The built Functions app declares every function, trigger, binding and authorization level the design promises.</summary>
public sealed class FunctionsMetadataTests
{
    private static readonly JsonElement[] Functions = Load();

    [Theory]
    [InlineData("StartRun", "post", "runs")]
    [InlineData("GetRun", "get", "runs/{runId}")]
    [InlineData("StopRun", "post", "runs/{runId}/stop")]
    [InlineData("ListCheckpoints", "get", "runs/{runId}/checkpoints")]
    public void Http_functions_require_a_function_key(string name, string method, string route)
    {
        var trigger = Binding(name, "httpTrigger");
        Assert.Equal("Function", trigger.GetProperty("authLevel").GetString());
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal(new[] { method }, trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!).ToArray());
        Binding(name, "durableClient");
    }

    [Theory]
    [InlineData("TrainingOrchestrator", "orchestrationTrigger")]
    [InlineData("PrepareRun", "activityTrigger")]
    [InlineData("RunEpisode", "activityTrigger")]
    [InlineData("AppendExperiences", "activityTrigger")]
    [InlineData("TrainStep", "activityTrigger")]
    [InlineData("Evaluate", "activityTrigger")]
    public void Durable_functions_are_declared(string name, string trigger) => Binding(name, trigger);

    [Fact]
    public void Nightly_timer_reads_its_schedule_from_configuration()
    {
        var timer = Binding("NightlyRetrain", "timerTrigger");
        Assert.Equal("%Lineage__Nightly__Schedule%", timer.GetProperty("schedule").GetString());
        Binding("NightlyRetrain", "durableClient");
    }

    [Fact]
    public void No_function_is_anonymous_and_the_set_is_exact()
    {
        Assert.DoesNotContain(Functions.SelectMany(f => f.GetProperty("bindings").EnumerateArray()),
            b => b.TryGetProperty("authLevel", out var level) && level.GetString() == "Anonymous");
        Assert.Equal(
            new[]
            {
                "AppendExperiences", "ApplyRunRetention", "ChampionDecision", "ChampionHistory", "Evaluate", "GetChampion", "GetRun", "ListCheckpoints", "ListDatasetVersions",
                "ListExperiments", "NightlyRetrain", "PrepareRun", "PromoteCandidate", "PromoteModel", "PromotionDecisions", "PushDataset", "RollbackModel",
                "RunEpisode", "ShowExperiment", "StartRun", "StopRun", "TrainStep", "TrainingOrchestrator",
            },
            Functions.Select(f => f.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToArray());
    }

    private static JsonElement Binding(string function, string type)
    {
        var f = Assert.Single(Functions, f => f.GetProperty("name").GetString() == function);
        return Assert.Single(f.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString() == type);
    }

    private static JsonElement[] Load()
    {
        var path = typeof(FunctionsMetadataTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "FunctionsMetadata").Value!;
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
    }
}
