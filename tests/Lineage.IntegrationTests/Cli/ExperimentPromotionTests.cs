using System.Text.Json;
using Azure.Storage.Blobs;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Experiments;
using Lineage.Storage;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Cli;

/// <summary>
/// `lineage experiment` as a user runs it: its runs count as trials of the market's model and, by default, never replace
/// its champion; on a synthetic market each market seed is its own generated path, recorded and reported as such.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ExperimentPromotionTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(6);

    [Fact]
    public async Task Experiment_runs_are_trials_of_the_model_that_never_promote_by_default_one_per_market_seed()
    {
        var container = azurite.NewContainer();
        var reports = Directory.CreateTempSubdirectory("lineage-experiment-");
        try
        {
            // Learning starts after 32 experiences, so both runs update and their selected checkpoints are candidates.
            // Two market seeds × one agent seed: two runs, each on its own generated path.
            var config = Path.Combine(reports.FullName, "run.json");
            await File.WriteAllTextAsync(config, """{"learningStarts": 32}""");
            using var experiment = CliProcess.Start(
            [
                "experiment", "--storage", azurite.ConnectionString, "--container", container, "--config", config, "--market", "trend", "--market-seeds", "2", "--seeds", "1",
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

            Assert.Single(finals, f => f.RunId.Contains("-m1-s1-", StringComparison.Ordinal));
            Assert.Single(finals, f => f.RunId.Contains("-m2-s1-", StringComparison.Ordinal));
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(reports.FullName, "no-promote", "results.json")));
            var runs = json.RootElement.GetProperty("results").EnumerateArray().ToList();
            Assert.Equal([1UL, 2UL], runs.Select(r => r.GetProperty("marketSeed").GetUInt64()).Order());
            // Different market seeds generate different test paths: buy-and-hold differs.
            Assert.NotEqual(runs[0].GetProperty("test").GetProperty("buyAndHold").GetDouble(), runs[1].GetProperty("test").GetProperty("buyAndHold").GetDouble());
            var summary = await File.ReadAllTextAsync(Path.Combine(reports.FullName, "no-promote", "summary.md"));
            Assert.Contains("market paths: 2, agent seeds: 1", summary, StringComparison.Ordinal);
            Assert.Contains("95% CI clustered by market path (t over 2 path means)", summary, StringComparison.Ordinal);
            Assert.Contains("| policy | runs | return | Sharpe | max drawdown | trades | long % | short % | corr w/ b&h |", summary, StringComparison.Ordinal);
            Assert.All(runs, r => Assert.InRange(r.GetProperty("test").GetProperty("timeLong").GetDouble() + r.GetProperty("test").GetProperty("timeShort").GetDouble(), 0, 1));
        }
        finally
        {
            reports.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Variants_whose_names_share_their_first_characters_get_their_own_runs()
    {
        var container = azurite.NewContainer();
        var reports = Directory.CreateTempSubdirectory("lineage-experiment-");
        try
        {
            // The run id keeps 14 characters of the variant's name: these two shared them, and the experiment refused to start.
            using var experiment = CliProcess.Start(
            [
                "experiment", "--storage", azurite.ConnectionString, "--container", container, "--market", "trend", "--seeds", "1",
                "--variant", "target-exposure", "--variant", "target-exposure-long-only", "--validation-only",
                "--iterations", "1", "--episodes", "1", "--steps", "32", "--updates", "1", "--name", "prefixes", "--out", reports.FullName,
            ]);
            var exit = await experiment.WaitForExitAsync(Patience);
            output.WriteLine(experiment.Output);

            Assert.Equal(0, exit);
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(reports.FullName, "prefixes", "results.json")));
            var runs = json.RootElement.GetProperty("results").EnumerateArray().ToList();
            Assert.Equal(["target-exposure", "target-exposure-long-only"], runs.Select(r => r.GetProperty("variant").GetString()!).Order(StringComparer.Ordinal));
            Assert.Equal(2, runs.Select(r => r.GetProperty("runId").GetString()).Distinct(StringComparer.Ordinal).Count());
            Assert.All(runs, r => Assert.Equal("Completed", r.GetProperty("status").GetString()));
        }
        finally
        {
            reports.Delete(recursive: true);
        }
    }
}
