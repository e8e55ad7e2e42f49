using Lineage.Hosting;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Runs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lineage.IntegrationTests.Orchestration;

internal static class TestRuns
{
    /// <summary>A run small enough for a test but with every phase: 2 iterations × 4 episodes, evaluation each iteration.</summary>
    public static TrainingRun Small(string runId, ulong seed = 7) => new()
    {
        RunId = runId,
        Dataset = "synthetic:trend",
        SyntheticBars = 800,
        Iterations = 2,
        EpisodesPerIteration = 4,
        MaxParallelEpisodes = 4,
        StepsPerEpisode = 32,
        UpdatesPerIteration = 16,
        LearningStarts = 0,
        EvaluateEvery = 1,
        Seed = seed,
    };

    public static Task<LocalRuntime> StartAsync(
        AzuriteFixture azurite, DurableBackendKind backend = DurableBackendKind.Embedded, string? container = null, string? hub = null, ILoggerFactory? logs = null, bool runWorker = true, TimeSpan? lockDuration = null) =>
        LocalRuntime.StartAsync(
            new LocalRuntimeOptions
            {
                StorageConnectionString = azurite.ConnectionString,
                Backend = backend,
                TaskHub = hub ?? azurite.NewTaskHub(),
                ContainerName = container ?? azurite.NewContainer(),
                RunWorker = runWorker,
                RunLockDuration = lockDuration,
            },
            logs ?? NullLoggerFactory.Instance);

    public static async Task<RunInstance> RunToEndAsync(LocalRuntime runtime, TrainingRun run, TimeSpan? timeout = null)
    {
        var response = await runtime.Runs.StartAsync(run, CancellationToken.None);
        Assert.Equal(ApiOutcome.Accepted, response.Outcome);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        return await runtime.Durable.WaitForCompletionAsync(run.RunId, TimeSpan.FromMilliseconds(100), null, cts.Token);
    }
}
