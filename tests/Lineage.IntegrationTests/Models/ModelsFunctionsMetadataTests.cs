using System.Reflection;
using System.Text.Json;

namespace Lineage.IntegrationTests.Models;

/// <summary>The built Functions app declares the models, datasets and experiments routes (function key required) and the promotion activity.</summary>
public sealed class ModelsFunctionsMetadataTests
{
    private static readonly JsonElement[] Functions = Load();

    [Theory]
    [InlineData("ChampionDecision", "get", "models/champion/decision")]
    [InlineData("GetChampion", "get", "models/{model}/champion")]
    [InlineData("ChampionHistory", "get", "models/{model}/history")]
    [InlineData("PromotionDecisions", "get", "models/{model}/decisions")]
    [InlineData("PromoteModel", "post", "models/{model}/promote")]
    [InlineData("RollbackModel", "post", "models/{model}/rollback")]
    [InlineData("PushDataset", "post", "datasets/{name}")]
    [InlineData("ListDatasetVersions", "get", "datasets/{name}")]
    [InlineData("ListExperiments", "get", "experiments")]
    [InlineData("ShowExperiment", "get", "experiments/{runId}")]
    public void Models_http_functions_require_a_function_key(string name, string method, string route)
    {
        var trigger = Binding(name, "httpTrigger");
        Assert.Equal("Function", trigger.GetProperty("authLevel").GetString());
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!).ToArray());
    }

    [Fact]
    public void Promotion_activity_is_declared() => Binding("PromoteCandidate", "activityTrigger");

    private static JsonElement Binding(string function, string type)
    {
        var f = Assert.Single(Functions, f => f.GetProperty("name").GetString() == function);
        return Assert.Single(f.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString() == type);
    }

    private static JsonElement[] Load()
    {
        var path = typeof(ModelsFunctionsMetadataTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "FunctionsMetadata").Value!;
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
    }
}
