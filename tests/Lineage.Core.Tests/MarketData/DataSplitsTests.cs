using Lineage.Core.MarketData;

namespace Lineage.Core.Tests.MarketData;

public class DataSplitsTests
{
    [Fact]
    public void Parts_are_consecutive_and_cover_the_series()
    {
        var s = SyntheticMarkets.Generate(SyntheticMarkets.Trend, 1001, 5);

        var split = DataSplits.Chronological(s);

        Assert.Equal(700, split.Train.Count);
        Assert.Equal(150, split.Validation.Count);
        Assert.Equal(151, split.Test.Count);
        Assert.Equal(s.Times[0], split.Train.Times[0]);
        Assert.Equal(s.Times[700], split.Validation.Times[0]);
        Assert.Equal(s.Times[850], split.Test.Times[0]);
        Assert.Equal(s.Times[^1], split.Test.Times[^1]);
        Assert.True(split.Train.Times[^1] < split.Validation.Times[0]);
        Assert.True(split.Validation.Times[^1] < split.Test.Times[0]);
    }

    [Fact]
    public void With_history_the_validation_part_starts_with_the_last_bars_of_train_and_its_scored_bars_are_the_plain_split()
    {
        var s = SyntheticMarkets.Generate(SyntheticMarkets.Trend, 2000, 5);
        var plain = DataSplits.Chronological(s);

        var split = DataSplits.Chronological(s, historyBars: DataSplits.HistoryBars);

        Assert.Equal(plain.Train.Fingerprint(), split.Train.Fingerprint());
        Assert.Equal(DataSplits.HistoryBars, split.ValidationHistory);
        Assert.Equal(DataSplits.HistoryBars, split.TestHistory);
        Assert.Equal(
            split.Train.Slice(split.Train.Count - DataSplits.HistoryBars, DataSplits.HistoryBars).Fingerprint(),
            split.Validation.Slice(0, DataSplits.HistoryBars).Fingerprint());
        Assert.Equal(plain.Validation.Fingerprint(), split.Validation.Slice(DataSplits.HistoryBars, plain.Validation.Count).Fingerprint());
        // The test part's history is the bars just before it: the end of validation (300 bars, so all of them here).
        Assert.Equal(
            plain.Validation.Slice(plain.Validation.Count - DataSplits.HistoryBars, DataSplits.HistoryBars).Fingerprint(),
            split.Test.Slice(0, DataSplits.HistoryBars).Fingerprint());
        Assert.Equal(plain.Test.Fingerprint(), split.Test.Slice(DataSplits.HistoryBars, plain.Test.Count).Fingerprint());
    }

    [Fact]
    public void History_is_at_most_the_bars_before_a_part()
    {
        var s = SyntheticMarkets.Generate(SyntheticMarkets.Trend, 1001, 5);

        var split = DataSplits.Chronological(s, historyBars: 5000);

        Assert.Equal(700, split.ValidationHistory);
        Assert.Equal(850, split.TestHistory);
        Assert.Equal(s.Fingerprint(), split.Test.Fingerprint());
    }

    [Theory]
    [InlineData(0.0, 0.15)]
    [InlineData(1.0, 0.15)]
    [InlineData(0.7, 0.0)]
    [InlineData(0.7, 0.3)]
    [InlineData(double.NaN, 0.1)]
    public void Invalid_fractions_throw(double train, double validation)
    {
        var s = TestSeries.Constant(100, 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplits.Chronological(s, train, validation));
    }

    [Fact]
    public void Too_short_series_throws_with_part_sizes()
    {
        var e = Assert.Throws<ArgumentException>(() => DataSplits.Chronological(TestSeries.Constant(5, 1)));

        Assert.Contains("5 bars", e.Message, StringComparison.Ordinal);
    }
}
