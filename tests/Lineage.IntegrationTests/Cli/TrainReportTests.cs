using System.Globalization;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Cli;

/// <summary>The report folder a finished `lineage train` writes, read as a user would.</summary>
[Collection(TorchCollection.Name)]
public sealed class TrainReportTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Train_writes_the_test_window_trade_log_beside_the_summary()
    {
        var reports = Directory.CreateTempSubdirectory("lineage-report");
        using var cli = CliProcess.Start(
            ["train", "--run-id", "report-run", "--iterations", "2", "--episodes", "2", "--steps", "64", "--updates", "16",
             "--storage", azurite.ConnectionString, "--container", azurite.NewContainer(), "--out", reports.FullName]);
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(3));
        output.WriteLine(cli.Output);
        Assert.Equal(0, exit);

        var folder = Path.Combine(reports.FullName, "report-run");
        var summary = await File.ReadAllTextAsync(Path.Combine(folder, "summary.md"));
        // Synthetic prices have no dividends; the report still says which basis and cash rate apply.
        Assert.Contains("Prices: close (price return, dividends excluded); cash earns 0.00", summary, StringComparison.Ordinal);
        // Every evaluation reports the agent's exposure and its correlation with buy-and-hold.
        Assert.Contains("| policy | return | Sharpe | max drawdown | trades | long % | short % | mean abs exposure | corr w/ b&h |", summary, StringComparison.Ordinal);
        Assert.Contains("| buy & hold | ", summary, StringComparison.Ordinal);
        Assert.Contains(" | 100.0 % | 0.0 % | 1.00 | 1 |", summary, StringComparison.Ordinal);
        var lines = await File.ReadAllLinesAsync(Path.Combine(folder, "trades.csv"));
        Assert.Equal("time,bar,action,from_position,to_position,fill_price,fee,equity", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.All(rows, r => Assert.Equal(8, r.Length));
        Assert.All(rows, r => Assert.True(double.Parse(r[5], CultureInfo.InvariantCulture) > 0 && double.Parse(r[6], CultureInfo.InvariantCulture) >= 0));
        var bars = rows.Select(r => int.Parse(r[1], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(bars.Order(), bars);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(folder, "trades"), "*.csv"));
        var sweep = await File.ReadAllLinesAsync(Path.Combine(folder, "fee-sweep.csv"));
        Assert.Equal(1 + 7, sweep.Length);
        Assert.StartsWith("0,", sweep[1], StringComparison.Ordinal);
        Assert.StartsWith("50,", sweep[^1], StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder, "fee-sweep.png")));
        Assert.Contains("## Cost sweep", summary, StringComparison.Ordinal);
        // The trend market's generator state: the oracle sits beside the agent in the report and the console summary.
        Assert.Contains("| oracle (knows the generator's state: the true regime or deviation) |", summary, StringComparison.Ordinal);
        Assert.Contains("oracle", cli.Output, StringComparison.Ordinal);
        // The wall time in phases, the fixed costs apart from training: on the console and in timings.json for the benchmark.
        Assert.Contains("where the time went", cli.Output, StringComparison.Ordinal);
        var phases = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double>>(await File.ReadAllTextAsync(Path.Combine(folder, "timings.json")))!;
        Assert.Equal(["azuriteStart", "firstTrainStep", "processStart", "report", "runtimeStart", "training"], phases.Keys.Order());
        Assert.All(phases.Values, v => Assert.True(v >= 0 && double.IsFinite(v), $"{v}"));
        Assert.True(phases["training"] > 0);
        // The cold start: the first training step completes inside the training phase, after the runtime started.
        Assert.InRange(phases["firstTrainStep"], phases["processStart"] + phases["runtimeStart"], phases["processStart"] + phases["runtimeStart"] + phases["training"]);
        // --storage: no Azurite was started by this process.
        Assert.Equal(0, phases["azuriteStart"]);
        reports.Delete(recursive: true);
    }

    [Fact]
    public async Task A_wrong_storage_key_is_one_line_that_says_what_to_check()
    {
        // The fixture's Azurite with another key: every request is refused (403).
        var wrongKey = azurite.ConnectionString.Replace(Lineage.Storage.AzuriteServer.AccountKey, Convert.ToBase64String(new byte[64]), StringComparison.Ordinal);
        Assert.NotEqual(azurite.ConnectionString, wrongKey);
        using var cli = CliProcess.Start(["train", "--iterations", "1", "--storage", wrongKey, "--container", azurite.NewContainer()]);
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(2));
        output.WriteLine(cli.Output);

        Assert.Equal(1, exit);
        Assert.Contains("lineage: storage refused a request: 403 AuthorizationFailure", cli.Output, StringComparison.Ordinal);
        Assert.Contains("Check the storage connection string", cli.Output, StringComparison.Ordinal);
        // Not the HTTP response: no XML body, no headers.
        Assert.DoesNotContain("<?xml", cli.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Headers:", cli.Output, StringComparison.Ordinal);
    }
}
