using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.MarketData;

public class WalkForwardTests
{
    private static readonly WalkForwardOptions Five = new() { Folds = 5, TestFraction = 0.5, ValidationFraction = 0.1 };

    private static PriceSeries Series(int bars) => SyntheticMarkets.Generate(SyntheticMarkets.Trend, bars, 7);

    private static PriceSeries Scored(PriceSeries series, int history) => series.Slice(history, series.Count - history);

    [Fact]
    public void Fold_count_and_block_sizes_are_as_requested()
    {
        var folds = WalkForward.Folds(Series(2000), Five);

        Assert.Equal(5, folds.Count);
        Assert.All(folds, f => Assert.Equal(200, f.TestBars));
        Assert.All(folds, f => Assert.Equal(200, f.ValidationBars));
        Assert.All(folds, f => Assert.Equal(WalkForward.MinimumEmbargo(FeatureSpec.Default), f.EmbargoBars));
        Assert.Equal([0, 1, 2, 3, 4], folds.Select(f => f.Index));
    }

    [Fact]
    public void Explicit_test_bars_override_the_fraction()
    {
        var folds = WalkForward.Folds(Series(2000), Five with { TestBars = 150, EmbargoBars = 30 });

        Assert.All(folds, f => Assert.Equal(150, f.TestBars));
        Assert.All(folds, f => Assert.Equal(30, f.EmbargoBars));
        Assert.Equal(2000 - (5 * 150), folds[0].TestStart);
    }

    [Fact]
    public void Test_blocks_are_contiguous_do_not_overlap_and_end_at_the_last_bar()
    {
        var folds = WalkForward.Folds(Series(2003), Five);

        for (var k = 1; k < folds.Count; k++)
        {
            Assert.Equal(folds[k - 1].TestEnd, folds[k].TestStart);
        }

        Assert.Equal(2003, folds[^1].TestEnd);
    }

    [Fact]
    public void Training_expands_by_one_test_block_per_fold()
    {
        var folds = WalkForward.Folds(Series(2000), Five);

        for (var k = 1; k < folds.Count; k++)
        {
            Assert.Equal(folds[k - 1].TrainBars + folds[k - 1].TestBars, folds[k].TrainBars);
        }
    }

    [Fact]
    public void No_training_or_validation_bar_overlaps_or_follows_its_test_bars()
    {
        var series = Series(2000);
        foreach (var fold in WalkForward.Folds(series, Five))
        {
            var split = WalkForward.Split(series, fold);
            var validation = Scored(split.Validation, split.ValidationHistory);
            var decisions = Scored(split.Test, split.TestHistory);
            var testBlockStart = series.Times[fold.TestStart];

            Assert.True(fold.TrainBars <= fold.ValidationStart);
            Assert.Equal(series.Times[fold.ValidationStart], validation.Times[0]);
            Assert.Equal(series.Times[fold.TestStart - 1], decisions.Times[0]);
            Assert.True(split.Train.Times[^1] < validation.Times[0]);
            Assert.True(validation.Times[^1] < decisions.Times[0]);
            Assert.True(split.Train.Times[^1] < testBlockStart);
            Assert.True(validation.Times[^1] < testBlockStart);
            Assert.Empty(split.Train.Times.Intersect(decisions.Times));
            Assert.Empty(validation.Times.Intersect(decisions.Times));
        }
    }

