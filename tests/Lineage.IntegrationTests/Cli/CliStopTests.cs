using System.Text.RegularExpressions;
using Lineage.Hosting;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM, sent with kill(1) to real CLI processes: `train` stops after the current step and
/// ends with the Stopped summary and report (exit 128 + signal number), `worker` leaves its task hub saying what it did.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed partial class CliStopTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public async Task Train_stops_after_the_current_step_on_a_signal_and_ends_with_the_Stopped_summary(string signal, int expectedExit)
    {
        var runId = $"stop-{signal.ToLowerInvariant()}";
        var reports = Directory.CreateTempSubdirectory("lineage-stop-");
        try
        {
            using var train = CliProcess.Start(
            [
                "train", "--storage", azurite.ConnectionString, "--container", azurite.NewContainer(), "--run-id", runId,
                "--dataset", "synthetic:trend", "--iterations", "500", "--episodes", "2", "--steps", "32", "--updates", "4", "--out", reports.FullName,
            ]);
            await train.WaitForOutputAsync(" loss ", Patience);

            train.Signal(signal);
            var exit = await train.WaitForExitAsync(Patience);
            output.WriteLine(train.Output);

            Assert.Equal(expectedExit, exit);
            Assert.Contains("Stopping after the current step", train.Output, StringComparison.Ordinal);
            Assert.Contains($"Run {runId}: Stopped", train.Output, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(reports.FullName, runId, "summary.md")), "the report folder was written");
            Assert.DoesNotContain("   at ", train.Output, StringComparison.Ordinal);
        }
        finally
        {
            reports.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Worker_leaves_on_SIGTERM_saying_how_many_activities_and_orchestration_steps_it_executed()
    {
        var hub = azurite.NewTaskHub();
        var container = azurite.NewContainer();
        await using var client = await LocalRuntime.StartAsync(
            new LocalRuntimeOptions { StorageConnectionString = azurite.ConnectionString, Backend = DurableBackendKind.AzureStorage, TaskHub = hub, ContainerName = container, RunWorker = false },
            NullLoggerFactory.Instance);
        using var worker = CliProcess.Start(["worker", "--storage", azurite.ConnectionString, "--task-hub", hub, "--container", container, "--work-item-timeout", "8", "--lease-seconds", "8"]);
        await worker.WaitForOutputAsync("joined task hub", Patience);
        var run = TestRuns.Small("worker-stop", seed: 3);
        Assert.Equal(ApiOutcome.Accepted, (await client.Runs.StartAsync(run, default)).Outcome);
        using var cts = new CancellationTokenSource(Patience);
        var final = await client.Durable.WaitForCompletionAsync(run.RunId, TimeSpan.FromMilliseconds(250), null, cts.Token);
        Assert.Equal("Completed", RunService.ToView(final).Status);

        worker.Signal("TERM");
        var exit = await worker.WaitForExitAsync(Patience);
        output.WriteLine(worker.Output);

        Assert.Equal(0, exit);
        var match = Executed().Match(worker.Output);
        Assert.True(match.Success, worker.Output);
        Assert.True(int.Parse(match.Groups["activities"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.True(int.Parse(match.Groups["steps"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.DoesNotContain("   at ", worker.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"executed (?<activities>\d+) activities and (?<steps>\d+) orchestration steps")]
    private static partial Regex Executed();
}
