using Lineage.Core.MarketData;

namespace Lineage.Core.Tests.MarketData;

public class SyntheticMarketsTests
{
    [Theory]
    [InlineData("trend")]
    [InlineData("meanrev")]
    [InlineData("randomwalk")]
    public void Same_seed_gives_the_same_series(string kind)
    {
        var a = SyntheticMarkets.Generate(kind, 500, 42);
        var b = SyntheticMarkets.Generate(kind, 500, 42);
        var c = SyntheticMarkets.Generate(kind, 500, 43);

        Assert.Equal(a.Fingerprint(), b.Fingerprint());
        Assert.NotEqual(a.Fingerprint(), c.Fingerprint());
        Assert.Equal(500, a.Count);
    }

    [Fact]
    public void Open_is_the_previous_close()
    {
        var s = SyntheticMarkets.Generate(SyntheticMarkets.Trend, 50, 1);

        for (var t = 1; t < s.Count; t++)
        {
            Assert.Equal(s.Close[t - 1], s.Open![t]);
        }
    }

    [Fact]
    public void Unknown_kind_lists_the_valid_kinds()
    {
        var e = Assert.Throws<ArgumentException>(() => SyntheticMarkets.Generate("sine", 100, 1));

        Assert.Contains("trend, meanrev, randomwalk", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_walk_has_no_drift_in_price()
    {
        // Mean simple return over 20 seeds × 2000 bars; its standard error is 1% / √40000 = 5e-5.
        var returns = Enumerable.Range(0, 20)
            .SelectMany(seed => SimpleReturns(SyntheticMarkets.Generate(SyntheticMarkets.RandomWalk, 2000, (ulong)seed)))
            .ToArray();

        Assert.InRange(returns.Average(), -2e-4, 2e-4);
    }

    [Fact]
    public void Trend_market_returns_follow_window_momentum()
    {
        var corr = MomentumCorrelation(SyntheticMarkets.Generate(SyntheticMarkets.Trend, 5000, 7));

        Assert.True(corr > 0.05, $"correlation of next return with 20-bar momentum was {corr}");
    }

    [Fact]
    public void Mean_reverting_market_returns_oppose_window_momentum()
    {
        var corr = MomentumCorrelation(SyntheticMarkets.Generate(SyntheticMarkets.MeanReverting, 5000, 7));

        Assert.True(corr < -0.05, $"correlation of next return with 20-bar momentum was {corr}");
    }

    [Fact]
    public void Random_walk_returns_are_unrelated_to_window_momentum()
    {
        var corr = MomentumCorrelation(SyntheticMarkets.Generate(SyntheticMarkets.RandomWalk, 5000, 7));

        Assert.InRange(corr, -0.05, 0.05);
    }

    [Fact]
    public void Mean_reverting_market_stays_near_its_level()
    {
        var s = SyntheticMarkets.Generate(SyntheticMarkets.MeanReverting, 5000, 11);

        Assert.InRange(s.Close.Average(), 95, 105);
        Assert.InRange(s.Close.Max(), 100, 120);
    }

    private static double[] SimpleReturns(PriceSeries s) =>
        Enumerable.Range(1, s.Count - 1).Select(t => (s.Close[t] / s.Close[t - 1]) - 1).ToArray();

    /// <summary>The correlation of the 20-bar log momentum with the next bar's log return (shared with SignalToNoiseTests).</summary>
    internal static double MomentumCorrelation(PriceSeries s)
    {
        const int w = 20;
        var xs = new List<double>();
        var ys = new List<double>();
        for (var t = w; t < s.Count - 1; t++)
        {
            xs.Add(Math.Log(s.Close[t] / s.Close[t - w]));
            ys.Add(Math.Log(s.Close[t + 1] / s.Close[t]));
        }

        var mx = xs.Average();
        var my = ys.Average();
        var cov = xs.Zip(ys, (x, y) => (x - mx) * (y - my)).Sum();
        var vx = xs.Sum(x => (x - mx) * (x - mx));
        var vy = ys.Sum(y => (y - my) * (y - my));
        return cov / Math.Sqrt(vx * vy);
    }
}
