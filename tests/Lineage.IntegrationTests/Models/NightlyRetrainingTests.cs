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
        var run = nightly.ToTrainingRun() with { EpisodesPerIteration = 2, MaxParallelEpisodes = 2, StepsPerEpisode = 32, UpdatesPerIteration = 8, LearningStarts = 0, EvaluateEvery = 1 };

        var final = await TestRuns.RunToEndAsync(runtime, run);

        Assert.Equal("Completed", RunService.ToView(final).Status);
        var record = await runtime.Workspace.GetRunAsync("nightly-test", default);
        Assert.Equal(newest.Reference, record.Run.Dataset);
        Assert.Equal("dataset:nightly-data", record.Experiment!.DatasetReference);
        Assert.Equal(2, record.Experiment.DatasetVersion);
        Assert.Equal(newest.Sha256, record.Experiment.DatasetSha256);
        var expected = await DatasetLoader.LoadAsync(run with { Dataset = newest.Reference }, runtime.Storage.Container, default);
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
        Assert.Equal(expected.Test.Fingerprint(), decision.WindowFingerprint);
        Assert.Equal(decision.Promoted ? "nightly-test" : null, (await champions.GetAsync("nightly-data", default))?.Champion.RunId);
        var runFinal = await runtime.Workspace.ReadJsonAsync<RunFinal>(RunBlobs.Final("nightly-test"), default);
        Assert.Equal(decision, runFinal!.Decision);
        Assert.Equal(decision.Candidate.Sharpe, runFinal.Test.AgentSharpe, 12);

        // A newer upload after preparation does not change what this run's activities load.
        await datasets.PushAsync("nightly-data", ModelsHarness.Csv(500, seed: 3), "test", default);
        Assert.Equal(record.DataFingerprint, (await runtime.Workspace.GetDataAsync(record, default)).Fingerprint);
        var listed = Assert.Single(await runtime.Services.GetRequiredService<ExperimentStore>().ListAsync(default));
        Assert.Equal((2, decision.Promoted, decision.Promoted), (listed.DatasetVersion!.Value, listed.Promoted!.Value, listed.IsChampion));
    }
}
