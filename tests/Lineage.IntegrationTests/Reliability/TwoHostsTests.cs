using System.Diagnostics;
using Lineage.Hosting;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Runs;
using Lineage.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Reliability;

/// <summary>
/// Two embedded hosts on one blob container: each has its own in-memory Durable backend (and task hub), so neither can
/// see the other's instances — only the run's blobs, its lock among them. Whatever the timing, one run id trains once.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class TwoHostsTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Two_hosts_resuming_one_run_at_the_same_time_train_it_once()
    {
        var container = azurite.NewContainer();
        var run = TestRuns.Small("two-hosts-race", seed: 31) with { Resume = true };
        await using var first = await HostAsync(container);
        await using var second = await HostAsync(container);

        var responses = await Task.WhenAll(first.Runs.StartAsync(run, default), second.Runs.StartAsync(run, default));

        Assert.Equal([ApiOutcome.Accepted, ApiOutcome.Conflict], responses.Select(r => r.Outcome).Order().ToArray());
        var (winner, loser) = responses[0].Outcome == ApiOutcome.Accepted ? (first, second) : (second, first);
        output.WriteLine($"refused: {Error(responses.Single(r => r.Outcome == ApiOutcome.Conflict))}");
        Assert.Equal("Completed", RunService.ToView(await WaitAsync(winner, run.RunId)).Status);
        await AssertTrainedOnlyByAsync(winner, loser, run.RunId, [0, 16, 32]);
    }

    [Fact]
    public async Task A_second_host_resuming_a_run_the_first_is_training_is_refused_and_resumes_once_it_ends()
    {
        var container = azurite.NewContainer();
        var run = TestRuns.Small("two-hosts-later", seed: 32) with { Resume = true, Iterations = 3 };
        await using var first = await HostAsync(container);
        await using var second = await HostAsync(container);
        Assert.Equal(ApiOutcome.Accepted, (await first.Runs.StartAsync(run, default)).Outcome);
        await WaitForCheckpointAsync(first, run.RunId, 16);
        var firstAttempt = (await first.Workspace.GetRunAsync(run.RunId, default)).Attempt;

        var refused = await second.Runs.StartAsync(run, default);

        Assert.Equal(ApiOutcome.Conflict, refused.Outcome);
        Assert.Contains("running on another host", Error(refused), StringComparison.Ordinal);
        Assert.True((await first.Durable.GetAsync(run.RunId, default))!.IsActive, "the refusal came while the first host was still training");
        // The refused host's activities would not write the run either: another store holds its lock.
        await Assert.ThrowsAsync<RunLockLostException>(() => second.Workspace.Locks.HoldAsync(run.RunId, default));
        Assert.Equal("Completed", RunService.ToView(await WaitAsync(first, run.RunId)).Status);
        await AssertTrainedOnlyByAsync(first, second, run.RunId, [0, 16, 32, 48]);
        Assert.Equal(firstAttempt, (await first.Workspace.GetRunAsync(run.RunId, default)).Attempt);

        // The run released its lock as it ended: the other host resumes it at once, from the first host's last checkpoint.
        Assert.Equal(ApiOutcome.Accepted, (await second.Runs.StartAsync(run with { Iterations = 1 }, default)).Outcome);
        Assert.Equal("Completed", RunService.ToView(await WaitAsync(second, run.RunId)).Status);
        var record = await second.Workspace.GetRunAsync(run.RunId, default);
        Assert.Equal(3, record.StartIteration);
        Assert.NotEqual(firstAttempt, record.Attempt);
        Assert.Equal([0L, 16, 32, 48, 64], (await second.Workspace.Checkpoints(run.RunId).ListAsync()).Select(c => c.Update));
    }

    [Fact]
    public async Task A_crashed_hosts_lock_blocks_a_resume_only_until_it_lapses()
    {
        var container = azurite.NewContainer();
        var lockDuration = TimeSpan.FromSeconds(4);
        var run = TestRuns.Small("two-hosts-crash", seed: 33) with { Resume = true, Iterations = 3 };
        var first = await HostAsync(container, lockDuration);
        await using var second = await HostAsync(container, lockDuration);
        Assert.Equal(ApiOutcome.Accepted, (await first.Runs.StartAsync(run, default)).Outcome);
        await WaitForCheckpointAsync(first, run.RunId, 16);
        var firstAttempt = (await first.Workspace.GetRunAsync(run.RunId, default)).Attempt;

        // The first host dies mid-run: its in-memory instance is gone and nothing renews the lock any more.
        await first.DisposeAsync();
        var crashed = Stopwatch.StartNew();
        var refused = await second.Runs.StartAsync(run, default);
        Assert.Equal(ApiOutcome.Conflict, refused.Outcome);
        output.WriteLine($"refused right after the crash: {Error(refused)}");

        ApiResponse accepted;
        using (var cts = new CancellationTokenSource(Timeout))
        {
            while ((accepted = await second.Runs.StartAsync(run, default)).Outcome == ApiOutcome.Conflict)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), cts.Token);
            }
        }

        output.WriteLine($"taken over {crashed.Elapsed.TotalSeconds:F1} s after the crash (lock duration {lockDuration.TotalSeconds} s)");
        Assert.Equal(ApiOutcome.Accepted, accepted.Outcome);
        Assert.True(crashed.Elapsed < lockDuration + TimeSpan.FromSeconds(15), $"took over only after {crashed.Elapsed}");
        Assert.Equal("Completed", RunService.ToView(await WaitAsync(second, run.RunId)).Status);

        // The survivor resumed from what the dead host left and finished three iterations from there: one unbroken sequence.
        var record = await second.Workspace.GetRunAsync(run.RunId, default);
        Assert.NotEqual(firstAttempt, record.Attempt);
        Assert.True(record.StartIteration >= 1, $"resumed at iteration {record.StartIteration}");
        var updates = (await second.Workspace.Checkpoints(run.RunId).ListAsync()).Select(c => c.Update).ToList();
        Assert.Equal(Enumerable.Range(0, record.StartIteration + 3 + 1).Select(i => 16L * i), updates);
        foreach (var update in updates)
        {
            await second.Workspace.LoadCheckpointAsync(run.RunId, update, default);
        }

        AssertConsistent((await second.Workspace.Replay(run.RunId).GetManifestAsync())!, record.StartIteration + 2);
    }

    [Fact]
    public async Task A_lock_left_by_an_exited_local_process_is_taken_over_at_once_and_a_live_ones_is_not()
    {
        // What a killed `lineage train` (embedded backend) leaves: a fresh Started lock whose holder process is gone.
        var container = azurite.NewContainer();
        await using var host = await HostAsync(container);
        using var exited = Process.Start("true")!;
        await exited.WaitForExitAsync();
        using var alive = Process.Start("sleep", "60")!;
        try
        {
            var refused = await StartOverLockAsync(host, "held-by-a-live-process", alive.Id);
            var accepted = await StartOverLockAsync(host, "held-by-an-exited-process", exited.Id);

            Assert.Equal(ApiOutcome.Conflict, refused.Outcome);
            Assert.Contains("running on another host", Error(refused), StringComparison.Ordinal);
            Assert.Equal(ApiOutcome.Accepted, accepted.Outcome);
            Assert.Equal("Completed", RunService.ToView(await WaitAsync(host, "held-by-an-exited-process")).Status);
        }
        finally
        {
            alive.Kill();
        }
    }

    /// <summary>Writes the run's lock as a process store on this machine would, then starts the run here.</summary>
    private static async Task<ApiResponse> StartOverLockAsync(LocalRuntime host, string runId, int holderProcessId)
    {
        var store = $"process:{Environment.MachineName}:{holderProcessId}:{Guid.NewGuid():N}";
        await host.Storage.Container.GetBlobClient(RunBlobs.Lock(runId)).UploadAsync(
            BinaryData.FromObjectAsJson(new RunLockRecord(runId, RunLockState.Started, Resume: true, store), LineageJson.Options));
        return await host.Runs.StartAsync(TestRuns.Small(runId) with { Resume = true, Iterations = 1 }, default);
    }

    /// <summary>Only the winner ran anything; the run's blobs are one uninterrupted run's: same bytes as a lone run with the seed.</summary>
    private async Task AssertTrainedOnlyByAsync(LocalRuntime winner, LocalRuntime loser, string runId, long[] updates)
    {
        Assert.Null(await loser.Durable.GetAsync(runId, default));
        Assert.Equal((0, 0), loser.Durable.ExecutionTotals);

        var checkpoints = await winner.Workspace.Checkpoints(runId).ListAsync();
        Assert.Equal(updates, checkpoints.Select(c => c.Update));
        var record = await winner.Workspace.GetRunAsync(runId, default);
        Assert.False(string.IsNullOrEmpty(record.Attempt));
        var manifest = (await winner.Workspace.Replay(runId).GetManifestAsync())!;
        AssertConsistent(manifest, updates.Length - 2);
        var released = await winner.Workspace.Locks.ReadAsync(runId, default);
        Assert.Equal(RunLockState.Released, released!.Record!.State);
        Assert.Equal(winner.Workspace.Locks.Store, released.Record.Store);

        // The reference: the same run alone, in a container of its own.
        await using var alone = await HostAsync(azurite.NewContainer());
        var reference = await TestRuns.RunToEndAsync(alone, record.Run with { Resume = false });
        Assert.Equal("Completed", RunService.ToView(reference).Status);
        Assert.Equal(
            (await alone.Workspace.Checkpoints(runId).ListAsync()).Select(c => (c.Update, c.Sha256)),
            checkpoints.Select(c => (c.Update, c.Sha256)));
        var aloneReplay = alone.Workspace.Replay(runId);
        Assert.Equal(
            await aloneReplay.ComputeContentHashAsync((await aloneReplay.GetManifestAsync())!),
            await winner.Workspace.Replay(runId).ComputeContentHashAsync(manifest));
    }

    private static void AssertConsistent(ReplayManifest manifest, int lastIteration)
    {
        // Each episode's shard once, in iteration order, up to the last trained iteration.
        Assert.Equal(manifest.Shards.Count, manifest.Shards.Select(s => (s.Iteration, s.Episode)).Distinct().Count());
        Assert.Equal(manifest.Shards.OrderBy(s => s.Iteration).ThenBy(s => s.Episode).Select(s => s.Name), manifest.Shards.Select(s => s.Name));
        Assert.Equal(lastIteration, BlobReplayStore.HighWaterIteration(manifest));
    }

    private Task<LocalRuntime> HostAsync(string container, TimeSpan? lockDuration = null) =>
        LocalRuntime.StartAsync(
            new LocalRuntimeOptions
            {
                StorageConnectionString = azurite.ConnectionString,
                Backend = DurableBackendKind.Embedded,
                TaskHub = azurite.NewTaskHub(),
                ContainerName = container,
                RunLockDuration = lockDuration,
            },
            NullLoggerFactory.Instance);

    private static async Task<RunInstance> WaitAsync(LocalRuntime runtime, string runId)
    {
        using var cts = new CancellationTokenSource(Timeout);
        return await runtime.Durable.WaitForCompletionAsync(runId, TimeSpan.FromMilliseconds(100), null, cts.Token);
    }

    private static async Task WaitForCheckpointAsync(LocalRuntime runtime, string runId, long update)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (!(await runtime.Workspace.Checkpoints(runId).ListAsync(cts.Token)).Any(c => c.Update == update))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), cts.Token);
        }
    }

    private static string Error(ApiResponse response) => (response.Body as ErrorBody)?.Error ?? "";
}
