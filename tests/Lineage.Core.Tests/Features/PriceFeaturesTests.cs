using System.Text.Json;
using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Tests.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Features;

/// <summary>The price- and volume-derived features beyond the default five: definitions, look-backs, warm-up, no look-ahead.</summary>
public class PriceFeaturesTests
{
    private static readonly FeatureKind[] MarketKinds = Enum.GetValues<FeatureKind>().Where(k => !k.IsAccountFeature()).ToArray();

    private static readonly FeatureSpec AllMarket = new() { Window = 20, Features = MarketKinds };

    /// <summary>400 daily bars with a wave, a drift and volume that varies (some bars zero).</summary>
    private static PriceSeries WithVolume(int count = 400)
    {
        var close = Enumerable.Range(0, count).Select(t => 100 * Math.Exp((0.002 * t) + (0.08 * Math.Sin(t / 9.0)) + (0.01 * Math.Cos(t * 1.7)))).ToArray();
        var volume = Enumerable.Range(0, count).Select(t => t % 37 == 0 ? 0 : 1_000 + (400 * Math.Sin(t * 0.9)) + (3 * t)).ToArray();
        return new PriceSeries("wave", TestSeries.Days(count), null, close, volume: volume);
    }

    private static double Column(MarketFeatures f, int t, FeatureKind kind) => f[t, Array.IndexOf(f.Columns, kind)];

    [Fact]
    public void New_features_match_their_definitions()
    {
        var s = WithVolume();
        var f = MarketFeatures.Compute(s, AllMarket);
        const int t = 377;
        var l = s.Close.Select(x => Math.Log(x)).ToArray();
        double Sd(int h)
        {
            var r = Enumerable.Range(t - h + 1, h).Select(i => l[i] - l[i - 1]).ToArray();
            var mean = r.Average();
            return Math.Sqrt(r.Sum(x => (x - mean) * (x - mean)) / (h - 1));
        }

        Assert.Equal(l[t] - l[t - 5], Column(f, t, FeatureKind.Momentum5), 12);
        Assert.Equal(l[t] - l[t - 60], Column(f, t, FeatureKind.Momentum60), 12);
        Assert.Equal(l[t] - l[t - 120], Column(f, t, FeatureKind.Momentum120), 12);
        Assert.Equal(Sd(20), Column(f, t, FeatureKind.Volatility20), 12);
        Assert.Equal(Sd(60), Column(f, t, FeatureKind.Volatility60), 12);
        Assert.Equal(Math.Log(s.Close[t] / s.Close.Skip(t - 49).Take(50).Average()), Column(f, t, FeatureKind.MovingAverageDistance50), 12);
        Assert.Equal(Math.Log(s.Close[t] / s.Close.Skip(t - 199).Take(200).Average()), Column(f, t, FeatureKind.MovingAverageDistance200), 12);
        Assert.Equal(Math.Log(s.Close[t] / s.Close.Skip(t - 250).Take(251).Max()), Column(f, t, FeatureKind.Drawdown250), 12);
        Assert.Equal(Math.Log((1 + s.Volume![t]) / (1 + s.Volume.Skip(t - 19).Take(20).Average())), Column(f, t, FeatureKind.VolumeRatio20), 12);
    }

    [Fact]
    public void Moving_average_distance_and_drawdown_on_a_hand_made_series()
    {
        // 300 bars at 100, a jump to 200 at bar 300, then 150 from bar 301 on.
        var close = Enumerable.Range(0, 320).Select(t => t < 300 ? 100.0 : t == 300 ? 200.0 : 150.0).ToArray();
        var f = MarketFeatures.Compute(TestSeries.CloseOnly(close), new FeatureSpec
        {
            Features = [FeatureKind.MovingAverageDistance50, FeatureKind.MovingAverageDistance200, FeatureKind.Drawdown250],
        });

        Assert.Equal(Math.Log(200 / ((49 * 100.0 + 200) / 50)), f[300, 0], 12);
        Assert.Equal(Math.Log(200 / ((199 * 100.0 + 200) / 200)), f[300, 1], 12);
        Assert.Equal(0, f[300, 2], 12);
        Assert.Equal(Math.Log(150 / ((40 * 100.0) + 200 + (9 * 150.0)) * 50), f[309, 0], 12);
        Assert.Equal(Math.Log(0.75), f[310, 2], 12);
        Assert.Equal(0, f[299, 0], 12);
        Assert.Equal(0, f[299, 2], 12);
    }

