using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Tests.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Episodes;

/// <summary>Target-exposure actions: action i moves the position to exposure e_i of equity, fees on the traded notional only.</summary>
public class TargetExposureTests
{
    private static readonly ArenaOptions Targets = ArenaOptions.Classic with { FeeBps = 10, Actions = ActionSet.TargetExposure };

    private static PriceSeries Flat(int bars) => new("flat", TestSeries.Days(bars), null, [.. Enumerable.Repeat(100.0, bars)], barsPerYear: 252);

    [Fact]
    public void Moving_from_half_to_full_exposure_pays_the_fee_on_the_traded_notional_only()
    {
        var arena = new Arena(Targets);
        arena.Reset(100);

        var first = arena.ExecuteTarget(0.5, 100);
        var half = arena.Units;
        var second = arena.ExecuteTarget(1, 100);

        Assert.Equal(0.5 * 10_000 / (100 * 1.001), half, 9);
        Assert.Equal(half * 100 * 0.001, first, 9);
        Assert.Equal((arena.Units - half) * 100 * 0.001, second, 9);
        Assert.Equal(1, arena.Exposure, 2);
        Assert.Equal(10_000 - first - second, arena.Equity, 9);
        Assert.Equal(1, arena.Trades);
    }

    [Fact]
    public void The_same_target_again_trades_nothing_inside_the_rebalance_band()
    {
        var arena = new Arena(Targets);
        arena.Reset(100);
        arena.ExecuteTarget(0.5, 100);
        var units = arena.Units;

        Assert.Equal(0, arena.ExecuteTarget(0.5, 102));
        Assert.Equal(units, arena.Units);
    }

    [Fact]
    public void Going_through_zero_closes_and_scores_the_old_position()
    {
        var arena = new Arena(Targets with { FeeBps = 0 });
        arena.Reset(100);
        arena.ExecuteTarget(1, 100);
        arena.ExecuteTarget(-0.5, 110);

        Assert.Equal((1, 0, 1, 2), (arena.Wins, arena.Scars, arena.ClosedTrades, arena.Trades));
        Assert.Equal(-0.5, arena.Exposure, 9);
        Assert.Equal(11_000, arena.Equity, 9);
    }

    [Fact]
    public void The_network_output_count_follows_the_action_set()
    {
        var env = EnvironmentFactory.Create(Flat(80), Targets);
        var longOnly = EnvironmentFactory.Create(Flat(80), Targets with { LongOnly = true, TargetExposures = [0, 0.5, 1] });

        Assert.Equal(5, env.ActionCount);
        Assert.Equal(3, longOnly.ActionCount);
        Assert.Equal(4, EnvironmentFactory.Create(Flat(80)).ActionCount);
        Assert.Equal(["target:-1", "target:-0.5", "target:0", "target:0.5", "target:1"], Targets.ActionNames());
        Assert.Throws<ArgumentException>(() => EpisodeRunner.Run(env, env.FirstStartIndex, 5, new ConstantQ(env.StateSize, 4, 0), 0, new Rng(0), null));
    }

    [Fact]
    public void Buy_and_hold_scores_the_same_under_either_action_set()
    {
        var series = TestSeries.CloseOnly([.. Enumerable.Range(0, 80).Select(i => 100 * Math.Exp(0.01 * Math.Sin(i)))]);
        var classic = EnvironmentFactory.Create(series, ArenaOptions.Classic with { FeeBps = 10, SlippageBps = 5 });
        var targets = EnvironmentFactory.Create(series, Targets with { SlippageBps = 5 });

        // Buy-and-hold is the asset itself: a volatility target or a set whose largest target is half never shrinks it.
        var volTargeted = EnvironmentFactory.Create(series, Targets with { SlippageBps = 5, TargetVolatility = 0.05, MaxLeverage = 1 });
        var halfAtMost = EnvironmentFactory.Create(series, Targets with { SlippageBps = 5, LongOnly = true, TargetExposures = [0, 0.5] });

        var a = Evaluator.RunBuyAndHold(classic, classic.FirstStartIndex);
        Assert.Equal(a.EquityCurve, classic.EquityCurve.ToArray());
        foreach (var other in new[] { targets, volTargeted, halfAtMost })
        {
            var b = Evaluator.RunBuyAndHold(other, other.FirstStartIndex);
            Assert.Equal(a.Result.Metrics.FinalCapital, b.Result.Metrics.FinalCapital, 9);
            Assert.Equal(a.Result.Metrics.Trades, b.Result.Metrics.Trades);
            Assert.Equal(a.EquityCurve.Length, b.EquityCurve.Length);
            Assert.Equal(a.EquityCurve[^1], b.EquityCurve[^1], 9);
        }
    }

