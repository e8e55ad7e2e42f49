using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Experiments;
using Lineage.Orchestration.Runs;
using Lineage.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Lineage.IntegrationTests.Models;

/// <summary>The nightly path end to end: the real orchestration on a real Durable backend, a pushed dataset in Azurite, TorchSharp training.</summary>
[Collection(TorchCollection.Name)]
public sealed class NightlyRetrainingTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Nightly_run_on_a_dataset_reference_trains_on_the_newest_version_records_it_and_decides_promotion()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var datasets = runtime.Services.GetRequiredService<DatasetRegistry>();
        await datasets.PushAsync("nightly-data", ModelsHarness.Csv(400, seed: 1), "test", default);
        var newest = (await datasets.PushAsync("nightly-data", ModelsHarness.Csv(460, seed: 2), "test", default)).Version;
        var nightly = new NightlyOptions { RunId = "nightly-test", Dataset = "dataset:nightly-data", Iterations = 2 };
        // The harness's CSVs are dated years back: the freshness limit is lifted here and tested below.
        var run = nightly.ToTrainingRun(DateTimeOffset.UtcNow) with { EpisodesPerIteration = 2, MaxParallelEpisodes = 2, StepsPerEpisode = 32, UpdatesPerIteration = 8, LearningStarts = 0, EvaluateEvery = 1, MaxDataAgeDays = 36_500 };

        var final = await TestRuns.RunToEndAsync(runtime, run);

        Assert.Equal("Completed", RunService.ToView(final).Status);
        var record = await runtime.Workspace.GetRunAsync("nightly-test", default);
        Assert.Equal(newest.Reference, record.Run.Dataset);
        Assert.Equal("dataset:nightly-data", record.Experiment!.DatasetReference);
        Assert.Equal(2, record.Experiment.DatasetVersion);
        Assert.Equal(newest.Sha256, record.Experiment.DatasetSha256);
        var expected = await DatasetLoader.LoadAsync(run with { Dataset = newest.Reference }, record.Splits, runtime.Storage.Container, default);
        Assert.Equal(expected.Fingerprint, record.DataFingerprint);
        Assert.Equal(expected.Fingerprint, record.Experiment.DataFingerprint);
        Assert.Contains("+", record.Experiment.CodeVersion, StringComparison.Ordinal);

        var champions = runtime.Services.GetRequiredService<ChampionStore>();
        var decisions = await champions.DecisionsAsync("nightly-data", default);
        var decision = Assert.Single(decisions);
        Assert.Equal("nightly-test", decision.RunId);
        // A two-iteration model rarely beats buy-and-hold significantly: the gate decides either way, and says why.
        Assert.NotNull(decision.VsBuyAndHold);
        Assert.Equal(decision.Promoted, decision.FailedTest is null);
        Assert.Equal(expected.Promotion!.Fingerprint(), decision.WindowFingerprint);
        Assert.Equal(decision.Promoted ? "nightly-test" : null, (await champions.GetAsync("nightly-data", default))?.Champion.RunId);
        var runFinal = await runtime.Workspace.ReadJsonAsync<RunFinal>(RunBlobs.Final("nightly-test"), default);
        Assert.Equal(decision, runFinal!.Decision);
        // The gate played the model's promotion window, bars after the run's test window that the run never reported on.
        Assert.True(decision.WindowStart > expected.Test.Times[^1], $"gate window from {decision.WindowStart} overlaps the test window ending {expected.Test.Times[^1]}");
        Assert.Equal(expected.Promotion.Times[^1], decision.WindowEnd);
        Assert.NotEqual(expected.Test.Fingerprint(), decision.WindowFingerprint);

        // A newer upload after preparation does not change what this run's activities load.
        await datasets.PushAsync("nightly-data", ModelsHarness.Csv(500, seed: 3), "test", default);
        Assert.Equal(record.DataFingerprint, (await runtime.Workspace.GetDataAsync(record, default)).Fingerprint);
        var listed = Assert.Single(await runtime.Services.GetRequiredService<ExperimentStore>().ListAsync(default));
        Assert.Equal((2, decision.Promoted, decision.Promoted), (listed.DatasetVersion!.Value, listed.Promoted!.Value, listed.IsChampion));
    }

    [Fact]
    public async Task Nightly_run_on_stale_data_ends_with_a_clear_stale_data_failure_and_trains_nothing()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var datasets = runtime.Services.GetRequiredService<DatasetRegistry>();
        await datasets.PushAsync("stale-data", ModelsHarness.Csv(400, seed: 1), "test", default);
        var nightly = new NightlyOptions { RunId = "nightly-stale", Dataset = "dataset:stale-data", Iterations = 1 };
        var run = nightly.ToTrainingRun(DateTimeOffset.UtcNow) with { EpisodesPerIteration = 2, StepsPerEpisode = 32, UpdatesPerIteration = 4, LearningStarts = 0 };

        var final = RunService.ToView(await TestRuns.RunToEndAsync(runtime, run));

        Assert.Equal("Failed", final.Status);
        Assert.Contains("Stale data: the newest bar of '", final.Failure, StringComparison.Ordinal);
        Assert.Contains("stale-data", final.Failure, StringComparison.Ordinal);
        Assert.Contains($"the limit is {nightly.MaxDataAgeDays} days", final.Failure, StringComparison.Ordinal);
        Assert.Empty(await runtime.Workspace.Checkpoints(run.RunId).ListAsync());
    }

    [Fact]
    public void Each_night_trains_with_its_own_seed_derived_from_the_base_seed_and_the_night()
    {
        var nightly = new NightlyOptions { Seed = 42 };
        var monday = new DateTimeOffset(2026, 11, 30, 2, 0, 0, TimeSpan.Zero);
        var seeds = Enumerable.Range(0, 30).Select(d => nightly.ToTrainingRun(monday.AddDays(d)).Seed).ToList();
        Assert.Equal(30, seeds.Distinct().Count());
        Assert.Equal(nightly.ToTrainingRun(monday).Seed, nightly.ToTrainingRun(monday.AddHours(20)).Seed);
        Assert.NotEqual(nightly.ToTrainingRun(monday).Seed, new NightlyOptions { Seed = 43 }.ToTrainingRun(monday).Seed);
        Assert.Equal(nightly.MaxDataAgeDays, nightly.ToTrainingRun(monday).MaxDataAgeDays);
    }
}
