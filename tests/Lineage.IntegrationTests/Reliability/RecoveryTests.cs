using System.Text.Json;
using Lineage.Hosting;
using Lineage.IntegrationTests.Cli;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Reliability;

/// <summary>
/// Recovery defects of issue 13, each finished by a fresh process or a fresh runtime (cold caches: a warm shard cache once
/// hid the first of them). The run is the same small run as elsewhere: 3 iterations × 4 episodes × 32 steps, 16 updates each,
/// so checkpoints are updates 0, 16, 32, 48.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class RecoveryTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Resume_after_a_checkpoint_fallback_retrains_the_lost_step_bit_for_bit_and_never_wedges()
    {
        var container = azurite.NewContainer();
        var run = TestRuns.Small("fallback", seed: 11) with { Iterations = 3 };
        string originalSha;
        string originalShard;
        await using (var first = await TestRuns.StartAsync(azurite, container: container))
        {
            Assert.Equal("Completed", RunService.ToView(await TestRuns.RunToEndAsync(first, run)).Status);
            originalSha = (await first.Workspace.Checkpoints(run.RunId).ListAsync()).Single(c => c.Update == 48).Sha256;
            originalShard = (await first.Workspace.Replay(run.RunId).GetManifestAsync())!.Shards.Single(s => s.Name == "000002-0000.bin").ETag;
            var latest = first.Storage.Container.GetBlobClient(first.Workspace.Checkpoints(run.RunId).CheckpointBlobName(48));
            var bytes = (await latest.DownloadContentAsync()).Value.Content.ToArray();
            bytes[bytes.Length / 2] ^= 0xFF;
            await latest.UploadAsync(BinaryData.FromBytes(bytes), overwrite: true);
        }

        // The reproduction from the issue: `train --run-id … --resume --iterations 2` in a new process.
        var config = Path.Combine(Path.GetTempPath(), $"lineage-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(run, LineageJson.Options));
        var report = Directory.CreateTempSubdirectory("lineage-report").FullName;
        using (var cli = CliProcess.Start(
            ["train", "--config", config, "--resume", "--iterations", "2", "--storage", azurite.ConnectionString, "--container", container, "--out", report]))
        {
            var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(3));
            output.WriteLine(cli.Output);
            Assert.Equal(0, exit);
            Assert.Contains("Completed", cli.Output, StringComparison.Ordinal);
        }

        // A second resume from another fresh runtime: before the fix every later resume failed the same way.
        await using var again = await TestRuns.StartAsync(azurite, container: container);
        var resumed = RunService.ToView(await TestRuns.RunToEndAsync(again, run with { Resume = true, Iterations = 1 }));
        Assert.Equal("Completed", resumed.Status);

        var checkpoints = await again.Workspace.Checkpoints(run.RunId).ListAsync();
        // Iteration 2 was trained again from checkpoint 32 on the very experiences it had appended: the same bytes.
        Assert.Equal(originalSha, checkpoints.Single(c => c.Update == 48).Sha256);
        Assert.Equal(80, checkpoints.Max(c => c.Update));
        var manifest = (await again.Workspace.Replay(run.RunId).GetManifestAsync())!;
        Assert.Equal(originalShard, manifest.Shards.Single(s => s.Name == "000002-0000.bin").ETag);
        Assert.Equal(4, BlobReplayStore.HighWaterIteration(manifest));
        File.Delete(config);
        Directory.Delete(report, recursive: true);
    }

    [Fact]
    public async Task Resume_when_the_buffer_is_ahead_of_every_valid_checkpoint_drops_the_later_iterations_and_says_so()
    {
        var container = azurite.NewContainer();
        var run = TestRuns.Small("far-ahead", seed: 12) with { Iterations = 3 };
        await using (var first = await TestRuns.StartAsync(azurite, container: container))
        {
            await TestRuns.RunToEndAsync(first, run);
            foreach (var update in new long[] { 32, 48 })
            {
                var blob = first.Storage.Container.GetBlobClient(first.Workspace.Checkpoints(run.RunId).CheckpointBlobName(update));
                await blob.UploadAsync(BinaryData.FromBytes([1, 2, 3]), overwrite: true);
            }
        }

        await using var fresh = await TestRuns.StartAsync(azurite, container: container);
        var resumed = RunService.ToView(await TestRuns.RunToEndAsync(fresh, run with { Resume = true, Iterations = 2 }));

        Assert.Equal("Completed", resumed.Status);
        Assert.Contains(resumed.Result!.Notes, n => n.Contains("held iterations up to 2", StringComparison.Ordinal));
        Assert.Contains(resumed.Result.Notes, n => n.Contains("Iteration 1 was appended to the replay buffer but never trained", StringComparison.Ordinal));
        Assert.Equal(2, BlobReplayStore.HighWaterIteration(await fresh.Workspace.Replay(run.RunId).GetManifestAsync()));
    }

    [Fact]
    public async Task PrepareRun_retried_after_it_wrote_checkpoint_zero_prepares_the_same_fresh_run()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var prepare = runtime.Services.GetRequiredService<PrepareRunActivity>();
        var input = new PrepareInput(TestRuns.Small("prepare-twice"), "attempt-1");

        var first = await prepare.ExecuteAsync(input, default);
        var retried = await prepare.ExecuteAsync(input, default);

        Assert.Equal(first with { Warnings = [] }, retried with { Warnings = [] });
        Assert.Equal(0, retried.StartIteration);
        Assert.False(retried.Resumed);
        // Another attempt (a second start of the same fresh run id) is still refused.
        var other = await Assert.ThrowsAsync<InvalidOperationException>(() => prepare.ExecuteAsync(input with { Attempt = "attempt-2" }, default));
        Assert.Contains("already has checkpoints", other.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainStep_retried_after_it_saved_priorities_but_not_its_checkpoint_writes_the_same_checkpoint()
    {
        var container = azurite.NewContainer();
        var run = TestRuns.Small("per-retry", seed: 13) with { Iterations = 1, PrioritizedReplay = true };
        TrainStepInput input;
        string uninterrupted;
        await using (var first = await TestRuns.StartAsync(azurite, container: container))
        {
            await TestRuns.RunToEndAsync(first, run);
            var metrics = (await first.Workspace.ReadJsonAsync<IterationMetrics>(RunBlobs.Metrics(run.RunId, 0), default))!;
            var acted = (await first.Workspace.ReadJsonAsync<ActingRecord>(RunBlobs.Acting(run.RunId, 0), default))!;
            input = new TrainStepInput(run.RunId, 0, run.UpdatesPerIteration, 0, metrics.Acting, metrics.BufferCount, acted.PriorityBeta, []);
            uninterrupted = (await first.Workspace.Checkpoints(run.RunId).ListAsync()).Single(c => c.Update == 16).Sha256;

            // The worker died after saving the step's priorities, before its checkpoint and metrics were written.
            await first.Storage.Container.GetBlobClient(first.Workspace.Checkpoints(run.RunId).CheckpointBlobName(16)).DeleteAsync();
            await first.Storage.Container.GetBlobClient(RunBlobs.Metrics(run.RunId, 0)).DeleteAsync();
        }

        await using var fresh = await TestRuns.StartAsync(azurite, container: container);
        var retried = await fresh.Services.GetRequiredService<TrainStepActivity>().ExecuteAsync(input, default);

        Assert.Equal(16, retried.CheckpointUpdate);
        Assert.Equal(uninterrupted, (await fresh.Workspace.Checkpoints(run.RunId).ListAsync()).Single(c => c.Update == 16).Sha256);
    }

    [Fact]
    public async Task A_run_applies_no_retention_so_another_models_unreadable_pointer_cannot_touch_it()
    {
        var container = azurite.NewContainer();
        await using var runtime = await TestRuns.StartAsync(azurite, container: container);
        // Another model's champion pointer is unreadable: retention (which lists every champion) would throw.
        await runtime.Storage.Container.GetBlobClient("models/other/champion.json").UploadAsync(BinaryData.FromString("{not json"), overwrite: true);

        var final = RunService.ToView(await TestRuns.RunToEndAsync(runtime, TestRuns.Small("retention-fails")));

        Assert.Equal("Completed", final.Status);
        Assert.DoesNotContain(final.Result!.Notes, n => n.Contains("retention", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Found by `lineage nightly` on its 4th night: a resumed run's best checkpoint of this start was not the run's best
    /// ever (an earlier night's scored higher) nor among the newest kept, and the validation evaluation of a later
    /// checkpoint applied retention without the orchestration's protect list — the run then failed at its test
    /// evaluation ("checkpoint … does not exist"). A fresh run hid it: there the start's best is the run's best.
    /// </summary>
    [Fact]
    public async Task Validation_evaluation_keeps_the_orchestrations_selected_checkpoint_when_an_earlier_start_scored_higher()
    {
        var container = azurite.NewContainer();
        var run = TestRuns.Small("protect-on-resume", seed: 17) with { Iterations = 3 };
        await using (var first = await TestRuns.StartAsync(azurite, container: container))
        {
            Assert.Equal("Completed", RunService.ToView(await TestRuns.RunToEndAsync(first, run)).Status);
        }

        await using var fresh = await LocalRuntime.StartAsync(
            new LocalRuntimeOptions
            {
                StorageConnectionString = azurite.ConnectionString,
                TaskHub = azurite.NewTaskHub(),
                ContainerName = container,
                Settings = new Dictionary<string, string?> { ["Lineage:Storage:CheckpointsToKeep"] = "1" },
            },
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var checkpoints = fresh.Workspace.Checkpoints(run.RunId);
        Assert.Equal([0L, 16, 32, 48], (await checkpoints.ListAsync()).Select(c => c.Update));
        await checkpoints.RecordScoreAsync(0, 1e9, [16, 32]); // an earlier start's best: retention keeps it whatever comes after

        // This start selected update 16; the evaluation of update 48 must keep it.
        await fresh.Services.GetRequiredService<EvaluateActivity>().ExecuteAsync(new EvaluateInput(run.RunId, 2, 48, Splits.Validation, [16]), default);

        Assert.Equal([0L, 16, 48], (await checkpoints.ListAsync()).Select(c => c.Update));
    }

    [Fact]
    public async Task Run_that_performed_no_update_is_never_promoted()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        // 2 iterations × 4 episodes × 32 steps = 256 experiences, never reaching learning start 5,000: no update at all.
        var final = RunService.ToView(await TestRuns.RunToEndAsync(runtime, TestRuns.Small("no-update") with { LearningStarts = 5_000 }));

        Assert.Equal("Completed", final.Status);
        Assert.Equal(0, final.Result!.FinalCheckpoint);
        Assert.Contains(final.Result.Notes, n => n.StartsWith("Not a candidate for promotion", StringComparison.Ordinal));
        // The model exists (its first run fixed its splits) but has no champion and no decision: the gate never ran.
        var champions = runtime.Services.GetRequiredService<ChampionStore>();
        Assert.Null(await champions.GetAsync("synthetic-trend", default));
        Assert.Empty(await champions.DecisionsAsync("synthetic-trend", default));
    }

    [Fact]
    public void Custom_status_stays_under_16_KB_however_many_episodes_fail_and_notes_pile_up()
    {
        var run = TestRuns.Small("status") with { EpisodesPerIteration = 1000, MaxParallelEpisodes = 1000 };
        var notes = Enumerable.Range(0, 200).Select(i => $"note {i}: " + new string('x', 5_000)).ToList();
        var state = new TrainingState { Run = run, Notes = notes };

        var progress = TrainingOrchestrator.Progress(state, "Acting", 3, 1000, Enumerable.Range(0, 1000).ToList(), 1.5);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(progress, LineageJson.Options).Length;

        Assert.True(bytes < 16 * 1024, $"custom status is {bytes} bytes");
        Assert.Equal(1000, progress.FailedEpisodeCount);
        Assert.StartsWith("note 199", progress.Notes[^1], StringComparison.Ordinal);
    }
}
