using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Datasets;

namespace Lineage.Orchestration.Api;

/// <summary>Route templates under <c>/api</c>, constants so the Functions app's <c>[HttpTrigger]</c> attributes use the same text.</summary>
public static class ApiTemplates
{
    public const string Runs = "runs";
    public const string Run = "runs/{runId}";
    public const string StopRun = "runs/{runId}/stop";
    public const string RunCheckpoints = "runs/{runId}/checkpoints";
    public const string ChampionDecision = "models/champion/decision";
    public const string Champion = "models/{model}/champion";
    public const string ChampionHistory = "models/{model}/history";
    public const string PromotionDecisions = "models/{model}/decisions";
    public const string Promote = "models/{model}/promote";
    public const string Rollback = "models/{model}/rollback";
    public const string Dataset = "datasets/{name}";
    public const string Experiments = "experiments";
    public const string Experiment = "experiments/{runId}";
    public const string WalkForwards = "walkforwards";
    public const string WalkForward = "walkforwards/{walkForwardId}";
    public const string Populations = "populations";
    public const string Population = "populations/{populationId}";
    public const string StopPopulation = "populations/{populationId}/stop";
}

/// <summary>One request as the route table's handlers see it, whichever host received it.</summary>
public sealed class ApiCall(
    RunService? runs,
    ModelsService models,
    IReadOnlyDictionary<string, string> routeValues,
    Func<string, string?> query,
    Stream body,
    CancellationToken cancellationToken)
{
    /// <summary>The run service; a host gives none to routes that don't declare a Durable client (the models routes).</summary>
    public RunService Runs => runs ?? throw new InvalidOperationException("This route was called without a run service (no Durable client).");

    public ModelsService Models { get; } = models;

    public Stream Body { get; } = body;

    public CancellationToken Cancellation { get; } = cancellationToken;

    /// <summary>A route value; the host matched the template, so a missing one is a host bug, not a bad request.</summary>
    public string Route(string name) =>
        routeValues.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"Route value '{name}' was not bound.");

    public string? Query(string name) => query(name);
}

/// <summary>A route: the Functions name, method, template under <c>/api</c>, body limit (null: no body) and handler.</summary>
public sealed record ApiRoute(string Name, string Method, string Template, long? BodyLimit, Func<ApiCall, Task<ApiResponse>> Handle);

/// <summary>
/// Every HTTP route of Lineage, once. The local host maps this table; the Functions app declares one <c>[Function]</c>
/// per entry that forwards to <see cref="ApiRoute.Handle"/>, and a test checks the table against its functions.metadata.
/// </summary>
public static class ApiRoutes
{
    public static IReadOnlyList<ApiRoute> All { get; } =
    [
        new("StartRun", "POST", ApiTemplates.Runs, RunService.MaxBodyBytes, c => c.Runs.StartAsync(c.Body, c.Cancellation)),
        new("GetRun", "GET", ApiTemplates.Run, null, c => c.Runs.GetStatusAsync(c.Route("runId"), c.Cancellation)),
        new("StopRun", "POST", ApiTemplates.StopRun, null, c => c.Runs.StopAsync(c.Route("runId"), c.Cancellation)),
        new("ListCheckpoints", "GET", ApiTemplates.RunCheckpoints, null, c => c.Runs.ListCheckpointsAsync(c.Route("runId"), c.Cancellation)),
        new("ChampionDecision", "GET", ApiTemplates.ChampionDecision, null, c => c.Models.DecideAsync(
            c.Query("dataset"), c.Query("model"), c.Query("position"), c.Query("entryPrice"), c.Cancellation)),
        new("GetChampion", "GET", ApiTemplates.Champion, null, c => c.Models.GetChampionAsync(c.Route("model"), c.Cancellation)),
        new("ChampionHistory", "GET", ApiTemplates.ChampionHistory, null, c => c.Models.GetHistoryAsync(c.Route("model"), c.Cancellation)),
        new("PromotionDecisions", "GET", ApiTemplates.PromotionDecisions, null, c => c.Models.GetDecisionsAsync(c.Route("model"), c.Cancellation)),
        new("PromoteModel", "POST", ApiTemplates.Promote, ModelsService.MaxBodyBytes, c => c.Models.PromoteAsync(c.Route("model"), c.Body, c.Cancellation)),
        new("RollbackModel", "POST", ApiTemplates.Rollback, ModelsService.MaxBodyBytes, c => c.Models.RollbackAsync(c.Route("model"), c.Body, c.Cancellation)),
        new("PushDataset", "POST", ApiTemplates.Dataset, DatasetRegistry.MaxBytes, c => c.Models.PushDatasetAsync(
            c.Route("name"), c.Body, c.Query("by") ?? "http", c.Cancellation)),
        new("ListDatasetVersions", "GET", ApiTemplates.Dataset, null, c => c.Models.ListDatasetVersionsAsync(c.Route("name"), c.Cancellation)),
        new("ListExperiments", "GET", ApiTemplates.Experiments, null, c => c.Models.ListRunsAsync(c.Cancellation)),
        new("ShowExperiment", "GET", ApiTemplates.Experiment, null, c => c.Models.ShowRunAsync(c.Route("runId"), c.Cancellation)),
        new("StartWalkForward", "POST", ApiTemplates.WalkForwards, WalkForwardService.MaxBodyBytes, c => c.Runs.WalkForwards.StartAsync(c.Body, c.Cancellation)),
        new("GetWalkForward", "GET", ApiTemplates.WalkForward, null, c => c.Runs.WalkForwards.GetStatusAsync(c.Route("walkForwardId"), c.Cancellation)),
        new("StartPopulation", "POST", ApiTemplates.Populations, PopulationService.MaxBodyBytes, c => c.Runs.Populations.StartAsync(c.Body, c.Cancellation)),
        new("GetPopulation", "GET", ApiTemplates.Population, null, c => c.Runs.Populations.GetStatusAsync(c.Route("populationId"), c.Cancellation)),
        new("StopPopulation", "POST", ApiTemplates.StopPopulation, null, c => c.Runs.Populations.StopAsync(c.Route("populationId"), c.Cancellation)),
    ];

    public static ApiRoute Named(string name) =>
        All.FirstOrDefault(r => r.Name == name) ?? throw new ArgumentException($"No route is named '{name}'.", nameof(name));

    /// <summary>The status URL of a run, as the 202 of a start or stop gives it in <c>Location</c>.</summary>
    public static string RunStatusPath(string runId) => $"/api/runs/{Uri.EscapeDataString(runId)}";

    /// <summary>Where walk-forwards are started.</summary>
    public const string WalkForwardsPath = "/api/" + ApiTemplates.WalkForwards;

    /// <summary>The status URL of a walk-forward, as the 202 of its start gives it in <c>Location</c>.</summary>
    public static string WalkForwardStatusPath(string walkForwardId) => $"{WalkForwardsPath}/{Uri.EscapeDataString(walkForwardId)}";

    /// <summary>Where populations are started.</summary>
    public const string PopulationsPath = "/api/" + ApiTemplates.Populations;

    /// <summary>The status URL of a population, as the 202 of its start gives it in <c>Location</c>.</summary>
    public static string PopulationStatusPath(string populationId) => $"{PopulationsPath}/{Uri.EscapeDataString(populationId)}";
}
