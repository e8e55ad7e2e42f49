using Lineage.Core.MarketData;

namespace Lineage.Core.Tests.MarketData;

public class PriceSeriesTests
{
    [Fact]
    public void Slice_copies_the_requested_bars_and_keeps_bars_per_year()
    {
        var s = SyntheticMarkets.Generate(SyntheticMarkets.RandomWalk, 300, 1);

        var slice = s.Slice(100, 50);

        Assert.Equal(50, slice.Count);
        Assert.Equal(s.Times[100], slice.Times[0]);
        Assert.Equal(s.Close[149], slice.Close[^1]);
        Assert.Equal(s.Open![120], slice.Open![20]);
        Assert.Equal(s.BarsPerYear, slice.BarsPerYear);
    }

    [Theory]
    [InlineData(-1, 5)]
    [InlineData(0, 0)]
    [InlineData(8, 3)]
    public void Slice_outside_the_series_throws(int start, int count)
    {
        var s = TestSeries.Constant(10, 5);

        Assert.Throws<ArgumentOutOfRangeException>(() => s.Slice(start, count));
    }

    [Fact]
    public void Fingerprint_depends_on_content_not_name()
    {
        var a = new PriceSeries("a", TestSeries.Days(3), null, [1, 2, 3]);
        var b = new PriceSeries("b", TestSeries.Days(3), null, [1, 2, 3]);
        var c = new PriceSeries("a", TestSeries.Days(3), null, [1, 2, 3.0000001]);

        Assert.Equal(a.Fingerprint(), b.Fingerprint());
        Assert.NotEqual(a.Fingerprint(), c.Fingerprint());
        Assert.Matches("^[0-9a-f]{64}$", a.Fingerprint());
    }

    [Fact]
    public void Fingerprint_distinguishes_close_only_from_open_close()
    {
        var closeOnly = new PriceSeries("a", TestSeries.Days(2), null, [1, 2]);
        var withOpen = new PriceSeries("a", TestSeries.Days(2), [1, 1], [1, 2]);

        Assert.NotEqual(closeOnly.Fingerprint(), withOpen.Fingerprint());
    }

    [Fact]
    public void Constructor_rejects_unordered_times()
    {
        var times = TestSeries.Days(3);
        (times[1], times[2]) = (times[2], times[1]);

        var e = Assert.Throws<ArgumentException>(() => new PriceSeries("x", times, null, [1, 2, 3]));
        Assert.Contains("Times[2]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_rejects_non_positive_price()
    {
        var e = Assert.Throws<ArgumentException>(() => new PriceSeries("x", TestSeries.Days(3), null, [1, 0, 3]));
        Assert.Contains("Close[1]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bars_per_year_of_daily_stocks_is_about_252()
    {
        var spy = BundledData.Load("spy");

        Assert.InRange(spy.BarsPerYear, 245, 256);
    }

    [Fact]
    public void Bars_per_year_of_hourly_fx_counts_weekend_gaps()
    {
        var eurusd = BundledData.Load("eurusd");

        // 24 h × ~260 weekdays ≈ 6200, well below 8760 (every hour of the year).
        Assert.InRange(eurusd.BarsPerYear, 5800, 6400);
    }

    [Fact]
    public void Bars_per_year_of_a_short_daily_weekday_series_uses_median_spacing()
    {
        var s = SyntheticMarkets.Generate(SyntheticMarkets.RandomWalk, 30, 3);

        Assert.InRange(s.BarsPerYear, 255, 265);
    }

    [Fact]
    public void Bars_per_year_of_a_short_hourly_series_with_weekend_bars_counts_every_hour()
    {
        var saturday = new DateTimeOffset(2021, 3, 6, 0, 0, 0, TimeSpan.Zero);
        var times = Enumerable.Range(0, 48).Select(i => saturday.AddHours(i)).ToArray();
        var s = new PriceSeries("h", times, null, Enumerable.Repeat(1.0, 48).ToArray());

        Assert.InRange(s.BarsPerYear, 8700, 8800);
    }

    [Fact]
    public void Bars_per_year_of_a_short_hourly_weekday_series_assumes_weekends_closed()
    {
        var monday = new DateTimeOffset(2021, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var times = Enumerable.Range(0, 48).Select(i => monday.AddHours(i)).ToArray();
        var s = new PriceSeries("h", times, null, Enumerable.Repeat(1.0, 48).ToArray());

        Assert.InRange(s.BarsPerYear, 6200, 6300);
    }
}