    [Fact]
    public void The_position_feature_is_the_fractional_exposure_and_unrealised_pnl_follows_it()
    {
        var spec = FeatureSpec.Default;
        var closes = Enumerable.Repeat(100.0, 60).Concat(Enumerable.Repeat(110.0, 20)).ToArray();
        var env = EnvironmentFactory.Create(TestSeries.CloseOnly(closes), Targets with { FeeBps = 0 }, spec: spec);
        env.Reset(50);

        var half = 3;
        for (var i = 0; i < 9; i++)
        {
            env.Step(half);
        }

        var position = spec.IndexOf(FeatureKind.Position);
        var pnl = spec.IndexOf(FeatureKind.UnrealizedPnl);
        Assert.True(position >= 0 && pnl >= 0);
        Assert.Equal(0.5, env.State[position], 3);
        Assert.Equal(0, env.State[pnl], 6);

        env.Step(half);

        Assert.Equal(0.1, env.State[pnl], 6);
        Assert.InRange(env.State[position], 0.5, 0.5 + 0.05);
    }

    [Fact]
    public void Volatility_targeting_caps_exposure_at_the_maximum_leverage()
    {
        var closes = Enumerable.Range(0, 80).Select(i => 100 * (1 + (0.0001 * (i % 2)))).ToArray();
        var env = EnvironmentFactory.Create(TestSeries.CloseOnly(closes), Targets with { TargetVolatility = 0.5, MaxLeverage = 0.8 });
        env.Reset(60);

        Assert.Equal(0.8, env.TargetExposure(4), 12);
        Assert.Equal(-0.8, env.TargetExposure(0), 12);
        Assert.Equal(0, env.TargetExposure(2));
    }

    [Theory]
    [InlineData(new[] { -1.0, 1.0 }, false, "must contain 0")]
    [InlineData(new[] { 0.0, 1.5 }, false, "[-1, 1]")]
    [InlineData(new[] { 0.5, 0.0 }, false, "ascending")]
    [InlineData(new[] { -0.5, 0.0, 1.0 }, true, "LongOnly")]
    public void Bad_target_exposures_are_refused_naming_the_field(double[] targets, bool longOnly, string why)
    {
        var errors = (Targets with { TargetExposures = targets, LongOnly = longOnly }).Validate();

        var error = Assert.Single(errors);
        Assert.Contains("ArenaOptions.TargetExposures", error, StringComparison.Ordinal);
        Assert.Contains(why, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_compare_their_exposures_by_value_after_a_json_round_trip()
    {
        var o = Targets with { TargetExposures = [0, 0.5, 1], LongOnly = true };

        var back = System.Text.Json.JsonSerializer.Deserialize<ArenaOptions>(System.Text.Json.JsonSerializer.Serialize(o));

        Assert.Equal(o, back);
        Assert.True(o.SameActions(back!));
        Assert.False(o.SameActions(Targets));
        Assert.False(ArenaOptions.Classic.SameActions(Targets));
    }

    private sealed class ConstantQ(int stateSize, int actionCount, int best) : IQFunction
    {
        public int StateSize => stateSize;

        public int ActionCount => actionCount;

        public void Evaluate(ReadOnlySpan<float> state, Span<float> qValues)
        {
            qValues.Clear();
            qValues[best] = 1;
        }
    }
}
