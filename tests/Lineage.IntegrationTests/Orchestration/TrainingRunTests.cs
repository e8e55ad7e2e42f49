using System.Text.Json;
using Azure.Storage.Blobs.Models;
using DurableTask.Core.History;
using Lineage.Hosting;
using Lineage.IntegrationTests.Learning;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Training;
using Lineage.Policy.Checkpoints;
using Lineage.Storage;

namespace Lineage.IntegrationTests.Orchestration;

/// <summary>The real orchestration on a real Durable backend, real blobs in Azurite, a real TorchSharp learner.</summary>
[Collection(TorchCollection.Name)]
public sealed class TrainingRunTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Theory]
    [InlineData(DurableBackendKind.Embedded)]
    [InlineData(DurableBackendKind.AzureStorage)]
    public async Task Small_run_writes_shards_buffer_checkpoints_and_metrics(DurableBackendKind backend)
    {
        await using var runtime = await TestRuns.StartAsync(azurite, backend);
        var run = TestRuns.Small("small-run");

        var final = await TestRuns.RunToEndAsync(runtime, run);

        var view = RunService.ToView(final);
        Assert.Equal("Completed", view.Status);
        var blobs = await ListAsync(runtime, "runs/small-run/");
        Assert.Equal(8, blobs.Count(b => b.Contains("/replay/shards/", StringComparison.Ordinal)));
        var manifest = await runtime.Workspace.Replay(run.RunId).GetManifestAsync();
        Assert.Equal(2 * 4 * 32, manifest!.LiveCount);
        var checkpoints = await runtime.Workspace.Checkpoints(run.RunId).ListAsync();
        Assert.Equal([0L, 16L, 32L], checkpoints.Select(c => c.Update).Order().ToArray());
        for (var iteration = 0; iteration < 2; iteration++)
        {
            var metrics = await runtime.Workspace.ReadJsonAsync<IterationMetrics>(RunBlobs.Metrics(run.RunId, iteration), default);
            Assert.NotNull(metrics);
            Assert.Equal(16, metrics.Train.UpdatesDone);
            Assert.True(double.IsFinite(metrics.Train.MeanLoss) && metrics.Train.MeanLoss > 0, $"loss {metrics.Train.MeanLoss}");
            Assert.Equal(4, metrics.Acting.EpisodesSucceeded);
        }

        Assert.NotNull(view.Progress);
        Assert.Equal(256, view.Progress.BufferCount);
        Assert.Equal(32, view.Progress.LatestCheckpoint);
        Assert.NotNull(view.Result?.Test);
        Assert.Equal(Splits.Test, view.Result.Test.Split);
    }

    [Fact]
    public async Task History_shows_the_activities_the_design_promises()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var run = TestRuns.Small("history-run") with { Iterations = 3, IterationsPerGeneration = 2 };

        await TestRuns.RunToEndAsync(runtime, run);

        var scheduled = runtime.Durable.GetHistory(run.RunId).OfType<TaskScheduledEvent>()
            .GroupBy(e => e.Name).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(1, scheduled[ActivityNames.PrepareRun]);
        Assert.Equal(3 * 4, scheduled[ActivityNames.RunEpisode]);
        Assert.Equal(3, scheduled[ActivityNames.AppendExperiences]);
        Assert.Equal(3, scheduled[ActivityNames.TrainStep]);
        Assert.Equal(3 + 1, scheduled[ActivityNames.Evaluate]);
        // Two generations: ContinueAsNew after iteration 2 kept the history short.
        Assert.Equal(2, runtime.Durable.GetHistory(run.RunId).OfType<ExecutionStartedEvent>().Count());
    }

    [Fact]
    public async Task Orchestrator_replays_run_no_activity_twice()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var run = TestRuns.Small("replay-run");

        await TestRuns.RunToEndAsync(runtime, run);

        // The orchestrator ran once per history event batch, replaying everything before it each time;
        // the work it scheduled ran exactly once per TaskScheduled event.
        var (orchestratorRuns, activityRuns) = runtime.Durable.GetExecutionCounts(run.RunId);
        var scheduled = runtime.Durable.GetHistory(run.RunId).OfType<TaskScheduledEvent>().GroupBy(e => e.Name!).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(orchestratorRuns > 10, $"{orchestratorRuns} orchestrator executions");
        Assert.Equal(scheduled.OrderBy(p => p.Key), activityRuns.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task Same_seed_gives_bit_identical_final_weights()
    {
        await using var first = await TestRuns.StartAsync(azurite);
        await using var second = await TestRuns.StartAsync(azurite);

        await TestRuns.RunToEndAsync(first, TestRuns.Small("det-a", seed: 11));
        await TestRuns.RunToEndAsync(second, TestRuns.Small("det-b", seed: 11));

        var a = await first.Workspace.LoadCheckpointAsync("det-a", 32, default);
        var b = await second.Workspace.LoadCheckpointAsync("det-b", 32, default);
        Assert.Equal(a.OnlineWeights.Count, b.OnlineWeights.Count);
        Assert.All(a.OnlineWeights.Zip(b.OnlineWeights), pair => Assert.True(pair.First.BitwiseEquals(pair.Second), pair.First.Name));
        var hashA = await first.Workspace.Replay("det-a").ComputeContentHashAsync((await first.Workspace.Replay("det-a").GetManifestAsync())!);
        var hashB = await second.Workspace.Replay("det-b").ComputeContentHashAsync((await second.Workspace.Replay("det-b").GetManifestAsync())!);
        Assert.Equal(hashA, hashB);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Actors_playing_several_episodes_give_the_same_run_bit_for_bit(int episodesPerActivity)
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var single = TestRuns.Small($"actors-1-{episodesPerActivity}", seed: 13);
        var actors = TestRuns.Small($"actors-{episodesPerActivity}", seed: 13) with { EpisodesPerActivity = episodesPerActivity };

        await TestRuns.RunToEndAsync(runtime, single);
        var final = await TestRuns.RunToEndAsync(runtime, actors);

        // 4 episodes an iteration: actors of 2 (2 activities) or of 3 and 1 (a RunEpisodes and a RunEpisode).
        var scheduled = runtime.Durable.GetHistory(actors.RunId).OfType<TaskScheduledEvent>().GroupBy(e => e.Name).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(2 * (episodesPerActivity == 2 ? 2 : 1), scheduled[ActivityNames.RunEpisodes]);
        Assert.Equal(episodesPerActivity == 2 ? 0 : 2, scheduled.GetValueOrDefault(ActivityNames.RunEpisode));
        Assert.Equal("Completed", RunService.ToView(final).Status);
        // Same shards in the same order, so the same buffer and the same learner: same weights, bit for bit.
        var a = await runtime.Workspace.LoadCheckpointAsync(single.RunId, 32, default);
        var b = await runtime.Workspace.LoadCheckpointAsync(actors.RunId, 32, default);
        Assert.All(a.OnlineWeights.Zip(b.OnlineWeights), pair => Assert.True(pair.First.BitwiseEquals(pair.Second), pair.First.Name));
        var hashA = await runtime.Workspace.Replay(single.RunId).ComputeContentHashAsync((await runtime.Workspace.Replay(single.RunId).GetManifestAsync())!);
        var hashB = await runtime.Workspace.Replay(actors.RunId).ComputeContentHashAsync((await runtime.Workspace.Replay(actors.RunId).GetManifestAsync())!);
        Assert.Equal(hashA, hashB);
    }

    [Fact]
    public async Task An_n_step_run_stores_n_step_transitions_and_trains_on_them()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var run = TestRuns.Small("nstep", seed: 3) with { NStep = 3 };

        var final = await TestRuns.RunToEndAsync(runtime, run);

        Assert.Equal("Completed", RunService.ToView(final).Status);
        var replay = runtime.Workspace.Replay(run.RunId);
        var buffer = await replay.LoadAsync((await replay.GetManifestAsync())!);
        Assert.Equal(2 * 4 * 32, buffer.Count);
        // 32-step episodes: 30 transitions of 3 steps each, then the episode's end shortens the last two to 2 and 1.
        Assert.Equal(2 * 4 * 30, buffer.Count(e => e.Steps == 3));
        Assert.All(buffer, e => Assert.InRange(e.Steps, 1, 3));
        Assert.NotNull(await runtime.Workspace.LoadCheckpointAsync(run.RunId, 32, default));
    }

    [Fact]
    public async Task Resuming_a_finished_run_continues_its_counters()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var run = TestRuns.Small("resume-run");
        await TestRuns.RunToEndAsync(runtime, run);

        var again = await runtime.Runs.StartAsync(run, default);
        Assert.Equal(ApiOutcome.Conflict, again.Outcome);
        var resumed = await TestRuns.RunToEndAsync(runtime, run with { Resume = true });

        var view = RunService.ToView(resumed);
        Assert.Equal("Completed", view.Status);
        Assert.Equal(64, view.Result!.FinalCheckpoint);
        Assert.NotNull(await runtime.Workspace.ReadJsonAsync<IterationMetrics>(RunBlobs.Metrics(run.RunId, 3), default));
        var latest = await runtime.Workspace.LoadCheckpointAsync(run.RunId, 64, default);
        Assert.Equal(3, CheckpointContext.FromJson(latest.ContextJson).Iteration);
        Assert.Equal(64, latest.UpdateCount);
    }

    [Fact]
    public async Task Stop_request_ends_the_run_as_stopped_with_a_valid_latest_checkpoint()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var run = TestRuns.Small("stop-run") with { Iterations = 200, EvaluateEvery = 0 };
        Assert.Equal(ApiOutcome.Accepted, (await runtime.Runs.StartAsync(run, default)).Outcome);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (RunService.ToView((await runtime.Durable.GetAsync(run.RunId, cts.Token))!).Progress is not { Iteration: >= 1 })
        {
            await Task.Delay(50, cts.Token);
        }

        Assert.Equal(ApiOutcome.Accepted, (await runtime.Runs.StopAsync(run.RunId, cts.Token)).Outcome);
        var final = await runtime.Durable.WaitForCompletionAsync(run.RunId, TimeSpan.FromMilliseconds(100), null, cts.Token);

        var view = RunService.ToView(final);
        Assert.Equal("Stopped", view.Status);
        Assert.True(view.Result!.IterationsCompleted < 200);
        var latest = await runtime.Workspace.Checkpoints(run.RunId).LoadLatestAsync(bytes => CheckpointCodec.Decode(bytes));
        Assert.NotNull(latest);
        Assert.Empty(latest.Value.Warnings);
        Assert.Equal(view.Result.FinalCheckpoint, latest.Value.Ref.Update);
    }

    [Fact]
    public async Task Stop_requested_around_a_continue_as_new_is_honoured_by_the_next_generation()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        // Every iteration ends its generation: the stop lands while the orchestration continues as new.
        var run = TestRuns.Small("stop-can") with { Iterations = 200, EvaluateEvery = 0, IterationsPerGeneration = 1 };
        Assert.Equal(ApiOutcome.Accepted, (await runtime.Runs.StartAsync(run, default)).Outcome);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (RunService.ToView((await runtime.Durable.GetAsync(run.RunId, cts.Token))!).Progress is not { Iteration: >= 1 })
        {
            await Task.Delay(20, cts.Token);
        }

        Assert.Equal(ApiOutcome.Accepted, (await runtime.Runs.StopAsync(run.RunId, cts.Token)).Outcome);
        var final = await runtime.Durable.WaitForCompletionAsync(run.RunId, TimeSpan.FromMilliseconds(100), null, cts.Token);

        var view = RunService.ToView(final);
        Assert.Equal("Stopped", view.Status);
        Assert.True(view.Result!.IterationsCompleted < 10, $"stopped after {view.Result.IterationsCompleted} iterations");
    }

    private static async Task<List<string>> ListAsync(LocalRuntime runtime, string prefix)
    {
        var names = new List<string>();
        await foreach (var blob in runtime.Storage.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, default))
        {
            names.Add(blob.Name);
        }

        return names;
    }
}
