using System.Text.Json;
using Lineage.Hosting;
using Lineage.IntegrationTests.Cli;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Models;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Learning;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Lineage.Policy;
using Lineage.Policy.Checkpoints;
using Lineage.Storage;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Reliability;

/// <summary>
/// The resume matrix: however the first process ended — killed at a crash point, a corrupted latest checkpoint (see also
/// <see cref="RecoveryTests"/>), a refused update, a stop, a new dataset version — `lineage train --resume` in a fresh
/// process continues the run consistently: counters continue, every checkpoint decodes, the replay buffer holds exactly
/// its manifest (no orphan shard), and where the lost work can be redone exactly, it is redone bit for bit.
/// The run: <see cref="TestRuns.Small"/> (4 episodes × 32 steps, 16 updates per iteration), so iteration i trains update 16(i+1).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ResumeMatrixTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    [Theory]
    [InlineData(CrashPoints.ReplayAfterManifestCommit, 2)] // iteration 1 appended, never trained
    [InlineData(CrashPoints.TrainAfterMetrics, 2)] // iteration 1 trained and recorded, retention not applied
    [InlineData(CrashPoints.CheckpointAfterBlob, 3)] // update 32 written, latest not moved
    public async Task Resume_in_a_fresh_process_after_a_killed_train_redoes_the_lost_step_bit_for_bit(string point, int occurrence)
    {
        var run = TestRuns.Small("matrix-crash", seed: 31) with { Iterations = 3 };
        var reference = await ReferenceCheckpointsAsync(run);
        var container = azurite.NewContainer();
        var config = await WriteConfigAsync(run);
        using (var doomed = CliProcess.Start(TrainArgs(config, container, resume: false, iterations: 3), new Dictionary<string, string> { [CrashPoints.Variable] = $"{run.RunId}/{point}/{occurrence}" }))
        {
            Assert.Equal(137, await doomed.WaitForExitAsync(TimeSpan.FromMinutes(3)));
            Assert.Contains($"crash point {point} reached", doomed.Output, StringComparison.Ordinal);
        }

        await ResumeInFreshProcessAsync(config, container, iterations: 2);
        var checkpoints = await AssertConsistentAsync(container, run.RunId);
        // Iteration 1's experiences were in the buffer (or its step was recorded): update 32 is the uninterrupted run's.
        Assert.Equal(reference[32], checkpoints[32]);
    }

    [Fact]
    public async Task Resume_in_a_fresh_process_after_a_refused_update_continues_from_the_last_good_checkpoint()
    {
        var container = azurite.NewContainer();
        var exploding = TestRuns.Small("matrix-refused", seed: 32) with
        {
            Iterations = 3,
            Dqn = new DqnOptions { Optimizer = DqnOptimizer.Sgd, LearningRate = 1e30, MaxGradNorm = 0 },
        };
        await using (var first = await TestRuns.StartAsync(azurite, container: container))
        {
            Assert.Equal("Failed", RunService.ToView(await TestRuns.RunToEndAsync(first, exploding)).Status);
        }

        var fixedRun = exploding with { Dqn = new DqnOptions() };
        var resumed = await ResumeInFreshProcessAsync(await WriteConfigAsync(fixedRun), container, iterations: 2);
        Assert.Contains("never trained", resumed, StringComparison.Ordinal);
        var checkpoints = await AssertConsistentAsync(container, exploding.RunId);
        Assert.Equal(16 * 2, checkpoints.Keys.Max());
    }

    [Fact]
    public async Task Resume_in_a_fresh_process_after_a_stop_continues_the_counters()
    {
        var container = azurite.NewContainer();
        var run = TestRuns.Small("matrix-stop", seed: 33) with { Iterations = 6 };
        long stoppedAt;
        await using (var first = await TestRuns.StartAsync(azurite, container: container))
        {
            Assert.Equal(ApiOutcome.Accepted, (await first.Runs.StartAsync(run, default)).Outcome);
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            while ((await first.Workspace.Checkpoints(run.RunId).ListAsync(cts.Token)).All(c => c.Update < 16))
            {
                await Task.Delay(50, cts.Token);
            }

            Assert.Equal(ApiOutcome.Accepted, (await first.Runs.StopAsync(run.RunId, default)).Outcome);
            var stopped = RunService.ToView(await first.Durable.WaitForCompletionAsync(run.RunId, TimeSpan.FromMilliseconds(100), null, cts.Token));
            Assert.Equal("Stopped", stopped.Status);
            stoppedAt = stopped.Result!.FinalCheckpoint;
            Assert.True(stoppedAt < 6 * 16, $"the stop came too late to test anything (update {stoppedAt})");
        }

        await ResumeInFreshProcessAsync(await WriteConfigAsync(run), container, iterations: 1);
        var checkpoints = await AssertConsistentAsync(container, run.RunId);
        Assert.Equal(stoppedAt + 16, checkpoints.Keys.Max());
    }

    [Fact]
    public async Task Resume_in_a_fresh_process_on_a_new_dataset_version_trains_on_it_through_the_same_normaliser()
    {
        var container = azurite.NewContainer();
        var run = TestRuns.Small("matrix-data", seed: 34) with { Dataset = "dataset:matrix", Iterations = 2 };
        RunRecord before;
        await using (var first = await TestRuns.StartAsync(azurite, container: container))
        {
            var datasets = first.Services.GetRequiredService<DatasetRegistry>();
            await datasets.PushAsync("matrix", ModelsHarness.Csv(600, seed: 1), "test", default);
            Assert.Equal("Completed", RunService.ToView(await TestRuns.RunToEndAsync(first, run)).Status);
            before = await first.Workspace.GetRunAsync(run.RunId, default);
            await datasets.PushAsync("matrix", ModelsHarness.Csv(700, seed: 2), "test", default);
        }

        await ResumeInFreshProcessAsync(await WriteConfigAsync(run), container, iterations: 1);
        await AssertConsistentAsync(container, run.RunId);
        await using var reader = await TestRuns.StartAsync(azurite, container: container);
        var after = await reader.Workspace.GetRunAsync(run.RunId, default);
        Assert.Equal((1, 2), (before.Experiment!.DatasetVersion, after.Experiment!.DatasetVersion));
        Assert.NotEqual(before.DataFingerprint, after.DataFingerprint);
        Assert.Equal(2, after.StartIteration);
        Assert.Equal(JsonSerializer.Serialize(before.Normalizer, LineageJson.Options), JsonSerializer.Serialize(after.Normalizer, LineageJson.Options));
    }

    /// <summary>The uninterrupted run's checkpoint hashes by update (checkpoints are content-hashed in their metadata).</summary>
    private async Task<Dictionary<long, string>> ReferenceCheckpointsAsync(TrainingRun run)
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        Assert.Equal("Completed", RunService.ToView(await TestRuns.RunToEndAsync(runtime, run)).Status);
        return (await runtime.Workspace.Checkpoints(run.RunId).ListAsync()).ToDictionary(c => c.Update, c => c.Sha256);
    }

    private static async Task<string> WriteConfigAsync(TrainingRun run)
    {
        var config = Path.Combine(Path.GetTempPath(), $"lineage-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(run, LineageJson.Options));
        return config;
    }

    private string[] TrainArgs(string config, string container, bool resume, int iterations)
    {
        var report = Path.Combine(Path.GetTempPath(), $"lineage-report-{Guid.NewGuid():N}");
        string[] args = ["train", "--config", config, "--iterations", iterations.ToString(System.Globalization.CultureInfo.InvariantCulture), "--storage", azurite.ConnectionString, "--container", container, "--out", report];
        return resume ? [.. args, "--resume"] : args;
    }

    private async Task<string> ResumeInFreshProcessAsync(string config, string container, int iterations)
    {
        using var cli = CliProcess.Start(TrainArgs(config, container, resume: true, iterations));
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(3));
        output.WriteLine(cli.Output);
        Assert.Equal(0, exit);
        Assert.Contains("Completed", cli.Output, StringComparison.Ordinal);
        return cli.Output;
    }

    /// <summary>
    /// Read from a fresh runtime: latest names the newest checkpoint and every checkpoint decodes; the buffer holds exactly
    /// its manifest's shards; one metrics record per trained iteration. Returns the checkpoints' hashes by update.
    /// </summary>
    private async Task<Dictionary<long, string>> AssertConsistentAsync(string container, string runId)
    {
        await using var runtime = await TestRuns.StartAsync(azurite, container: container);
        var store = runtime.Workspace.Checkpoints(runId);
        var checkpoints = await store.ListAsync();
        var latest = await store.LoadLatestAsync(b => CheckpointCodec.Decode(b));
        Assert.NotNull(latest);
        Assert.Empty(latest.Value.Warnings);
        Assert.Equal(checkpoints.Max(c => c.Update), latest.Value.Ref.Update);
        foreach (var checkpoint in checkpoints)
        {
            CheckpointCodec.Decode((await store.DownloadAsync(checkpoint.Update))!);
        }

        var replay = runtime.Workspace.Replay(runId);
        var manifest = (await replay.GetManifestAsync())!;
        var shardBlobs = new List<string>();
        await foreach (var item in runtime.Storage.Container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = RunBlobs.Replay(runId) + "shards/" }))
        {
            shardBlobs.Add(item.Name);
        }

        Assert.Equal(manifest.Shards.Select(s => replay.ShardBlobName(s.Name)).Order(StringComparer.Ordinal), shardBlobs.Order(StringComparer.Ordinal));
        var record = await runtime.Workspace.GetRunAsync(runId, default);
        var metrics = new List<string>();
        await foreach (var item in runtime.Storage.Container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = RunBlobs.MetricsFolder(runId) }))
        {
            metrics.Add(item.Name);
        }

        Assert.Equal(record.StartIteration + record.Run.Iterations, metrics.Count);
        Assert.Equal(BlobReplayStore.HighWaterIteration(manifest), record.StartIteration + record.Run.Iterations - 1);
        return checkpoints.ToDictionary(c => c.Update, c => c.Sha256);
    }
}
