using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Experiments;
using Lineage.Orchestration.Runs;
using Lineage.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Lineage.IntegrationTests.Models;

/// <summary>
/// A model's split dates, fixed by its first run, and the nightly retraining that lives with them: real orchestrations on
/// the embedded backend, pushed datasets in Azurite, TorchSharp training.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ModelSplitsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static TrainingRun Night(string runId, string dataset, ulong seed) => new()
    {
        RunId = runId,
        Dataset = dataset,
        Iterations = 1,
        EpisodesPerIteration = 2,
        MaxParallelEpisodes = 2,
        StepsPerEpisode = 32,
        UpdatesPerIteration = 8,
        LearningStarts = 0,
        EvaluateEvery = 1,
        Seed = seed,
        Resume = true,
    };

    /// <summary>
    /// The nightly choice, tested: each night resumes the same run from its latest checkpoint (the update count goes on),
    /// with the normaliser it was first fitted with, on the model's current splits. New bars join the promotion window only
    /// the gate plays, so the bars a night trains, selects and reports on stay the same until the window has grown to twice
    /// its size; then the splits roll forward (the newest walk-forward fold) and the run says so.
    /// </summary>
    [Fact]
    public async Task Nightly_runs_keep_the_models_split_dates_until_the_promotion_window_rolls_and_the_gate_plays_only_that_window()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var datasets = runtime.Services.GetRequiredService<DatasetRegistry>();
        var splitStore = runtime.Services.GetRequiredService<ModelSplitStore>();
        var champions = runtime.Services.GetRequiredService<ChampionStore>();
        var checkpoints = runtime.Workspace.Checkpoints("nightly-splits");

        // Night 1: 700 bars. The promotion window is the newest 252; train, validation and test come before it.
        await datasets.PushAsync("split-data", ModelsHarness.Csv(700, seed: 1), "test", default);
        Assert.Equal("Completed", RunService.ToView(await TestRuns.RunToEndAsync(runtime, Night("nightly-splits", "dataset:split-data", 1))).Status);
        var first = await runtime.Workspace.GetRunAsync("nightly-splits", default);
        var splits = Assert.Single((await splitStore.GetAsync("split-data", default))!.Generations);
        Assert.Equal(splits, first.Splits);
        var data1 = await runtime.Workspace.GetDataAsync(first, default);
        // The promotion series carries the bars before the window as feature history, so the gate scores all 252.
        Assert.Equal(252, data1.Promotion!.Count - data1.PromotionHistory);
        Assert.Equal(splits.Dates!.PromotionFrom, data1.Promotion.Times[data1.PromotionHistory]);
        Assert.True(data1.Test.Times[^1] < splits.Dates.PromotionFrom);
        var decision1 = Assert.Single(await champions.DecisionsAsync("split-data", default));
        Assert.Equal((splits.Dates.PromotionFrom, data1.Promotion.Times[^1]), (decision1.WindowStart, decision1.WindowEnd));
        Assert.Equal(251, decision1.Candidate.Steps); // 252 bars: 251 per-bar returns from the first bar to the last
        var update1 = (await checkpoints.ListAsync()).Max(c => c.Update);

        // Night 2: 100 new bars. Same dates: train, validation and test are the same bars; the promotion window grows.
        await datasets.PushAsync("split-data", ModelsHarness.Csv(800, seed: 1), "test", default);
        Assert.Equal("Completed", RunService.ToView(await TestRuns.RunToEndAsync(runtime, Night("nightly-splits", "dataset:split-data", 2))).Status);
        var second = await runtime.Workspace.GetRunAsync("nightly-splits", default);
        Assert.Equal(splits, second.Splits);
        var data2 = await runtime.Workspace.GetDataAsync(second, default);
        Assert.Equal(
            (data1.Train.Fingerprint(), data1.Validation.Fingerprint(), data1.Test.Fingerprint()),
            (data2.Train.Fingerprint(), data2.Validation.Fingerprint(), data2.Test.Fingerprint()));
        Assert.Equal(352, data2.Promotion!.Count - data2.PromotionHistory);
        Assert.Equal(first.Normalizer, second.Normalizer);
        var decision2 = (await champions.DecisionsAsync("split-data", default)).Single(d => d.Update > update1);
        Assert.Equal((splits.Dates.PromotionFrom, data2.Promotion.Times[^1]), (decision2.WindowStart, decision2.WindowEnd));
        var update2 = (await checkpoints.ListAsync()).Max(c => c.Update);
        Assert.True(update2 > update1, $"night 2 resumed from update {update1} and reached {update2}");

        // Night 3: 1,100 bars. The promotion window now holds 652 ≥ 2 × 252 bars: the splits roll to generation 2, and
        // the run goes on from its checkpoint and normaliser on the new generation's (longer) training window.
        await datasets.PushAsync("split-data", ModelsHarness.Csv(1100, seed: 1), "test", default);
        var night3 = RunService.ToView(await TestRuns.RunToEndAsync(runtime, Night("nightly-splits", "dataset:split-data", 3)));
        Assert.Equal("Completed", night3.Status);
        var model = (await splitStore.GetAsync("split-data", default))!;
        Assert.Equal([1, 2], model.Generations.Select(g => g.Generation));
        Assert.Equal("nightly-splits", model.Current.FixedBy);
        var third = await runtime.Workspace.GetRunAsync("nightly-splits", default);
        Assert.Equal(model.Current, third.Splits);
        Assert.True(model.Current.Dates!.PromotionFrom > splits.Dates.PromotionFrom);
        var data3 = await runtime.Workspace.GetDataAsync(third, default);
        Assert.True(data3.Train.Count > data1.Train.Count);
        Assert.Equal(first.Normalizer, third.Normalizer);
        Assert.True((await checkpoints.ListAsync()).Max(c => c.Update) > update2);
    }

    [Fact]
    public async Task An_experiment_run_of_the_model_reports_on_its_test_window_never_the_promotion_window_and_cannot_promote()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var datasets = runtime.Services.GetRequiredService<DatasetRegistry>();
        await datasets.PushAsync("split-exp", ModelsHarness.Csv(700, seed: 4), "test", default);
        Assert.Equal("Completed", RunService.ToView(await TestRuns.RunToEndAsync(runtime, Night("split-first", "dataset:split-exp", 1) with { Resume = false })).Status);

        var experiment = Night("split-experiment", "dataset:split-exp", 2) with { Resume = false, Promote = false, TrainFraction = 0.5, ValidationFraction = 0.25 };
        Assert.Equal("Completed", RunService.ToView(await TestRuns.RunToEndAsync(runtime, experiment)).Status);

        var first = await runtime.Workspace.GetRunAsync("split-first", default);
        var record = await runtime.Workspace.GetRunAsync("split-experiment", default);
        // Other fractions in the request do not move the model's dates: the model's first run fixed them.
        Assert.Equal(first.Splits, record.Splits);
        var data = await runtime.Workspace.GetDataAsync(record, default);
        var final = (await runtime.Workspace.ReadJsonAsync<RunFinal>(RunBlobs.Final("split-experiment"), default))!;
        Assert.Equal("test", final.Test.Split);
        Assert.True(data.Test.Times[^1] < record.Splits!.Dates!.PromotionFrom);
        Assert.False(final.Decision.Promoted);
        Assert.Equal(record.Splits.Dates.PromotionFrom, final.Decision.WindowStart);
        Assert.Equal(2, (await runtime.Services.GetRequiredService<TrialStore>().ListAsync("split-exp", default)).Count);
    }

    [Fact]
    public async Task A_synthetic_models_promotion_window_is_its_own_series_from_the_first_runs_market_seed()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var a = TestRuns.Small("synthetic-splits-a", seed: 3) with { Iterations = 1, Model = "synthetic-split-model" };
        var b = TestRuns.Small("synthetic-splits-b", seed: 4) with { Iterations = 1, Model = "synthetic-split-model", MarketSeed = 9 };
        Assert.Equal("Completed", RunService.ToView(await TestRuns.RunToEndAsync(runtime, a)).Status);
        Assert.Equal("Completed", RunService.ToView(await TestRuns.RunToEndAsync(runtime, b)).Status);

        var recordA = await runtime.Workspace.GetRunAsync(a.RunId, default);
        var recordB = await runtime.Workspace.GetRunAsync(b.RunId, default);
        var dataA = await runtime.Workspace.GetDataAsync(recordA, default);
        var dataB = await runtime.Workspace.GetDataAsync(recordB, default);
        Assert.Equal(3UL, recordB.Splits!.MarketSeed);
        Assert.Equal(dataA.Promotion!.Fingerprint(), dataB.Promotion!.Fingerprint());
        // Run b's own market (seed 9) differs from run a's (seed 3); neither trains, selects or tests on the promotion series.
        Assert.NotEqual(dataA.Train.Fingerprint(), dataB.Train.Fingerprint());
        foreach (var data in new[] { dataA, dataB })
        {
            Assert.DoesNotContain(data.Promotion!.Fingerprint(), new[] { data.Train.Fingerprint(), data.Validation.Fingerprint(), data.Test.Fingerprint() });
        }

        var decisions = await runtime.Services.GetRequiredService<ChampionStore>().DecisionsAsync("synthetic-split-model", default);
        Assert.All(decisions, d => Assert.Equal(dataA.Promotion.Fingerprint(), d.WindowFingerprint));
        Assert.Equal(2, decisions.Count);
    }

    [Fact]
    public async Task A_series_too_short_for_a_promotion_window_is_refused_at_the_start_naming_the_dataset_field()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        await runtime.Services.GetRequiredService<DatasetRegistry>().PushAsync("split-short", ModelsHarness.Csv(300, seed: 1), "test", default);

        var response = await runtime.Runs.StartAsync(Night("split-short-run", "dataset:split-short", 1), default);

        Assert.Equal(ApiOutcome.Invalid, response.Outcome);
        var error = Assert.Single(((ErrorBody)response.Body!).Fields);
        Assert.Equal("dataset", error.Field);
        Assert.Contains("the model's promotion window, which no run trains on", error.Message, StringComparison.Ordinal);
        Assert.Null(await runtime.Services.GetRequiredService<ModelSplitStore>().GetAsync("split-short", default));
    }

    [Fact]
    public async Task A_refused_start_writes_no_model_splits()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        await runtime.Services.GetRequiredService<DatasetRegistry>().PushAsync("split-stale", ModelsHarness.Csv(700, seed: 1), "test", default);
        var run = Night("split-stale-run", "dataset:split-stale", 1) with { MaxDataAgeDays = 4 };

        Assert.Equal("Failed", RunService.ToView(await TestRuns.RunToEndAsync(runtime, run)).Status);

        Assert.Null(await runtime.Services.GetRequiredService<ModelSplitStore>().GetAsync("split-stale", default));
    }
}
