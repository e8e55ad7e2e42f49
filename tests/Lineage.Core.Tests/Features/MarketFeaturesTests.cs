using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Tests.MarketData;

namespace Lineage.Core.Tests.Features;

public class MarketFeaturesTests
{
    private static readonly FeatureSpec AllMarket = new()
    {
        Window = 5,
        Features = [FeatureKind.LogReturn, FeatureKind.Momentum, FeatureKind.VolatilityNormalizedReturn, FeatureKind.Volatility, FeatureKind.ZScore],
    };

    [Fact]
    public void Log_return_and_momentum_match_their_definitions()
    {
        var s = SyntheticMarkets.Generate(SyntheticMarkets.Trend, 40, 3);
        var f = MarketFeatures.Compute(s, AllMarket);

        const int t = 17;
        Assert.Equal(Math.Log(s.Close[t] / s.Close[t - 1]), f[t, 0], 12);
        Assert.Equal(Math.Log(s.Close[t] / s.Close[t - 5]), f[t, 1], 12);
    }

    [Fact]
    public void Volatility_is_the_sample_std_of_the_last_window_returns()
    {
        var s = SyntheticMarkets.Generate(SyntheticMarkets.RandomWalk, 40, 3);
        var f = MarketFeatures.Compute(s, AllMarket);

        const int t = 30;
        var r = Enumerable.Range(t - 4, 5).Select(i => Math.Log(s.Close[i] / s.Close[i - 1])).ToArray();
        var mean = r.Average();
        var sd = Math.Sqrt(r.Sum(x => (x - mean) * (x - mean)) / 4);
        Assert.Equal(sd, f[t, 3], 12);
        Assert.Equal(r[^1] / sd, f[t, 2], 9);
    }

    [Fact]
    public void Constant_prices_give_zero_features_not_nan()
    {
        var f = MarketFeatures.Compute(TestSeries.Constant(30, 7), AllMarket);

        for (var t = 0; t < f.Rows; t++)
        {
            foreach (var v in f.Row(t))
            {
                Assert.Equal(0, v);
            }
        }
    }

    [Fact]
    public void Account_features_are_not_columns()
    {
        var f = MarketFeatures.Compute(TestSeries.Constant(30, 7), FeatureSpec.Default);

        Assert.Equal(3, f.ColumnCount);
        Assert.Equal(20, f.WarmupBars);
    }

    [Fact]
    public void Changing_future_prices_leaves_earlier_rows_unchanged()
    {
        var s = SyntheticMarkets.Generate(SyntheticMarkets.MeanReverting, 200, 9);
        const int cut = 120;
        var changed = FutureChanged(s, cut);

        var a = MarketFeatures.Compute(s, AllMarket);
        var b = MarketFeatures.Compute(changed, AllMarket);

        for (var t = 0; t <= cut; t++)
        {
            Assert.Equal(a.Row(t).ToArray(), b.Row(t).ToArray());
        }

        Assert.NotEqual(a.Row(cut + 1).ToArray(), b.Row(cut + 1).ToArray());
    }

    /// <summary>A copy of <paramref name="s"/> whose bars after <paramref name="cut"/> are scrambled.</summary>
    internal static PriceSeries FutureChanged(PriceSeries s, int cut)
    {
        var close = (double[])s.Close.Clone();
        var open = (double[]?)s.Open?.Clone();
        for (var t = cut + 1; t < s.Count; t++)
        {
            close[t] *= 1.5 + (0.1 * (t % 7));
            if (open is not null)
            {
                open[t] *= 0.6 + (0.1 * (t % 5));
            }
        }

        return new PriceSeries(s.Name, s.Times, open, close);
    }
}
