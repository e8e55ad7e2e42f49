using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Training;
using Lineage.Storage;

namespace Lineage.IntegrationTests.Reliability;

/// <summary>Episodes that fail every retry: tolerated up to the configured fraction, reported, deterministic buffer.</summary>
[Collection(TorchCollection.Name)]
public sealed class EpisodeFailureTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Iteration_goes_on_when_enough_episodes_succeed_and_records_which_failed()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var run = TestRuns.Small("one-episode-fails");
        using var fault = new EnvironmentVariable("LINEAGE_FAULT_FAIL_EPISODE", "one-episode-fails/1/2");

        var view = RunService.ToView(await TestRuns.RunToEndAsync(runtime, run));

        Assert.Equal("Completed", view.Status);
        Assert.Contains(view.Result!.Notes, n => n.Contains("Iteration 1: episodes 2 failed", StringComparison.Ordinal));
        var metrics = await runtime.Workspace.ReadJsonAsync<IterationMetrics>(RunBlobs.Metrics(run.RunId, 1), default);
        Assert.Equal([2], metrics!.Acting.FailedEpisodes);
        var manifest = await runtime.Workspace.Replay(run.RunId).GetManifestAsync();
        Assert.Equal((4 + 3) * 32, manifest!.LiveCount);
        Assert.DoesNotContain(manifest.Shards, s => s.Name == "000001-0002.bin");
    }

    [Fact]
    public async Task Run_fails_with_the_reason_when_too_few_episodes_succeed()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var run = TestRuns.Small("half-the-episodes-fail");
        using var fault = new EnvironmentVariable("LINEAGE_FAULT_FAIL_EPISODE", "half-the-episodes-fail/0/1,half-the-episodes-fail/0/3");

        var view = RunService.ToView(await TestRuns.RunToEndAsync(runtime, run));

        Assert.Equal("Failed", view.Status);
        Assert.Contains("only 2 of 4 episodes succeeded", view.Failure, StringComparison.Ordinal);
        Assert.Contains("failed episodes: 1, 3", view.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_actor_that_fails_loses_all_its_episodes_and_the_iteration_goes_on_without_them()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        // 8 episodes in 4 actors of 2; episode 5 fails every retry, so its actor (episodes 4 and 5) fails.
        var run = TestRuns.Small("actor-fails") with { EpisodesPerIteration = 8, EpisodesPerActivity = 2 };
        using var fault = new EnvironmentVariable("LINEAGE_FAULT_FAIL_EPISODE", "actor-fails/1/5");

        var view = RunService.ToView(await TestRuns.RunToEndAsync(runtime, run));

        Assert.Equal("Completed", view.Status);
        Assert.Contains(view.Result!.Notes, n => n.Contains("Iteration 1: episodes 4, 5 failed", StringComparison.Ordinal));
        var metrics = await runtime.Workspace.ReadJsonAsync<IterationMetrics>(RunBlobs.Metrics(run.RunId, 1), default);
        Assert.Equal([4, 5], metrics!.Acting.FailedEpisodes);
        var manifest = await runtime.Workspace.Replay(run.RunId).GetManifestAsync();
        Assert.Equal((8 + 6) * 32, manifest!.LiveCount);
        Assert.DoesNotContain(manifest.Shards, s => s.Name is "000001-0004.bin" or "000001-0005.bin");
    }

    private sealed class EnvironmentVariable : IDisposable
    {
        private readonly string _name;

        public EnvironmentVariable(string name, string value)
        {
            _name = name;
            Environment.SetEnvironmentVariable(name, value);
        }

        public void Dispose() => Environment.SetEnvironmentVariable(_name, null);
    }
}