    [Fact]
    public void The_validation_blocks_history_is_the_end_of_training_and_the_test_splits_the_bars_before_its_first_decision()
    {
        var series = Series(2000);
        foreach (var fold in WalkForward.Folds(series, Five))
        {
            var split = WalkForward.Split(series, fold);

            Assert.Equal(Math.Min(DataSplits.HistoryBars, fold.TrainBars), split.ValidationHistory);
            Assert.Equal(
                split.Train.Slice(split.Train.Count - split.ValidationHistory, split.ValidationHistory).Fingerprint(),
                split.Validation.Slice(0, split.ValidationHistory).Fingerprint());
            Assert.Equal(series.Slice(fold.ValidationStart, fold.ValidationBars).Fingerprint(), Scored(split.Validation, split.ValidationHistory).Fingerprint());
            Assert.Equal(DataSplits.HistoryBars, split.TestHistory);
            Assert.Equal(series.Slice(fold.TestStart - 1 - split.TestHistory, split.TestHistory).Fingerprint(), split.Test.Slice(0, split.TestHistory).Fingerprint());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Embargo_keeps_the_feature_window_of_every_test_decision_out_of_training_and_validation(bool rich)
    {
        // The read-only history in front of the test split reaches back into validation; the features of every bar the agent
        // decides on must not: they are the same when the series is cut at the end of the validation block.
        var spec = rich ? FeatureSpec.Rich : FeatureSpec.Default;
        var series = Series(3000);
        foreach (var fold in WalkForward.Folds(series, Five with { Features = spec }))
        {
            var split = WalkForward.Split(series, fold);
            Assert.True(fold.TestStart - 1 - spec.RequiredHistory >= fold.ValidationEnd);
            Assert.Equal(fold.TestStart - 1, fold.TestSplitStart + split.TestHistory);
            Assert.True(fold.TestSplitStart < fold.ValidationEnd, "the test split's history reaches into validation (read-only)");

            var withHistory = MarketFeatures.Compute(split.Test, spec);
            var embargoOnly = MarketFeatures.Compute(series.Slice(fold.ValidationEnd, fold.TestEnd - fold.ValidationEnd), spec);
            var offset = fold.ValidationEnd - fold.TestSplitStart;
            for (var t = split.TestHistory; t < split.Test.Count; t++)
            {
                Assert.Equal(embargoOnly.Row(t - offset).ToArray(), withHistory.Row(t).ToArray());
            }
        }
    }

    [Fact]
    public void Test_evaluation_returns_cover_exactly_the_test_block()
    {
        var series = Series(1200);
        var options = new WalkForwardOptions { Folds = 3, TestBars = 100 };
        foreach (var fold in WalkForward.Folds(series, options))
        {
            var split = WalkForward.Split(series, fold);
            var environment = new TradingEnvironment(
                split.Test, FeatureSpec.Default, Normalizer.Fit(MarketFeatures.Compute(split.Train, FeatureSpec.Default)), ArenaOptions.Classic, new RewardOptions(), split.TestHistory);
            var buyAndHold = Evaluator.RunBuyAndHold(environment, environment.FirstStartIndex);

            // The equity curve starts at the decision bar before the block and has one return per test bar.
            Assert.Equal(series.Times[fold.TestStart - 1], split.Test.Times[environment.FirstStartIndex]);
            Assert.Equal(fold.TestBars, Evaluator.PerBarReturns(environment.EquityCurve).Length);
            Assert.Equal(series.Times[fold.TestEnd - 1], split.Test.Times[^1]);
            Assert.True(buyAndHold.Result.Steps > 0);
        }
    }

    [Fact]
    public void Folds_are_deterministic()
    {
        var a = WalkForward.Folds(Series(2000), Five);
        var b = WalkForward.Folds(Series(2000), Five);

        Assert.Equal(a, b);
    }

    [Fact]
    public void Too_short_series_throws_naming_the_sizes()
    {
        var ex = Assert.Throws<ArgumentException>(() => WalkForward.Folds(Series(200), Five));

        Assert.Contains("200 bars", ex.Message, StringComparison.Ordinal);
        Assert.Contains("5 walk-forward folds", ex.Message, StringComparison.Ordinal);
        Assert.Contains("first fold would train on", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Embargo_shorter_than_the_look_back_is_refused()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => WalkForward.Folds(Series(2000), Five with { EmbargoBars = 5 }));

        Assert.Contains("look-back", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fold_beyond_the_series_is_invalid()
    {
        var fold = WalkForward.Folds(Series(2000), Five)[^1];

        var ex = Assert.Throws<ArgumentException>(() => WalkForward.Split(Series(1500), fold));

        Assert.Contains("beyond the series", ex.Message, StringComparison.Ordinal);
    }
}
