using Lineage.Hosting;
using Lineage.IntegrationTests.Cli;
using Lineage.IntegrationTests.Orchestration;
using Lineage.IntegrationTests.Reliability.Harness;
using Lineage.Orchestration.Experiments;
using Lineage.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Reliability;

/// <summary>
/// Run retention's crash points: retention interrupted part-way through a run (or between runs) and applied again by a
/// fresh runtime or process deletes exactly what one uninterrupted pass deletes, and nothing else.
/// </summary>
public sealed class RunRetentionCrashTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private static readonly string[] Expired = ["old-a", "old-b"];
    private const string Recent = "new-c";

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Lineage:Models:KeepRuns"] = "1",
        ["Lineage:Models:MinRunAge"] = "00:00:00",
    };

    [Theory]
    [InlineData(CrashPoints.RunRetentionAfterBlob)]
    [InlineData(CrashPoints.RunRetentionAfterRun)]
    public async Task Injected_crash_in_run_retention_then_a_fresh_runtime_deletes_exactly_the_expired_runs(string point)
    {
        var reference = await ReferenceAsync();
        var container = await SeedAsync();
        var crashes = 0;
        // Both expired runs armed: the first two passes die one after the other, each finished by a fresh runtime.
        using var armA = CrashPoints.Arm(Expired[0], point);
        using var armB = CrashPoints.Arm(Expired[1], point);
        for (var attempt = 1; attempt <= Expired.Length + 1; attempt++)
        {
            await using var runtime = await StartAsync(container);
            try
            {
                await runtime.Services.GetRequiredService<ExperimentStore>().ApplyRetentionAsync(CancellationToken.None);
                break;
            }
            catch (InjectedCrashException ex)
            {
                output.WriteLine($"attempt {attempt}: {ex.Message}");
                crashes++;
            }
        }

        Assert.Equal(Expired.Length, crashes);
        (await SnapshotAsync(container)).AssertSameAs(reference, output, point);
    }

    [Fact]
    public async Task Process_killed_in_run_retention_then_a_fresh_process_deletes_exactly_the_expired_runs()
    {
        var reference = await ReferenceAsync();
        var container = await SeedAsync();
        var environment = Settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
        string[] prune = ["runs", "prune", "--storage", azurite.ConnectionString, "--container", container];
        using (var doomed = CliProcess.Start(prune, new Dictionary<string, string>(environment) { [CrashPoints.Variable] = $"{Expired[0]}/{CrashPoints.RunRetentionAfterBlob}" }))
        {
            var exit = await doomed.WaitForExitAsync(TimeSpan.FromMinutes(2));
            output.WriteLine(doomed.Output);
            Assert.Equal(137, exit);
        }

        Assert.NotEqual(reference.Blobs.Keys, (await SnapshotAsync(container)).Blobs.Keys);
        using (var fresh = CliProcess.Start(prune, environment))
        {
            var exit = await fresh.WaitForExitAsync(TimeSpan.FromMinutes(2));
            output.WriteLine(fresh.Output);
            Assert.Equal(0, exit);
        }

        (await SnapshotAsync(container)).AssertSameAs(reference, output, "killed run retention");
    }

    private async Task<RunSnapshot> ReferenceAsync()
    {
        var container = await SeedAsync();
        await using var runtime = await StartAsync(container);
        var report = await runtime.Services.GetRequiredService<ExperimentStore>().ApplyRetentionAsync(CancellationToken.None);
        Assert.Equal(Expired, report.Deleted.Order(StringComparer.Ordinal));
        Assert.Equal([Recent], report.Kept);
        return await RunSnapshot.TakeAsync(runtime.Storage.Container);
    }

    /// <summary>Two expired runs of four blobs each, then (a second later, so it is the most recently active) the recent one.</summary>
    private async Task<string> SeedAsync()
    {
        var container = azurite.NewContainer();
        await using var runtime = await StartAsync(container);
        foreach (var runId in Expired)
        {
            await WriteRunAsync(runtime.Storage, runId);
        }

        await Task.Delay(TimeSpan.FromSeconds(1.1));
        await WriteRunAsync(runtime.Storage, Recent);
        return container;
    }

    private static async Task WriteRunAsync(RunStorage storage, string runId)
    {
        foreach (var name in new[] { RunBlobs.Record(runId), RunBlobs.Checkpoints(runId) + "0000000000.ckpt", RunBlobs.Replay(runId) + "shards/000000-0000.bin", RunBlobs.Metrics(runId, 0) })
        {
            await storage.Container.GetBlobClient(name).UploadAsync(BinaryData.FromString($"{{\"blob\":\"{name}\"}}"), overwrite: true);
        }
    }

    private async Task<RunSnapshot> SnapshotAsync(string container)
    {
        await using var runtime = await StartAsync(container);
        return await RunSnapshot.TakeAsync(runtime.Storage.Container);
    }

    private Task<LocalRuntime> StartAsync(string container) =>
        LocalRuntime.StartAsync(
            new LocalRuntimeOptions
            {
                StorageConnectionString = azurite.ConnectionString,
                TaskHub = azurite.NewTaskHub(),
                ContainerName = container,
                RunWorker = false,
                Settings = Settings,
            },
            NullLoggerFactory.Instance);
}
