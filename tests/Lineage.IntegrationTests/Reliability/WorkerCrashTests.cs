using Azure;
using Lineage.Hosting;
using Lineage.IntegrationTests.Cli;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Reliability;

/// <summary>Crashes on the Azure Storage Durable backend (the engine Azure uses), with real worker processes.</summary>
[Collection(TorchCollection.Name)]
public sealed class WorkerCrashTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Killed_worker_after_its_shard_was_written_loses_and_duplicates_nothing()
    {
        var run = TestRuns.Small("crash-run", seed: 5) with { Iterations = 3 };

        // The uninterrupted run, same seed: what the crashed run must end up with.
        await using var reference = await TestRuns.StartAsync(azurite);
        await TestRuns.RunToEndAsync(reference, run);
        var referenceManifest = (await reference.Workspace.Replay(run.RunId).GetManifestAsync())!;
        var referenceHash = await reference.Workspace.Replay(run.RunId).ComputeContentHashAsync(referenceManifest);
        var referenceCheckpoints = (await reference.Workspace.Checkpoints(run.RunId).ListAsync()).Select(c => (c.Update, c.Sha256)).ToList();

        var hub = azurite.NewTaskHub();
        var container = azurite.NewContainer();
        await using var client = await LocalRuntime.StartAsync(
            new LocalRuntimeOptions { StorageConnectionString = azurite.ConnectionString, Backend = DurableBackendKind.AzureStorage, TaskHub = hub, ContainerName = container, RunWorker = false },
            NullLoggerFactory.Instance);
        using var doomed = CliProcess.StartWorker(azurite.ConnectionString, hub, container, new Dictionary<string, string> { ["LINEAGE_FAULT_HANG_AFTER_SHARD"] = "crash-run/1/2" });
        Assert.Equal(ApiOutcome.Accepted, (await client.Runs.StartAsync(run, default)).Outcome);

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var marker = client.Storage.Container.GetBlobClient("runs/crash-run/faults/hung-1-2.json");
        while (!(await marker.ExistsAsync(cts.Token)).Value)
        {
            await Task.Delay(100, cts.Token);
        }

        Assert.True((await client.Storage.Container.GetBlobClient("runs/crash-run/replay/shards/000001-0002.bin").ExistsAsync(cts.Token)).Value);
        doomed.Kill();
        output.WriteLine($"killed worker {doomed.Id} with its episode's shard written and the activity unfinished");

        using var rescuer = CliProcess.StartWorker(azurite.ConnectionString, hub, container);
        var final = await client.Durable.WaitForCompletionAsync(run.RunId, TimeSpan.FromMilliseconds(250), null, cts.Token);
        output.WriteLine(rescuer.Output);

        Assert.Equal("Completed", RunService.ToView(final).Status);
        var manifest = (await client.Workspace.Replay(run.RunId).GetManifestAsync())!;
        Assert.Equal(referenceManifest.LiveCount, manifest.LiveCount);
        Assert.Equal(referenceHash, await client.Workspace.Replay(run.RunId).ComputeContentHashAsync(manifest));
        var checkpoints = (await client.Workspace.Checkpoints(run.RunId).ListAsync()).Select(c => (c.Update, c.Sha256)).ToList();
        Assert.Equal(referenceCheckpoints, checkpoints);
    }
}
