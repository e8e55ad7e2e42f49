using System.Globalization;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Cli;

/// <summary>`lineage nightly` as a user runs it: consecutive nights of the timer's run, each a new candidate and trial.</summary>
[Collection(TorchCollection.Name)]
public sealed class NightlyCommandTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Three_nights_resume_one_run_each_with_its_own_seed_and_are_three_trials_of_the_model()
    {
        var reports = Directory.CreateTempSubdirectory("lineage-nightly-");
        try
        {
            using var nightly = CliProcess.Start(
            [
                "nightly", "--storage", azurite.ConnectionString, "--container", azurite.NewContainer(), "--dataset", "synthetic:randomwalk",
                "--nights", "3", "--iterations", "2", "--first-night", "2026-11-01", "--out", reports.FullName,
            ]);
            var exit = await nightly.WaitForExitAsync(TimeSpan.FromMinutes(4));
            output.WriteLine(nightly.Output);

            Assert.Equal(0, exit);
            var rows = (await File.ReadAllLinesAsync(Path.Combine(reports.FullName, "nights.csv"))).Skip(1).Select(l => l.Split(',')).ToList();
            Assert.Equal(["2026-11-01", "2026-11-02", "2026-11-03"], rows.Select(r => r[0]));
            Assert.Equal(3, rows.Select(r => r[1]).Distinct().Count()); // a seed per night
            Assert.All(rows, r => Assert.Equal("Completed", r[2]));
            var updates = rows.Select(r => long.Parse(r[4], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(updates.Order(), updates); // one run, resumed: the update count goes on
            Assert.Equal(["1", "2", "3"], rows.Select(r => r[9])); // N: each night's candidate is one more trial of the model
            var promoted = rows.Count(r => r[5] == "True");
            Assert.Contains($"Promoted {promoted}/3", nightly.Output, StringComparison.Ordinal);
            Assert.Contains("Clopper-Pearson", nightly.Output, StringComparison.Ordinal);
        }
        finally
        {
            reports.Delete(recursive: true);
        }
    }
}
