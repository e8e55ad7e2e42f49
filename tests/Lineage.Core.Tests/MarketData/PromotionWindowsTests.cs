using Lineage.Core.MarketData;

namespace Lineage.Core.Tests.MarketData;

public sealed class PromotionWindowsTests
{
    private static readonly PromotionWindowSize Size = new();

    private static PriceSeries Rising(int bars) => TestSeries.CloseOnly(Enumerable.Range(0, bars).Select(i => 100.0 + i).ToArray());

    [Theory]
    [InlineData(1000, 252)] // max(252, 150)
    [InlineData(2000, 300)] // max(252, 300)
    [InlineData(5241, 787)] // ⌈0.15 × 5241⌉
    public void Promotion_window_is_the_newest_max_of_252_bars_and_15_percent(int bars, int expected)
    {
        var series = Rising(bars);

        var dates = PromotionWindows.Fix(series, Size, 0.7, 0.15);
        var split = PromotionWindows.Apply(series, dates);

        Assert.Equal(expected, split.Promotion.Count);
        Assert.Equal(series.Times[^1], split.Promotion.Times[^1]);
        var before = bars - expected;
        Assert.Equal((int)Math.Floor(before * 0.7), split.Train.Count);
        Assert.Equal((int)Math.Floor(before * 0.15), split.Validation.Count);
        Assert.Equal(bars, split.Train.Count + split.Validation.Count + split.Test.Count + split.Promotion.Count);
        Assert.True(split.Test.Times[^1] < split.Promotion.Times[0]);
    }

    [Fact]
    public void New_bars_join_the_promotion_window_and_never_move_earlier_splits()
    {
        var fixedOn = Rising(1000);
        var dates = PromotionWindows.Fix(fixedOn, Size, 0.7, 0.15);
        var before = PromotionWindows.Apply(fixedOn, dates);

        var later = PromotionWindows.Apply(Rising(1200), dates);

        Assert.Equal(before.Train.Fingerprint(), later.Train.Fingerprint());
        Assert.Equal(before.Validation.Fingerprint(), later.Validation.Fingerprint());
        Assert.Equal(before.Test.Fingerprint(), later.Test.Fingerprint());
        Assert.Equal(before.Promotion.Count + 200, later.Promotion.Count);
    }

    [Fact]
    public void Splits_roll_once_the_window_holds_the_roll_factor_times_what_the_data_asks_for()
    {
        var dates = PromotionWindows.Fix(Rising(1000), Size, 0.7, 0.15); // 252 bars of promotion

        Assert.False(PromotionWindows.ShouldRoll(Rising(1000), dates, Size, 2));
        Assert.False(PromotionWindows.ShouldRoll(Rising(1251), dates, Size, 2)); // 503 held < 2 × 252
        Assert.True(PromotionWindows.ShouldRoll(Rising(1252), dates, Size, 2)); // 504 held
        var rolled = PromotionWindows.Fix(Rising(1252), Size, 0.7, 0.15);
        Assert.True(rolled.PromotionFrom > dates.PromotionFrom);
        Assert.True(rolled.TestFrom > dates.TestFrom);
    }

    [Fact]
    public void Too_short_a_series_or_data_that_no_longer_fits_the_dates_is_refused_with_the_counts()
    {
        var tooShort = Assert.Throws<ArgumentException>(() => PromotionWindows.Fix(Rising(254), Size, 0.7, 0.15));
        Assert.Contains("promotion window of 252 bars", tooShort.Message, StringComparison.Ordinal);

        var dates = PromotionWindows.Fix(Rising(1000), Size, 0.7, 0.15);
        var truncated = Assert.Throws<ArgumentException>(() => PromotionWindows.Apply(Rising(700), dates));
        Assert.Contains("promotion 0 bars", truncated.Message, StringComparison.Ordinal);
    }
}
