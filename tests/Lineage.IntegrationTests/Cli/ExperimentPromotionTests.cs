using Azure.Storage.Blobs;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Experiments;
using Lineage.Storage;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Cli;

/// <summary>`lineage experiment` as a user runs it: its runs count as trials of the market's model and, by default, never replace its champion.</summary>
[Collection(TorchCollection.Name)]
public sealed class ExperimentPromotionTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(6);

    [Fact]
    public async Task Experiment_runs_are_recorded_as_trials_of_the_model_and_never_promote_by_default()
    {
        var container = azurite.NewContainer();
        var reports = Directory.CreateTempSubdirectory("lineage-experiment-");
        try
        {
            // Learning starts after 32 experiences, so both runs update and their selected checkpoints are candidates.
            var config = Path.Combine(reports.FullName, "run.json");
            await File.WriteAllTextAsync(config, """{"learningStarts": 32}""");
            using var experiment = CliProcess.Start(
            [
                "experiment", "--storage", azurite.ConnectionString, "--container", container, "--config", config, "--market", "trend", "--seeds", "2",
                "--iterations", "2", "--episodes", "2", "--steps", "32", "--updates", "16", "--name", "no-promote", "--out", reports.FullName,
            ]);
            var exit = await experiment.WaitForExitAsync(Patience);
            output.WriteLine(experiment.Output);

            Assert.Equal(0, exit);
            Assert.Contains("it never changes the champion (no --promote).", experiment.Output, StringComparison.Ordinal); // Spectre wraps the line before it at 80 columns
            var blobs = new BlobContainerClient(azurite.ConnectionString, container);
            var finals = new List<RunFinal>();
            await foreach (var item in blobs.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = RunBlobs.Root }))
            {
                if (item.Name.EndsWith("/final.json", StringComparison.Ordinal))
                {
                    finals.Add((await blobs.GetBlobClient(item.Name).DownloadContentAsync()).Value.Content.ToObjectFromJson<RunFinal>(LineageJson.Options)!);
                }
            }

            var trials = await new TrialStore(blobs).ListAsync("synthetic-trend", default);
            Assert.Equal(2, finals.Count);
            Assert.Equal(finals.Select(f => f.RunId).Order(StringComparer.Ordinal), trials.Select(t => t.RunId).Order(StringComparer.Ordinal));
            Assert.All(trials, t => Assert.False(t.Promote));
            Assert.All(finals, f => Assert.False(f.Decision.Promoted || f.Decision.Promote, f.Decision.Reason));
            Assert.False(await blobs.GetBlobClient(ChampionStore.PointerBlob("synthetic-trend")).ExistsAsync());
        }
        finally
        {
            reports.Delete(recursive: true);
        }
    }
}
