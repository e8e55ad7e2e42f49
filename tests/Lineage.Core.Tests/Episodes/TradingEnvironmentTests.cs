using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Tests.Features;
using Lineage.Core.Tests.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Episodes;

public class TradingEnvironmentTests
{
    private static readonly FeatureSpec SmallWindow = FeatureSpec.Default with { Window = 2 };

    [Fact]
    public void Action_at_bar_t_fills_at_the_next_open()
    {
        double[] open = [10, 11, 12, 13, 14, 15];
        double[] close = [10.5, 11.5, 12.5, 13.5, 14.5, 15.5];
        var env = EnvironmentFactory.Create(TestSeries.WithOpen(open, close), ArenaOptions.Classic with { FeeBps = 0 }, spec: SmallWindow);
        env.Reset(2);

        env.Step(TradeAction.Buy);

        Assert.Equal(13, env.Arena.EntryPrice);
        Assert.Equal(3, env.CurrentIndex);
        Assert.Equal(10_000 * 13.5 / 13, env.Arena.Equity, 9);
    }

    [Fact]
    public void Close_only_data_fills_at_the_next_close()
    {
        var env = EnvironmentFactory.Create(TestSeries.CloseOnly(10, 11, 12, 13, 14), ArenaOptions.Classic with { FeeBps = 0 }, spec: SmallWindow);
        env.Reset(2);

        env.Step(TradeAction.Buy);

        Assert.Equal(13, env.Arena.EntryPrice);
        Assert.Equal(10_000, env.Arena.Equity, 9);
    }

    [Fact]
    public void State_shows_the_position_and_unrealised_pnl_after_a_fill()
    {
        var env = EnvironmentFactory.Create(TestSeries.CloseOnly(10, 10, 10, 10, 11, 12), ArenaOptions.Classic with { FeeBps = 0 }, spec: SmallWindow);
        env.Reset(2);
        Assert.Equal(0, env.State[3]);

        env.Step(TradeAction.Buy);
        env.Step(TradeAction.Hold);

        Assert.Equal(1, env.State[3]);
        Assert.Equal(0.1f, env.State[4], 6);
    }

    [Fact]
    public void Reaching_the_last_bar_truncates_without_terminating()
    {
        var env = EnvironmentFactory.Create(TestSeries.CloseOnly(10, 10, 10, 10, 10), spec: SmallWindow);
        env.Reset(2);

        var first = env.Step(TradeAction.Hold);
        var last = env.Step(TradeAction.Hold);

        Assert.False(first.Done);
        Assert.True(last.Truncated);
        Assert.False(last.Terminated);
        Assert.Throws<InvalidOperationException>(() => env.Step(TradeAction.Hold));
    }

    [Fact]
    public void Step_cap_truncates()
    {
        var env = EnvironmentFactory.Create(SyntheticMarkets.Generate(SyntheticMarkets.Trend, 200, 1));
        env.Reset(30, maxSteps: 5);

        var outcomes = Enumerable.Range(0, 5).Select(_ => env.Step(TradeAction.Hold)).ToArray();

        Assert.All(outcomes[..4], o => Assert.False(o.Done));
        Assert.True(outcomes[4].Truncated);
        Assert.Equal(5, env.Steps);
    }

    [Fact]
    public void Bankruptcy_terminates_and_is_punished()
    {
        var env = EnvironmentFactory.Create(TestSeries.CloseOnly(100, 100, 100, 100, 40, 40, 40), spec: SmallWindow);
        env.Reset(2);

        env.Step(TradeAction.Buy);
        var crash = env.Step(TradeAction.Hold);

        Assert.True(crash.Terminated);
        Assert.False(crash.Truncated);
        Assert.Equal(-1000, crash.Breakdown.Bankruptcy);
        Assert.True(env.Metrics().Bankrupt);
    }

    [Fact]
    public void Reset_rejects_a_start_inside_the_warmup_with_the_valid_range()
    {
        var env = EnvironmentFactory.Create(SyntheticMarkets.Generate(SyntheticMarkets.Trend, 100, 1));

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => env.Reset(5));