    [Fact]
    public void Drawdown_forgets_a_peak_older_than_250_bars()
    {
        var close = Enumerable.Range(0, 400).Select(t => t == 10 ? 300.0 : 100.0).ToArray();
        var f = MarketFeatures.Compute(TestSeries.CloseOnly(close), new FeatureSpec { Features = [FeatureKind.Drawdown250] });

        Assert.Equal(Math.Log(100 / 300.0), f[260, 0], 12);
        Assert.Equal(0, f[261, 0], 12);
    }

    [Fact]
    public void Zero_volume_bars_give_finite_features()
    {
        var f = MarketFeatures.Compute(WithVolume(), new FeatureSpec { Features = [FeatureKind.VolumeRatio20] });

        Assert.All(Enumerable.Range(0, f.Rows), t => Assert.True(double.IsFinite(f[t, 0])));
        Assert.True(f[37, 0] < 0);
    }

    [Fact]
    public void Changing_future_bars_never_changes_any_feature_at_or_before_the_change()
    {
        var s = WithVolume();
        const int cut = 300;
        var changed = Scrambled(s, cut + 1, s.Count);

        var a = MarketFeatures.Compute(s, AllMarket);
        var b = MarketFeatures.Compute(changed, AllMarket);

        Assert.Equal(MarketKinds.Length, a.ColumnCount);
        for (var t = 0; t <= cut; t++)
        {
            Assert.Equal(a.Row(t).ToArray(), b.Row(t).ToArray());
        }

        for (var c = 0; c < a.ColumnCount; c++)
        {
            Assert.True(a[cut + 1, c] != b[cut + 1, c] || a[cut + 2, c] != b[cut + 2, c], $"{a.Columns[c]} ignores the changed bars");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_feature_reads_exactly_its_look_back(FeatureKind kind)
    {
        var s = WithVolume();
        var spec = new FeatureSpec { Window = 20, Features = [kind] };
        var lookBack = kind.LookBack(spec.Window);
        const int t = 390;
        var baseline = MarketFeatures.Compute(s, spec)[t, 0];

        // Bars before t − look-back are never read; bar t − look-back is (every feature has a real dependency on its oldest bar).
        Assert.Equal(baseline, MarketFeatures.Compute(Scrambled(s, 0, t - lookBack), spec)[t, 0]);
        Assert.NotEqual(baseline, MarketFeatures.Compute(Scrambled(s, t - lookBack, t - lookBack + 1), spec)[t, 0]);
    }

    public static TheoryData<FeatureKind> Kinds() => [.. MarketKinds.Where(k => k != FeatureKind.Drawdown250)];

    [Fact]
    public void Drawdown_reads_exactly_its_look_back()
    {
        // A max only depends on its oldest bar when that bar is the peak: raise it.
        var close = Enumerable.Range(0, 400).Select(t => 100.0 + (t % 3)).ToArray();
        var spec = new FeatureSpec { Features = [FeatureKind.Drawdown250] };
        const int t = 390;
        var lookBack = FeatureKind.Drawdown250.LookBack(spec.Window);
        var baseline = MarketFeatures.Compute(TestSeries.CloseOnly(close), spec)[t, 0];
        var older = (double[])close.Clone();
        older[t - lookBack - 1] = 500;
        var oldest = (double[])close.Clone();
        oldest[t - lookBack] = 500;

        Assert.Equal(250, lookBack);
        Assert.Equal(baseline, MarketFeatures.Compute(TestSeries.CloseOnly(older), spec)[t, 0]);
        Assert.NotEqual(baseline, MarketFeatures.Compute(TestSeries.CloseOnly(oldest), spec)[t, 0]);
    }

    [Fact]
    public void The_warm_up_is_the_largest_look_back_and_never_below_the_window()
    {
        Assert.Equal(20, FeatureSpec.Default.RequiredHistory);
        Assert.Equal(250, FeatureSpec.Rich.RequiredHistory);
        Assert.Equal(20, new FeatureSpec { Features = [FeatureKind.LogReturn, FeatureKind.Momentum5] }.RequiredHistory);
        Assert.Equal(120, new FeatureSpec { Features = [FeatureKind.LogReturn, FeatureKind.Momentum120, FeatureKind.Volatility60] }.RequiredHistory);
        Assert.Equal(300, (FeatureSpec.Rich with { Window = 300 }).RequiredHistory);
        Assert.Equal(MarketKinds.Max(k => k.LookBack(20)), AllMarket.RequiredHistory);
    }

    [Fact]
    public void Episodes_start_after_the_rich_warm_up_and_the_normaliser_skips_it()
    {
        var s = WithVolume();
        var features = MarketFeatures.Compute(s, FeatureSpec.Rich);
        var env = new TradingEnvironment(features, s, Normalizer.Fit(features), ArenaOptions.Classic, new RewardOptions());

        Assert.Equal(250, features.WarmupBars);
        Assert.Equal(250, env.FirstStartIndex);
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Reset(249));
        Assert.Equal(FeatureSpec.Rich.StateSize, env.State.Length);
    }

    [Fact]
    public void A_series_shorter_than_the_warm_up_is_refused_by_the_environment()
    {
        var s = WithVolume(251);
        var features = MarketFeatures.Compute(s, FeatureSpec.Rich);

        var error = Assert.Throws<ArgumentException>(() => new TradingEnvironment(features, s, Normalizer.Identity(features.ColumnCount), ArenaOptions.Classic, new RewardOptions()));
        Assert.Contains("at least 252", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_volume_feature_on_a_series_without_volume_is_refused_with_a_message()
    {
        var closeOnly = SyntheticMarkets.Generate(SyntheticMarkets.Trend, 100, 1);
        var spec = new FeatureSpec { Features = [FeatureKind.LogReturn, FeatureKind.VolumeRatio20, FeatureKind.Position] };

        var error = Assert.Throws<ArgumentException>(() => MarketFeatures.Compute(closeOnly, spec));

        Assert.Null(closeOnly.Volume);
        Assert.Contains("VolumeRatio20", error.Message, StringComparison.Ordinal);
        Assert.Contains("has no Volume column", error.Message, StringComparison.Ordinal);
        Assert.StartsWith(spec.SeriesError(closeOnly)!, error.Message, StringComparison.Ordinal);
        Assert.Null(FeatureSpec.Rich.SeriesError(closeOnly));
    }

    [Fact]
    public void The_rich_preset_is_the_default_plus_every_price_feature()
    {
        var rich = FeatureSpec.Rich;

        Assert.Equal(FeatureSpec.Default.Window, rich.Window);
        Assert.Empty(rich.Validate());
        Assert.All(FeatureSpec.Default.Features, f => Assert.Contains(f, rich.Features));
        Assert.All(MarketKinds.Where(k => k > FeatureKind.UnrealizedPnl && !k.NeedsVolume()), f => Assert.Contains(f, rich.Features));
        Assert.False(rich.NeedsVolume);
        Assert.Equal(13, rich.StateSize);
    }

    [Fact]
    public void New_feature_names_read_from_json_as_strings()
    {
        var json = """{"Window":20,"Features":["LogReturn","Momentum60","Drawdown250","VolumeRatio20","Position"]}""";

        var spec = JsonSerializer.Deserialize<FeatureSpec>(json)!;
        var rich = JsonSerializer.Deserialize<FeatureSpec>(JsonSerializer.Serialize(FeatureSpec.Rich));

        Assert.Equal([FeatureKind.LogReturn, FeatureKind.Momentum60, FeatureKind.Drawdown250, FeatureKind.VolumeRatio20, FeatureKind.Position], spec.Features);
        Assert.Equal(FeatureSpec.Rich, rich);
        Assert.Contains("\"MovingAverageDistance200\"", JsonSerializer.Serialize(FeatureSpec.Rich), StringComparison.Ordinal);
    }

    /// <summary>A copy of <paramref name="s"/> with closes and volumes of bars [from, to) changed.</summary>
    private static PriceSeries Scrambled(PriceSeries s, int from, int to)
    {
        var close = (double[])s.Close.Clone();
        var volume = (double[]?)s.Volume?.Clone();
        for (var t = from; t < to; t++)
        {
            close[t] *= 1.5 + (0.1 * (t % 7));
            if (volume is not null)
            {
                volume[t] = (volume[t] * 3) + 17 + (t % 5);
            }
        }

        return new PriceSeries(s.Name, s.Times, s.Open, close, volume: volume);
    }
}
