using Lineage.Core.Trading;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Training;

namespace Lineage.IntegrationTests.Models;

/// <summary>Experiment records read back, and the retention rule on a real blob store.</summary>
public sealed class ExperimentRetentionTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Retention_keeps_the_newest_runs_and_champion_runs_and_deletes_the_rest()
    {
        await using var h = await ModelsHarness.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Lineage:Models:KeepRuns"] = "1",
            ["Lineage:Models:MinRunAge"] = "00:00:00",
        });
        await h.Datasets.PushAsync("prices", ModelsHarness.Csv(300, seed: 1), "test", default);
        foreach (var runId in new[] { "oldest", "middle", "newer", "newest" })
        {
            await h.SeedRunAsync(runId, "prices", ModelsHarness.Always(TradeAction.Buy));
            await Task.Delay(TimeSpan.FromSeconds(1.1)); // blob times have one-second resolution
        }

        await h.Models.PromoteAsync("prices", new PromoteRequest { RunId = "oldest", By = "tester" }, default);

        var report = await h.Experiments.ApplyRetentionAsync(default);

        Assert.Equal(["newest"], report.Kept);
        Assert.Equal(["oldest"], report.ProtectedAsChampion);
        Assert.Equal(["newer", "middle"], report.Deleted);
        Assert.Equal(["newest", "oldest"], (await h.Experiments.ListAsync(default)).Select(r => r.RunId));
        Assert.NotNull(await h.Champions.LoadPolicyAsync((await h.Champions.GetAsync("prices", default))!.Champion, default));
    }

    [Fact]
    public async Task Recently_active_runs_are_never_deleted()
    {
        await using var h = await ModelsHarness.StartAsync(azurite, new Dictionary<string, string?> { ["Lineage:Models:KeepRuns"] = "1" });
        await h.Datasets.PushAsync("prices", ModelsHarness.Csv(300, seed: 1), "test", default);
        await h.SeedRunAsync("a", "prices", ModelsHarness.Always(TradeAction.Buy));
        await h.SeedRunAsync("b", "prices", ModelsHarness.Always(TradeAction.Buy));

        var report = await h.Experiments.ApplyRetentionAsync(default);

        Assert.Empty(report.Deleted);
        Assert.Equal(2, (await h.Experiments.ListAsync(default)).Count);
    }

    [Fact]
    public async Task Run_show_reads_back_configuration_dataset_version_and_code_version()
    {
        await using var h = await ModelsHarness.StartAsync(azurite);
        await h.Datasets.PushAsync("prices", ModelsHarness.Csv(300, seed: 1), "test", default);
        await h.SeedRunAsync("shown", "prices", ModelsHarness.Always(TradeAction.Buy));

        var details = await h.Experiments.ShowAsync("shown", default);

        Assert.NotNull(details);
        Assert.Equal("blob:datasets/prices/000001.csv", details.Record.Run.Dataset);
        Assert.Equal(("dataset:prices", 1), (details.Record.Experiment!.DatasetReference, details.Record.Experiment.DatasetVersion!.Value));
        Assert.Equal(RunExperiment.CurrentCodeVersion, details.Record.Experiment.CodeVersion);
        Assert.Equal(5UL, details.Record.Experiment.Seed);
        Assert.Equal([16L], details.Checkpoints.Select(c => c.Update));
    }
}
