using Lineage.Hosting;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Runs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lineage.IntegrationTests.Reliability.Harness;

/// <summary>How a harness run reaches its crash point.</summary>
public enum Scenario
{
    /// <summary>A fresh run of <see cref="HarnessRuns.Iterations"/> iterations.</summary>
    Fresh,

    /// <summary>The fresh run completed, then resumed for one more iteration (the points of PrepareRun's resume path).</summary>
    Resume,

    /// <summary>The fresh run with both of an iteration's episodes in one actor (<c>EpisodesPerActivity</c> 2, a <c>RunEpisodes</c> activity).</summary>
    Actors,
}

/// <summary>
/// The fault harness's run: small (3 iterations × 2 episodes) but reaching every effect — prioritized replay (priorities
/// saved and pruned), a replay capacity that evicts from the second iteration, one checkpoint kept (retention deletes at
/// every step), an evaluation per iteration and a gate loose enough that the candidate is promoted (copy, pointer, history).
/// </summary>
internal static class HarnessRuns
{
    public const string RunId = "harness";
    public const int Iterations = 3;

    /// <summary>Host settings for every process of a harness run (in-process runtimes and CLI workers alike).</summary>
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        ["Lineage:Storage:CheckpointsToKeep"] = "1",
        ["Lineage:Models:PromotionConfidence"] = "0.51",
        ["Lineage:Models:MaxDrawdownMargin"] = "1",
    };

    public static TrainingRun Run(Scenario scenario) => scenario switch
    {
        Scenario.Fresh => First,
        Scenario.Actors => First with { EpisodesPerActivity = 2 },
        _ => First with { Resume = true, Iterations = 1 },
    };

    // Seed 23 with the default arena (long-only target exposures): of seeds 21–40, one of the five (23, 25, 27, 37, 39) whose
    // 3-iteration candidate passes the loose gate on the promotion series, so the harness recovers the arena users run.
    private static TrainingRun First { get; } = TestRuns.Small(RunId, seed: 23) with
    {
        Iterations = Iterations,
        EpisodesPerIteration = 2,
        MaxParallelEpisodes = 2,
        ReplayCapacity = 100,
        PrioritizedReplay = true,
        BootstrapDraws = 200,
    };

    /// <summary>The same settings as environment variables, for CLI processes.</summary>
    public static Dictionary<string, string> Environment(string? crashAt = null)
    {
        var environment = Settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
        if (crashAt is not null)
        {
            environment[Lineage.Storage.CrashPoints.Variable] = crashAt;
        }

        return environment;
    }

    public static Task<LocalRuntime> StartAsync(
        AzuriteFixture azurite, string container, DurableBackendKind backend = DurableBackendKind.Embedded, string? hub = null, bool runWorker = true,
        IReadOnlyList<Azure.Core.Pipeline.HttpPipelinePolicy>? storagePolicies = null) =>
        LocalRuntime.StartAsync(
            new LocalRuntimeOptions
            {
                StorageConnectionString = azurite.ConnectionString,
                Backend = backend,
                TaskHub = hub ?? azurite.NewTaskHub(),
                ContainerName = container,
                RunWorker = runWorker,
                Settings = Settings,
                StoragePolicies = storagePolicies ?? [],
            },
            NullLoggerFactory.Instance);

    /// <summary>Runs the scenario's segments before the one under test (for <see cref="Scenario.Resume"/>, the whole fresh run).</summary>
    public static async Task PrepareAsync(AzuriteFixture azurite, string container, Scenario scenario)
    {
        if (scenario == Scenario.Resume)
        {
            await using var first = await StartAsync(azurite, container);
            await RunToEndAsync(first, Run(Scenario.Fresh));
        }
    }

    public static async Task<RunStatusView> RunToEndAsync(LocalRuntime runtime, TrainingRun run)
    {
        var view = RunService.ToView(await TestRuns.RunToEndAsync(runtime, run, TimeSpan.FromMinutes(4)));
        AssertCompleted(view);
        return view;
    }

    public static void AssertCompleted(RunStatusView view) =>
        Assert.True(view.Status == "Completed", $"The harness run ended {view.Status}: {view.Failure} {string.Join(" | ", view.Result?.Notes ?? [])}");

    /// <summary>An uninterrupted run of the scenario in a fresh container: what every crashed run must end up as.</summary>
    public static async Task<RunSnapshot> ReferenceAsync(AzuriteFixture azurite, Scenario scenario)
    {
        var container = azurite.NewContainer();
        await PrepareAsync(azurite, container, scenario);
        await using var runtime = await StartAsync(azurite, container);
        await RunToEndAsync(runtime, Run(scenario));
        return await RunSnapshot.TakeAsync(runtime.Storage.Container);
    }
}
