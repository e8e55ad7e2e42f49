using Azure.Storage.Blobs;
using Lineage.Core.Trading;
using Lineage.Functions;
using Lineage.Hosting;
using Lineage.IntegrationTests.Cli;
using Lineage.IntegrationTests.Functions;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Models;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Telemetry;
using Lineage.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lineage.IntegrationTests.Telemetry;

/// <summary>
/// The log lines the operations alerts (infra/modules/alerts.bicep) look for are emitted, once, at their level, with the
/// event name (<see cref="OperationsEvents"/>) and the dimensions the alert queries project.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class OperationsEventTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task A_failed_run_logs_TrainingRunFailed_once_and_releases_its_lock()
    {
        var logs = new ExportedLogs();
        await using var runtime = await StartAsync(logs);
        var run = TestRuns.Small("fails-for-alert");
        Environment.SetEnvironmentVariable("LINEAGE_FAULT_FAIL_EPISODE", "fails-for-alert/0/1,fails-for-alert/0/3");
        RunStatusView view;
        try
        {
            view = RunService.ToView(await TestRuns.RunToEndAsync(runtime, run));
        }
        finally
        {
            Environment.SetEnvironmentVariable("LINEAGE_FAULT_FAIL_EPISODE", null);
        }

        Assert.Equal("Failed", view.Status);
        var failed = Assert.Single(logs.Events(OperationsEvents.TrainingRunFailed));
        Assert.Equal(LogLevel.Error, failed.Level);
        Assert.Equal(run.RunId, failed["RunId"]);
        Assert.Equal(0, failed["Iteration"]);
        Assert.Contains("only 2 of 4 episodes succeeded", (string)failed["Error"]!, StringComparison.Ordinal);
        // Released on the way out: a resume from any host can start at once.
        Assert.Equal(RunLockState.Released, (await runtime.Workspace.Locks.ReadAsync(run.RunId, default))!.Record!.State);
    }

    [Fact]
    public async Task A_completed_run_logs_no_TrainingRunFailed()
    {
        var logs = new ExportedLogs();
        await using var runtime = await StartAsync(logs);

        Assert.Equal("Completed", RunService.ToView(await TestRuns.RunToEndAsync(runtime, TestRuns.Small("completes-quietly") with { Iterations = 1 })).Status);

        Assert.Empty(logs.Events(OperationsEvents.TrainingRunFailed));
    }

    [Fact]
    public async Task The_nightly_timer_logs_its_start_its_409_and_the_nightly_models_nights_without_a_decision()
    {
        await using var host = await FunctionsHost.StartAsync(azurite);
        var logs = new ExportedLogs();
        using var factory = logs.Factory();
        var timer = ActivatorUtilities.CreateInstance<NightlyRetrainFunction>(host.Services, factory);

        await timer.Run(new TimerInfo(), host.Durable, default);
        // The second firing comes while the first night's run is still training: a refused start, logged, not thrown.
        await timer.Run(new TimerInfo(), host.Durable, default);

        var started = Assert.Single(logs.Events(OperationsEvents.NightlyStarted));
        Assert.Equal("nightly", started["RunId"]);
        var refused = Assert.Single(logs.Events(OperationsEvents.NightlyStartRefused));
        Assert.Equal(LogLevel.Warning, refused.Level);
        Assert.Equal(("nightly", ApiOutcome.Conflict), (refused["RunId"], refused["Status"]));
        Assert.Contains("already running", (string)refused["Reason"]!, StringComparison.Ordinal);
        var statuses = logs.Events(OperationsEvents.NightlyPromotionStatus);
        Assert.Equal(2, statuses.Count);
        Assert.All(statuses, s => Assert.Equal(("synthetic-trend", 0), (s["Model"], s["NightsWithoutDecision"])));
        Assert.Empty(logs.Events(OperationsEvents.NightlyStartFailed));
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await host.Durable.WaitForInstanceCompletionAsync("nightly", cts.Token);
    }

    [Fact]
    public async Task A_nightly_start_that_throws_logs_NightlyStartFailed_with_the_exception_and_rethrows()
    {
        await using var host = await FunctionsHost.StartAsync(azurite);
        var logs = new ExportedLogs();
        using var factory = logs.Factory();
        // Storage that refuses connections, with no retries: the start cannot even create its container.
        var deadEndpoint = azurite.ConnectionString.Replace($":{new Uri(host.Container.Uri.GetLeftPart(UriPartial.Authority)).Port}/", $":{CliProcess.FreePort()}/", StringComparison.Ordinal);
        var dead = new RunStorage(
            new BlobServiceClient(deadEndpoint, new BlobClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(5) } }),
            new StorageOptions { ConnectionString = deadEndpoint, ContainerName = "lineage" });
        var timer = ActivatorUtilities.CreateInstance<NightlyRetrainFunction>(host.Services, factory, dead);

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => timer.Run(new TimerInfo(), host.Durable, default));

        var failed = Assert.Single(logs.Events(OperationsEvents.NightlyStartFailed));
        Assert.Equal(LogLevel.Error, failed.Level);
        Assert.Same(thrown, failed.Exception);
        Assert.Equal("nightly", failed["RunId"]);
        Assert.Empty(logs.Events(OperationsEvents.NightlyStarted));
    }

    [Fact]
    public async Task Nights_without_a_decision_count_from_the_newest_decision_or_from_the_first_watch()
    {
        await using var h = await ModelsHarness.StartAsync(azurite);
        var time = new ShiftedTime();
        var champions = new ChampionStore(h.Container, h.Services.GetRequiredService<ModelOptions>(), time);

        var first = await champions.PromotionStatusAsync("watched", default);
        time.Shift = TimeSpan.FromDays(3.5);
        var later = await champions.PromotionStatusAsync("watched", default);
        await h.Container.GetBlobClient(ChampionStore.DecisionBlob("watched", "some-run", 16)).UploadAsync(BinaryData.FromString("{}"));
        var decided = await champions.PromotionStatusAsync("watched", default);
        time.Shift = TimeSpan.Zero;
        var today = await champions.PromotionStatusAsync("watched", default);

        Assert.Equal((null, 0), (first.LastDecisionAt, first.NightsWithoutDecision));
        // Before any decision the count starts at the first watch, which is recorded once.
        Assert.Equal((first.Since, 3), (later.Since, later.NightsWithoutDecision));
        Assert.NotNull(decided.LastDecisionAt);
        Assert.Equal(decided.LastDecisionAt, decided.Since);
        Assert.Equal(3, decided.NightsWithoutDecision);
        Assert.Equal(0, today.NightsWithoutDecision);
    }

    [Fact]
    public async Task A_champion_challenger_decision_logs_PromotionDecided()
    {
        await using var h = await ModelsHarness.StartAsync(azurite);
        await h.Datasets.PushAsync("decided", ModelsHarness.Csv(400, seed: 1), "test", default);
        await h.SeedRunAsync("decided-run", "decided", ModelsHarness.Always(TradeAction.Close));
        var logs = new ExportedLogs();
        using var factory = logs.Factory();
        var challenger = ActivatorUtilities.CreateInstance<ChampionChallenger>(h.Services, factory.CreateLogger<ChampionChallenger>());

        var decision = await challenger.ConsiderAsync("decided-run", 16, "test", default);

        var decided = Assert.Single(logs.Events(OperationsEvents.PromotionDecided));
        Assert.Equal(("decided", "decided-run", decision.Promoted), (decided["Model"], decided["RunId"], decided["Promoted"]));
    }

    /// <summary>An embedded runtime whose logs go through OpenTelemetry into <paramref name="logs"/>, as the hosts export them.</summary>
    private Task<LocalRuntime> StartAsync(ExportedLogs logs) =>
        LocalRuntime.StartAsync(
            new LocalRuntimeOptions
            {
                StorageConnectionString = azurite.ConnectionString,
                TaskHub = azurite.NewTaskHub(),
                ContainerName = azurite.NewContainer(),
                Telemetry = new LocalTelemetryOptions { ConfigureLogging = logs.Configure },
            },
            NullLoggerFactory.Instance);

    private sealed class ShiftedTime : TimeProvider
    {
        public TimeSpan Shift { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Shift;
    }
}
