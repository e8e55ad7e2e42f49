using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;

namespace Lineage.IntegrationTests.Orchestration;

/// <summary>
/// A run's validation and test series start with read-only history: the scored windows are the splits' own bars, the same
/// for every feature spec, and no training bar is scored.
/// </summary>
public sealed class RunDataHistoryTests
{
    private static TrainingRun Spy(FeatureSpec features) => TestRuns.Small("history-spy") with { Dataset = "spy", Features = features };

    [Fact]
    public async Task A_files_validation_and_test_carry_the_bars_before_them_and_score_exactly_the_chronological_splits()
    {
        var series = BundledData.Load("spy");
        var plain = DataSplits.Chronological(series, 0.7, 0.15);

        var data = await DatasetLoader.LoadAsync(Spy(FeatureSpec.Default), null, null, CancellationToken.None);

        Assert.Equal((DataSplits.HistoryBars, DataSplits.HistoryBars), (data.ValidationHistory, data.TestHistory));
        Assert.Equal(plain.Train.Fingerprint(), data.Train.Fingerprint());
        Assert.Equal(plain.Validation.Fingerprint(), data.Scored(Splits.Validation).Fingerprint());
        Assert.Equal(plain.Test.Fingerprint(), data.Scored(Splits.Test).Fingerprint());
        // The validation history is the end of training; the test history the end of validation (and of training before it).
        Assert.Equal(
            data.Train.Slice(data.Train.Count - DataSplits.HistoryBars, DataSplits.HistoryBars).Fingerprint(),
            data.Validation.Slice(0, DataSplits.HistoryBars).Fingerprint());
        Assert.Equal(
            series.Slice(plain.Train.Count + plain.Validation.Count - DataSplits.HistoryBars, DataSplits.HistoryBars).Fingerprint(),
            data.Test.Slice(0, DataSplits.HistoryBars).Fingerprint());
        Assert.True(data.Train.Times[^1] < data.Scored(Splits.Validation).Times[0]);
    }

    [Fact]
    public async Task Default_and_rich_features_get_the_same_scored_windows_and_first_bars_of_a_file()
    {
        var defaultRun = Spy(FeatureSpec.Default);
        var richRun = Spy(FeatureSpec.Rich);
        var defaultData = await DatasetLoader.LoadAsync(defaultRun, null, null, CancellationToken.None);
        var richData = await DatasetLoader.LoadAsync(richRun, null, null, CancellationToken.None);

        Assert.Equal(defaultData.Fingerprint, richData.Fingerprint);
        foreach (var split in new[] { Splits.Validation, Splits.Test })
        {
            var defaultEnvironment = RunWorkspace.Environment(Context(defaultRun, defaultData), defaultData, split);
            var richEnvironment = RunWorkspace.Environment(Context(richRun, richData), richData, split);

            // Both start at the first bar after the history, the split's first bar, and end at its last.
            Assert.Equal(defaultData.History(split), defaultEnvironment.FirstStartIndex);
            Assert.Equal(richData.History(split), richEnvironment.FirstStartIndex);
            Assert.Equal(defaultData.Scored(split).Times[0], defaultEnvironment.Series.Times[defaultEnvironment.FirstStartIndex]);
            Assert.Equal(defaultData.Scored(split).Times[0], richEnvironment.Series.Times[richEnvironment.FirstStartIndex]);
            Assert.Equal(defaultEnvironment.Series.Times[^1], richEnvironment.Series.Times[^1]);
        }
    }

    [Fact]
    public async Task Under_the_models_split_dates_validation_and_test_are_the_cut_parts_after_their_history()
    {
        var series = BundledData.Load("spy");
        var dates = PromotionWindows.Fix(series, new PromotionWindowSize(), 0.7, 0.15);
        var splits = new SplitGeneration(1, dates, null, null, series.Count, "test", "test", DateTimeOffset.UnixEpoch);
        var cut = PromotionWindows.Apply(series, dates);

        var data = await DatasetLoader.LoadAsync(Spy(FeatureSpec.Default), splits, null, CancellationToken.None);

        Assert.Equal(cut.Train.Fingerprint(), data.Train.Fingerprint());
        Assert.Equal(cut.Validation.Fingerprint(), data.Scored(Splits.Validation).Fingerprint());
        Assert.Equal(cut.Test.Fingerprint(), data.Scored(Splits.Test).Fingerprint());
        Assert.Equal((DataSplits.HistoryBars, DataSplits.HistoryBars), (data.ValidationHistory, data.TestHistory));
        Assert.Equal(cut.Promotion.Fingerprint(), data.Promotion!.Slice(data.PromotionHistory, cut.Promotion.Count).Fingerprint());
    }

    [Fact]
    public async Task A_synthetic_markets_scored_windows_are_eval_bars_long_after_256_generated_bars_of_history()
    {
        var run = TestRuns.Small("history-synthetic");
        var evalBars = DatasetLoader.SyntheticEvaluationBars(run);

        var data = await DatasetLoader.LoadAsync(run, null, null, CancellationToken.None);
        var rich = await DatasetLoader.LoadAsync(run with { Features = FeatureSpec.Rich }, null, null, CancellationToken.None);

        Assert.Equal(500, evalBars);
        Assert.Equal(evalBars, data.Scored(Splits.Validation).Count);
        Assert.Equal(evalBars, data.Scored(Splits.Test).Count);
        Assert.Equal((DataSplits.HistoryBars, DataSplits.HistoryBars), (data.ValidationHistory, data.TestHistory));
        // The same generator seeds as before, HistoryBars more bars: the first 256 are the history.
        Assert.Equal(SyntheticMarkets.Generate(SyntheticMarkets.Trend, evalBars + DataSplits.HistoryBars, Seeds.Derive(run.Seed, 2)).Fingerprint(), data.Validation.Fingerprint());
        Assert.Equal(SyntheticMarkets.Generate(SyntheticMarkets.Trend, evalBars + DataSplits.HistoryBars, Seeds.Derive(run.Seed, 3)).Fingerprint(), data.Test.Fingerprint());
        Assert.Equal(data.Fingerprint, rich.Fingerprint);
    }

    private static CheckpointContext Context(TrainingRun run, RunData data) =>
        new(run.RunId, -1, run.Dataset, data.Fingerprint, run.Features, Normalizer.Fit(MarketFeatures.Compute(data.Train, run.Features)), run.Reward, run.Arena);
}
