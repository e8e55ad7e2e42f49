using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Lineage.Core.Episodes;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Cli;

/// <summary>`lineage walkforward` end to end: one walk-forward orchestration, every fold a sub-orchestration run, read back from storage.</summary>
[Collection(TorchCollection.Name)]
public sealed class WalkForwardTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private const int Bars = 1200;
    private const ulong Seed = 7;

    [Fact]
    public async Task Walkforward_tests_each_fold_once_on_its_own_block_and_promotes_nothing()
    {
        var reports = Directory.CreateTempSubdirectory("lineage-walkforward");
        var container = azurite.NewContainer();
        using var cli = CliProcess.Start(
            ["walkforward", "--dataset", "synthetic:trend", "--synthetic-bars", $"{Bars}", "--folds", "3", "--seed", $"{Seed}",
             "--iterations", "2", "--episodes", "2", "--steps", "64", "--updates", "16", "--name", "wf",
             "--storage", azurite.ConnectionString, "--container", container, "--out", reports.FullName]);
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(3));
        output.WriteLine(cli.Output);
        Assert.Equal(0, exit);

        var folder = Path.Combine(reports.FullName, "wf");
        foreach (var file in new[] { "walkforward.json", "walkforward.md", "walkforward.png", "walkforward.csv" })
        {
            Assert.True(File.Exists(Path.Combine(folder, file)), $"{file} is missing");
        }

        Assert.Contains("Fold 3/3 Completed", cli.Output, StringComparison.Ordinal);

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "walkforward.json")));
        var folds = document.RootElement.GetProperty("folds").EnumerateArray().ToList();
        Assert.Equal(3, folds.Count);
        Assert.Equal(["wf-f0", "wf-f1", "wf-f2"], folds.Select(f => f.GetProperty("runId").GetString()));
        var testBars = folds.Sum(f => f.GetProperty("testEnd").GetInt32() - f.GetProperty("testStart").GetInt32());
        Assert.Equal(testBars + 1, (await File.ReadAllLinesAsync(Path.Combine(folder, "walkforward.csv"))).Length);
        Assert.Equal(testBars, document.RootElement.GetProperty("overall").GetProperty("bars").GetInt32());
        Assert.Equal(Bars, folds[^1].GetProperty("testEnd").GetInt32());
        for (var k = 1; k < folds.Count; k++)
        {
            Assert.Equal(folds[k - 1].GetProperty("testEnd").GetInt32(), folds[k].GetProperty("testStart").GetInt32());
        }

        // The series every fold was cut from, as the runs generate it.
        var series = SyntheticMarkets.Generate(SyntheticMarkets.Trend, Bars, Seeds.Derive(Seed, 1));
        var blobs = new BlobContainerClient(azurite.ConnectionString, container);
        foreach (var fold in folds)
        {
            var runId = fold.GetProperty("runId").GetString()!;
            var record = (await blobs.GetBlobClient(RunBlobs.Record(runId)).DownloadContentAsync()).Value.Content.ToObjectFromJson<RunRecord>(LineageJson.Options)!;
            var recorded = record.Run.Fold!;
            Assert.Equal(fold.GetProperty("testStart").GetInt32(), recorded.TestStart);
            Assert.Equal(fold.GetProperty("testEnd").GetInt32(), recorded.TestEnd);
            Assert.True(recorded.ValidationEnd <= recorded.TestStart - recorded.LookbackBars, "the first test decision's feature window reaches into validation");

            var tests = new List<string>();
            await foreach (var blob in blobs.GetBlobsAsync(BlobTraits.None, BlobStates.None, RunBlobs.Prefix(runId) + "evaluations/", CancellationToken.None))
            {
                if (blob.Name.EndsWith("-test.json", StringComparison.Ordinal))
                {
                    tests.Add(blob.Name);
                }
            }

            var testBlob = Assert.Single(tests);
            var report = (await blobs.GetBlobClient(testBlob).DownloadContentAsync()).Value.Content.ToObjectFromJson<EvaluationReport>(LineageJson.Options)!;
            var testSplit = series.Slice(recorded.TestSplitStart, recorded.TestEnd - recorded.TestSplitStart);
            Assert.Equal(testSplit.Fingerprint(), report.SeriesFingerprint);
            // Decided at the close of the bar before the block, one per-bar return for each test bar.
            Assert.Equal(recorded.TestStart - 1, recorded.TestSplitStart + report.StartIndex);
            Assert.Equal(recorded.TestBars, Evaluator.PerBarReturns(report.EquityCurve).Length);
        }

        await foreach (var blob in blobs.GetBlobsAsync(BlobTraits.None, BlobStates.None, "models/", CancellationToken.None))
        {
            Assert.Fail($"A walk-forward fold reached the champion gate: {blob.Name}");
        }

        Assert.True((await blobs.GetBlobClient("walkforward/wf/summary.json").ExistsAsync()).Value);
        reports.Delete(recursive: true);
    }

    [Fact]
    public async Task Experiment_with_walk_forward_runs_one_walk_forward_per_seed_with_the_experiments_settings()
    {
        var reports = Directory.CreateTempSubdirectory("lineage-experiment-wf");
        var container = azurite.NewContainer();
        using var cli = CliProcess.Start(
            ["experiment", "--walk-forward", "--market", "trend", "--seeds", "1", "--first-seed", "3", "--folds", "2",
             "--iterations", "1", "--episodes", "2", "--steps", "32", "--updates", "8", "--name", "xwf",
             "--storage", azurite.ConnectionString, "--container", container, "--out", reports.FullName]);
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(3));
        output.WriteLine(cli.Output);
        Assert.Equal(0, exit);

        var walkForward = Assert.Single(Directory.GetDirectories(Path.Combine(reports.FullName, "xwf")));
        Assert.StartsWith("wf-", Path.GetFileName(walkForward), StringComparison.Ordinal);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(walkForward, "walkforward.json")));
        Assert.Equal(2, document.RootElement.GetProperty("folds").GetArrayLength());
        Assert.Equal(3UL, document.RootElement.GetProperty("baseRun").GetProperty("seed").GetUInt64());
        Assert.False(document.RootElement.GetProperty("baseRun").GetProperty("promote").GetBoolean());
        reports.Delete(recursive: true);
    }
}
