using System.Text.Json;
using Azure.Storage.Blobs;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Cli;

/// <summary>`--snr` on train and experiment, as a user runs them.</summary>
[Collection(TorchCollection.Name)]
public sealed class SignalToNoiseCliTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Train_refuses_a_ratio_on_the_random_walk_before_it_starts_anything()
    {
        using var cli = CliProcess.Start(["train", "--dataset", "synthetic:randomwalk", "--snr", "0.05", "--storage", azurite.ConnectionString, "--container", azurite.NewContainer()]);
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(2));
        output.WriteLine(cli.Output);

        Assert.Equal(2, exit);
        Assert.Contains("syntheticSignalToNoise", cli.Output, StringComparison.Ordinal);
        Assert.Contains("applies to synthetic:trend and synthetic:meanrev only", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Experiment_scales_the_markets_with_a_signal_and_reports_the_ratio_and_the_oracle()
    {
        var container = azurite.NewContainer();
        var reports = Directory.CreateTempSubdirectory("lineage-experiment-snr");
        try
        {
            using var experiment = CliProcess.Start(
            [
                "experiment", "--storage", azurite.ConnectionString, "--container", container, "--market", "trend,randomwalk", "--seeds", "1", "--snr", "0.05",
                "--validation-only", "--iterations", "1", "--episodes", "1", "--steps", "32", "--updates", "1", "--name", "snr", "--out", reports.FullName,
            ]);
            var exit = await experiment.WaitForExitAsync(TimeSpan.FromMinutes(6));
            output.WriteLine(experiment.Output);

            Assert.Equal(0, exit);
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(reports.FullName, "snr", "results.json")));
            var blobs = new BlobContainerClient(azurite.ConnectionString, container);
            var ratios = new Dictionary<string, double?>();
            foreach (var result in json.RootElement.GetProperty("results").EnumerateArray())
            {
                var record = (await blobs.GetBlobClient(RunBlobs.Record(result.GetProperty("runId").GetString()!)).DownloadContentAsync()).Value.Content.ToObjectFromJson<RunRecord>(LineageJson.Options)!;
                ratios[result.GetProperty("market").GetString()!] = record.Run.SyntheticSignalToNoise;
            }

            // The random walk has no signal: it runs as always.
            Assert.Equal(new Dictionary<string, double?> { ["trend"] = 0.05, ["randomwalk"] = null }, ratios);
            var summary = await File.ReadAllTextAsync(Path.Combine(reports.FullName, "snr", "summary.md"));
            Assert.Contains("synthetic signal-to-noise 0.05: trend drift 0.0005 = 0.05 × volatility 0.01", summary, StringComparison.Ordinal);
            var trend = summary[summary.IndexOf("## trend", StringComparison.Ordinal)..summary.IndexOf("## randomwalk", StringComparison.Ordinal)];
            var randomWalk = summary[summary.IndexOf("## randomwalk", StringComparison.Ordinal)..];
            Assert.Contains("| oracle (knows the true regime) | 1 path(s) |", trend, StringComparison.Ordinal);
            Assert.DoesNotContain("oracle", randomWalk, StringComparison.Ordinal);
        }
        finally
        {
            reports.Delete(recursive: true);
        }
    }
}
