using Azure.Storage.Blobs.Models;
using DurableTask.Core.History;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Hosting;
using Lineage.IntegrationTests.Learning;
using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Training;
using Lineage.Orchestration.WalkForwards;
using Lineage.Storage;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Orchestration;

/// <summary>
/// The walk-forward orchestration on the embedded backend and Azurite, end to end: folds as sub-orchestrations of the
/// training orchestrator (each continuing as new between its generations), the summary in blob storage, and a restart
/// from a fresh runtime that keeps the folds an earlier attempt scored.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class WalkForwardOrchestrationTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private const int Bars = 1000;

    /// <summary>3 folds of 120 test bars over 1,000 synthetic bars; every fold 2 iterations, one per generation (ContinueAsNew).</summary>
    internal static WalkForwardRequest Small(string id, int maxParallelFolds = 1) => new()
    {
        WalkForwardId = id,
        Run = TestRuns.Small("") with
        {
            SyntheticBars = Bars,
            EpisodesPerIteration = 2,
            MaxParallelEpisodes = 2,
            IterationsPerGeneration = 1,
            BootstrapDraws = 200,
        },
        Folds = 3,
        TestBars = 120,
        MaxParallelFolds = maxParallelFolds,
    };

    [Fact]
    public async Task A_walk_forward_trains_each_fold_as_a_sub_orchestration_and_writes_the_summary()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var request = Small("wf-e2e", maxParallelFolds: 2);

        var final = await RunToEndAsync(runtime, request);

        Assert.Equal(RunRuntimeStatus.Completed, final.Status);
        var summary = (await runtime.Runs.WalkForwards.ReadSummaryAsync(request.WalkForwardId, default))!;
        Assert.Equal(3, summary.Folds.Count);
        Assert.All(summary.Folds, f => Assert.Equal(FoldStatuses.Completed, f.Status));
        Assert.Equal(Bars, summary.Folds[^1].TestEnd);
        var series = SyntheticMarkets.Generate(SyntheticMarkets.Trend, Bars, Seeds.Derive(request.Run.Seed, 1));
        foreach (var fold in summary.Folds)
        {
            Assert.Equal(request.FoldRunId(fold.Fold), fold.RunId);
            Assert.Equal(120, fold.AgentReturns.Length);
            Assert.Equal(120, fold.BuyAndHoldReturns.Length);
            Assert.Equal(120, fold.BestRuleReturns.Length);
            // Every fold's run is a sub-orchestration that continued as new once (2 iterations, 1 per generation).
            var history = runtime.Durable.GetHistory(fold.RunId);
            Assert.Equal(2, history.OfType<ExecutionStartedEvent>().Count());
            Assert.All(history.OfType<ExecutionStartedEvent>(), e => Assert.Equal(WalkForwardBlobs.InstanceId(request.WalkForwardId), e.ParentInstance?.OrchestrationInstance.InstanceId));

            // No fold's training sees its test bars: the run trained on [0, validation start), which ends before the test block.
            var record = (await runtime.Workspace.ReadJsonAsync<RunRecord>(RunBlobs.Record(fold.RunId), default))!;
            var recorded = record.Run.Fold!;
            Assert.Equal(fold.TestStart, recorded.TestStart);
            // The first test decision's feature window lies inside the embargo, after validation.
            Assert.True(recorded.TrainBars <= recorded.ValidationStart && recorded.ValidationEnd <= recorded.TestStart - recorded.LookbackBars);
            var data = await runtime.Workspace.GetDataAsync(record, default);
            Assert.Equal(series.Slice(0, recorded.TrainBars).Fingerprint(), data.Train.Fingerprint());
            Assert.False(record.Run.Promote);
        }

        for (var k = 1; k < summary.Folds.Count; k++)
        {
            Assert.Equal(summary.Folds[k - 1].TestEnd, summary.Folds[k].TestStart);
        }

        var overall = summary.Overall!;
        Assert.Equal(360, overall.Bars);
        var compounded = summary.Folds.SelectMany(f => f.AgentReturns).Aggregate(1.0, (e, r) => e * (1 + r)) - 1;
        Assert.Equal(compounded, overall.Agent.Return, 12);
        Assert.NotNull(overall.Bootstrap);

        // The status route's view: completed, every fold done, the headline summary without per-bar arrays.
        var view = (await runtime.Runs.WalkForwards.GetViewAsync(request.WalkForwardId, default))!;
        Assert.Equal(nameof(RunState.Completed), view.Status);
        Assert.Equal(3, view.FoldsDone);
        Assert.All(view.Summary!.Folds, f => Assert.Empty(f.AgentReturns));

        // A fold never goes to the champion gate.
        await foreach (var blob in runtime.Storage.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, "models/", CancellationToken.None))
        {
            Assert.Fail($"A walk-forward fold reached the champion gate: {blob.Name}");
        }
    }

    [Fact]
    public async Task A_restart_with_the_same_id_keeps_the_scored_folds_and_trains_only_the_unfinished_one()
    {
        var container = azurite.NewContainer();
        var request = Small("wf-restart");
        var failing = request.FoldRunId(1);
        string fold0ETag;
        IReadOnlyList<long> fold0Checkpoints;
        Environment.SetEnvironmentVariable("LINEAGE_FAULT_FAIL_EPISODE", $"{failing}/0/0,{failing}/0/1");
        try
        {
            await using var first = await TestRuns.StartAsync(azurite, container: container);
            Assert.Equal(RunRuntimeStatus.Completed, (await RunToEndAsync(first, request)).Status);
            var summary = (await first.Runs.WalkForwards.ReadSummaryAsync(request.WalkForwardId, default))!;
            Assert.Equal([FoldStatuses.Completed, FoldStatuses.Failed, FoldStatuses.Completed], summary.Folds.Select(f => f.Status));
            output.WriteLine(summary.Folds[1].Failure);
            Assert.Contains("episodes succeeded", summary.Folds[1].Failure, StringComparison.Ordinal);
            Assert.Equal(240, summary.Overall!.Bars);
            fold0ETag = (await first.Storage.Container.GetBlobClient(WalkForwardBlobs.Fold(request.WalkForwardId, 0)).GetPropertiesAsync()).Value.ETag.ToString();
            fold0Checkpoints = [.. (await first.Workspace.Checkpoints(request.FoldRunId(0)).ListAsync()).Select(c => c.Update)];
        }
        finally
        {
            Environment.SetEnvironmentVariable("LINEAGE_FAULT_FAIL_EPISODE", null);
        }

        // A fresh runtime (empty caches, a new in-memory Durable store): the walk-forward exists, so only a resume starts it.
        await using var second = await TestRuns.StartAsync(azurite, container: container);
        Assert.Equal(ApiOutcome.Conflict, (await second.Runs.WalkForwards.StartAsync(request, default)).Outcome);

        var final = await RunToEndAsync(second, request with { Resume = true });

        Assert.Equal(RunRuntimeStatus.Completed, final.Status);
        var resumed = (await second.Runs.WalkForwards.ReadSummaryAsync(request.WalkForwardId, default))!;
        Assert.All(resumed.Folds, f => Assert.Equal(FoldStatuses.Completed, f.Status));
        Assert.Equal(360, resumed.Overall!.Bars);
        foreach (var kept in new[] { 0, 2 })
        {
            var (orchestrations, activities) = second.Durable.GetExecutionCounts(request.FoldRunId(kept));
            Assert.Equal(0, orchestrations);
            Assert.Empty(activities);
        }

        Assert.Equal(fold0ETag, (await second.Storage.Container.GetBlobClient(WalkForwardBlobs.Fold(request.WalkForwardId, 0)).GetPropertiesAsync()).Value.ETag.ToString());
        Assert.Equal(fold0Checkpoints, (await second.Workspace.Checkpoints(request.FoldRunId(0)).ListAsync()).Select(c => c.Update));
        Assert.True(second.Durable.GetExecutionCounts(failing).ActivityRuns.ContainsKey(ActivityNames.TrainStep), "the failed fold was not trained again");
        output.WriteLine(string.Join(Environment.NewLine, resumed.Folds.Select(f => $"fold {f.Fold}: {f.Status} agent {f.Agent?.Return:P1} b&h {f.BuyAndHold?.Return:P1} rule {f.BestRule?.Name} {f.BestRule?.Return:P1}")));
    }

    [Fact]
    public async Task A_resume_on_the_same_host_trains_again_a_failed_fold_whose_instance_it_still_holds()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var request = Small("wf-same-host") with { Folds = 2 };
        var failing = request.FoldRunId(0);
        Environment.SetEnvironmentVariable("LINEAGE_FAULT_FAIL_EPISODE", $"{failing}/0/0,{failing}/0/1");
        try
        {
            Assert.Equal(RunRuntimeStatus.Completed, (await RunToEndAsync(runtime, request)).Status);
        }
        finally
        {
            Environment.SetEnvironmentVariable("LINEAGE_FAULT_FAIL_EPISODE", null);
        }

        Assert.Equal(RunRuntimeStatus.Failed, (await runtime.Durable.GetAsync(failing, default))!.Status);

        Assert.Equal(RunRuntimeStatus.Completed, (await RunToEndAsync(runtime, request with { Resume = true })).Status);

        var summary = (await runtime.Runs.WalkForwards.ReadSummaryAsync(request.WalkForwardId, default))!;
        Assert.All(summary.Folds, f => Assert.Equal(FoldStatuses.Completed, f.Status));
        Assert.Equal(RunRuntimeStatus.Completed, (await runtime.Durable.GetAsync(failing, default))!.Status);
    }

    /// <summary>
    /// On a file, a walk-forward folds only over the bars before its model's promotion window — fixing the model's splits
    /// when it has none — so no fold reports on bars the gate later decides on, and no later first run can make them so.
    /// </summary>
    [Fact]
    public async Task A_walk_forward_on_a_file_folds_only_over_the_bars_before_the_models_promotion_window()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var datasets = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Lineage.Orchestration.Datasets.DatasetRegistry>(runtime.Services);
        await datasets.PushAsync("wf-file", Models.ModelsHarness.Csv(1000, seed: 3), "test", default);
        var request = Small("wf-file-cut") with { Run = Small("wf-file-cut").Run with { Dataset = "dataset:wf-file" }, Folds = 2, TestBars = 100 };

        Assert.Equal(RunRuntimeStatus.Completed, (await RunToEndAsync(runtime, request)).Status);

        var splits = (await Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Lineage.Orchestration.Champions.ModelSplitStore>(runtime.Services).GetAsync("wf-file", default))!;
        var summary = (await runtime.Runs.WalkForwards.ReadSummaryAsync(request.WalkForwardId, default))!;
        Assert.Equal(1000 - 252, summary.SeriesBars);
        Assert.True(summary.SeriesTo < splits.Current.Dates!.PromotionFrom);
        Assert.Equal(summary.SeriesBars, summary.Folds[^1].TestEnd);
    }

    internal static async Task<RunInstance> RunToEndAsync(LocalRuntime runtime, WalkForwardRequest request, TimeSpan? timeout = null)
    {
        var response = await runtime.Runs.WalkForwards.StartAsync(request, CancellationToken.None);
        Assert.True(response.Outcome == ApiOutcome.Accepted, $"{response.Outcome}: {System.Text.Json.JsonSerializer.Serialize(response.Body, LineageJson.Options)}");
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        return await runtime.Durable.WaitForCompletionAsync(WalkForwardBlobs.InstanceId(request.WalkForwardId), TimeSpan.FromMilliseconds(100), null, cts.Token);
    }
}
