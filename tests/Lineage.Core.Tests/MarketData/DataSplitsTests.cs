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
