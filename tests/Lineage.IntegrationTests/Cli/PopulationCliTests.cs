using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Cli;

/// <summary>`lineage population` and `lineage population show` end to end, as a user runs them: the tree, the report, the refusals.</summary>
[Collection(TorchCollection.Name)]
public sealed class PopulationCliTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Population_prints_its_tree_writes_the_report_and_show_reads_the_same_tree_back()
    {
        var reports = Directory.CreateTempSubdirectory("lineage-population");
        var container = azurite.NewContainer();
        string[] storage = ["--storage", azurite.ConnectionString, "--container", container];
        // Learning from the first experience, so two short episodes train the members (the default waits for 1,000).
        var config = Path.Combine(reports.FullName, "run.json");
        await File.WriteAllTextAsync(config, """{"learningStarts": 0, "syntheticBars": 800}""");
        using var cli = CliProcess.Start(
            ["population", "--config", config, "--members", "3", "--rounds", "2", "--iterations-per-round", "1", "--episodes", "2", "--steps", "64", "--updates", "16",
             "--exploit-quantile", "0.34", "--seed", "3", "--name", "pbt", .. storage, "--out", reports.FullName]);
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(3));
        output.WriteLine(cli.Output);
        Assert.Equal(0, exit);

        var folder = Path.Combine(reports.FullName, "pbt");
        foreach (var file in new[] { "population.json", "population.md", "population-tree.png", "population-validation.png" })
        {
            Assert.True(File.Exists(Path.Combine(folder, file)), $"{file} is missing");
        }

        Assert.Contains("Round 2/2", cli.Output, StringComparison.Ordinal);
        Assert.Contains("← copies m", cli.Output, StringComparison.Ordinal);
        Assert.Contains("← candidate", cli.Output, StringComparison.Ordinal);
        Assert.Contains("test (candidate, once)", cli.Output, StringComparison.Ordinal);
        var markdown = await File.ReadAllTextAsync(Path.Combine(folder, "population.md"));
        Assert.Contains("N = 3 trials of the model", markdown, StringComparison.Ordinal);
        Assert.Contains("excess return vs buy-and-hold", markdown, StringComparison.Ordinal);

        using var show = CliProcess.Start(["population", "show", "--id", "pbt", .. storage]);
        Assert.Equal(0, await show.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        output.WriteLine(show.Output);
        var tree = cli.Output[cli.Output.IndexOf("round 0:", StringComparison.Ordinal)..cli.Output.IndexOf("Report:", StringComparison.Ordinal)];
        Assert.Contains(tree, show.Output, StringComparison.Ordinal);

        // A repeated start is refused with what to do; a bad request names its fields.
        using var again = CliProcess.Start(["population", "--members", "3", "--rounds", "2", "--iterations-per-round", "1", "--name", "pbt", .. storage, "--out", reports.FullName]);
        Assert.Equal(2, await again.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("--resume", again.Output, StringComparison.Ordinal);
        using var invalid = CliProcess.Start(["population", "--members", "1", "--exploit-quantile", "0.9", .. storage]);
        Assert.Equal(2, await invalid.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("members", invalid.Output, StringComparison.Ordinal);
        Assert.Contains("exploitQuantile", invalid.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", invalid.Output, StringComparison.Ordinal);
    }
}