        Assert.Contains("[20, 98]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalizer_with_the_wrong_column_count_is_rejected()
    {
        var s = SyntheticMarkets.Generate(SyntheticMarkets.Trend, 100, 1);

        Assert.Throws<ArgumentException>(() => new TradingEnvironment(s, FeatureSpec.Default, Normalizer.Identity(2), ArenaOptions.Classic, new RewardOptions()));
    }

    [Fact]
    public void Equity_curve_starts_at_capital_and_tracks_each_step()
    {
        var env = EnvironmentFactory.Create(SyntheticMarkets.Generate(SyntheticMarkets.Trend, 100, 2));
        env.Reset(20);

        env.Step(TradeAction.Buy);
        env.Step(TradeAction.Hold);

        Assert.Equal(3, env.EquityCurve.Length);
        Assert.Equal(10_000, env.EquityCurve[0]);
        Assert.Equal(env.Arena.Equity, env.EquityCurve[^1]);
    }

    /// <summary>The default features, and the account-state variant's (default + time in position), classic and target-exposure actions.</summary>
    public static TheoryData<bool, bool> LookAheadCases() => new() { { false, false }, { true, false }, { true, true } };

    [Theory]
    [MemberData(nameof(LookAheadCases))]
    public void Changing_future_prices_leaves_states_and_fills_up_to_t_unchanged(bool timeInPosition, bool targetExposure)
    {
        var spec = timeInPosition ? FeatureSpec.Default with { Features = [.. FeatureSpec.Default.Features, FeatureKind.TimeInPosition] } : FeatureSpec.Default;
        var arena = targetExposure ? ArenaOptions.Classic with { Actions = ActionSet.TargetExposure } : ArenaOptions.Classic;
        var s = SyntheticMarkets.Generate(SyntheticMarkets.Trend, 300, 21);
        const int cut = 150;
        var changed = MarketFeaturesTests.FutureChanged(s, cut);
        var train = Normalizer.Fit(MarketFeatures.Compute(s.Slice(0, 120), spec));
        var a = new TradingEnvironment(s, spec, train, arena, new RewardOptions());
        var b = new TradingEnvironment(changed, spec, train, arena, new RewardOptions());
        a.Reset(20);
        b.Reset(20);
        var held = new HashSet<float>();

        // The decision at bar t fills at bar t+1's open and is marked at its close: fills up to bar `cut` match.
        for (var t = 20; t < cut; t++)
        {
            Assert.Equal(a.State.ToArray(), b.State.ToArray());
            Assert.Equal(a.Exposure, b.Exposure);
            if (timeInPosition)
            {
                held.Add(a.State[spec.IndexOf(FeatureKind.TimeInPosition)]);
            }

            // Runs of Hold between trades, so positions are held for several bars.
            var action = (t % 7) switch { 0 => TradeAction.Buy, 3 => TradeAction.Sell, 5 => TradeAction.Close, _ => TradeAction.Hold };
            var ra = a.Step(action);
            var rb = b.Step(action);
            Assert.Equal(a.Arena.EntryPrice, b.Arena.EntryPrice);
            Assert.Equal(a.Arena.Equity, b.Arena.Equity);
            Assert.Equal(ra.Reward, rb.Reward);
        }

        Assert.True(!timeInPosition || held.Count >= 3, "time in position took too few values to test anything");
        a.Step(TradeAction.Buy);
        b.Step(TradeAction.Buy);
        Assert.NotEqual(a.Arena.Equity, b.Arena.Equity);
    }

    [Fact]
    public void Time_in_position_counts_the_bars_held_since_the_position_opened()
    {
        var spec = FeatureSpec.Default with { Window = 2, Features = [.. FeatureSpec.Default.Features, FeatureKind.TimeInPosition] };
        var env = EnvironmentFactory.Create(TestSeries.CloseOnly([.. Enumerable.Range(0, 100).Select(i => 100 + (i % 3))]), ArenaOptions.Classic with { FeeBps = 0 }, spec: spec);
        var slot = spec.IndexOf(FeatureKind.TimeInPosition);
        env.Reset(2);
        Assert.Equal(0f, env.State[slot]);

        // Buy while long keeps counting; Sell while long flips to short, a new position; Close flattens.
        (TradeAction Action, int Bars)[] script =
        [
            (TradeAction.Hold, 0), (TradeAction.Buy, 1), (TradeAction.Hold, 2), (TradeAction.Buy, 3), (TradeAction.Sell, 1),
            (TradeAction.Hold, 2), (TradeAction.Close, 0), (TradeAction.Hold, 0), (TradeAction.Sell, 1), (TradeAction.Buy, 1),
        ];
        foreach (var (action, bars) in script)
        {
            env.Step(action);
            Assert.Equal(bars, env.BarsInPosition);
            Assert.Equal(bars / 60f, env.State[slot]);
        }

        for (var i = 0; i < 70; i++)
        {
            env.Step(TradeAction.Hold);
        }

        Assert.Equal(71, env.BarsInPosition);
        Assert.Equal(1f, env.State[slot]);
    }

    [Fact]
    public void Time_in_position_under_target_exposures_keeps_counting_through_a_resize_on_the_same_side()
    {
        var spec = FeatureSpec.Default with { Window = 2, Features = [FeatureKind.LogReturn, FeatureKind.Position, FeatureKind.TimeInPosition] };
        var env = EnvironmentFactory.Create(TestSeries.Constant(30, 100), ArenaOptions.Classic with { FeeBps = 0, Actions = ActionSet.TargetExposure }, spec: spec);
        var slot = spec.IndexOf(FeatureKind.TimeInPosition);
        env.Reset(2);

        // Targets −1, −0.5, 0, 0.5, 1: half long, all long (resize), half short (flip), flat.
        (int Action, int Bars, float Position)[] script = [(3, 1, 0.5f), (4, 2, 1f), (4, 3, 1f), (1, 1, -0.5f), (2, 0, 0f)];
        foreach (var (action, bars, position) in script)
        {
            env.Step(action);
            Assert.Equal(bars / 60f, env.State[slot]);
            Assert.Equal(position, env.State[spec.IndexOf(FeatureKind.Position)], 5);
        }
    }
}
