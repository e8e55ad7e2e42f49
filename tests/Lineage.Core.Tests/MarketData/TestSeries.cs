using Lineage.Core.MarketData;

namespace Lineage.Core.Tests.MarketData;

/// <summary>Small hand-made series for tests.</summary>
internal static class TestSeries
{
    public static DateTimeOffset[] Days(int count)
    {
        var start = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return Enumerable.Range(0, count).Select(i => start.AddDays(i)).ToArray();
    }

    /// <summary>Close-only series with the given closes, one bar per calendar day.</summary>
    public static PriceSeries CloseOnly(params double[] closes) => new("test", Days(closes.Length), null, closes);

    /// <summary>Series with explicit opens and closes.</summary>
    public static PriceSeries WithOpen(double[] opens, double[] closes) => new("test", Days(closes.Length), opens, closes);

    public static PriceSeries Constant(int count, double price) => CloseOnly(Enumerable.Repeat(price, count).ToArray());
}
