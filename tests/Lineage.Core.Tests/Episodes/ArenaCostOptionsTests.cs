using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Tests.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Episodes;

/// <summary>The exit fee at the end of an evaluated window and the short borrow cost, on hand-made series.</summary>
public class ArenaCostOptionsTests
{
    private static PriceSeries Rising(int bars) => TestSeries.CloseOnly([.. Enumerable.Range(0, bars).Select(i => 100.0 + i)]);

    [Fact]
    public void By_default_an_evaluation_sells_at_the_end_and_a_short_pays_half_a_percent_a_year()
    {
        var defaults = new ArenaOptions();

        Assert.True(defaults.CloseAtEnd);
        Assert.Equal(0.005, defaults.ShortBorrowRate);
        Assert.Equal(ArenaOptions.DefaultShortBorrowRate, defaults.ShortBorrowRate);
    }

    [Fact]
    public void Close_at_end_sells_buy_and_hold_at_the_last_close_with_fee_and_slippage()
    {
        var series = Rising(60);
        var arena = ArenaOptions.Classic with { FeeBps = 10, SlippageBps = 5, CloseAtEnd = true };
        var env = EnvironmentFactory.Create(series, arena);

        var report = Evaluator.Evaluate(FixedPolicy.BuyAndHold(env.StateSize), env, randomSeeds: 2);

        var entry = series.Close[env.FirstStartIndex + 1] * 1.0005;
        var units = 10_000 / (entry * 1.001);
        var banked = units * series.Close[^1] * 0.9995 * 0.999;
        Assert.Equal(banked, report.BuyAndHold.FinalCapital, 9);
        Assert.Equal(banked, report.Agent.FinalCapital, 9);
        Assert.Equal(banked, report.BuyAndHoldEquityCurve[^1], 9);
        var last = report.Trades![^1];
        Assert.Equal((TradeAction.Close, 1, 0, series.Close[^1]), (last.Action, last.From, last.To, last.Price));
        Assert.Equal(units * series.Close[^1] * 0.9995 * 0.001, last.Fee, 9);
        Assert.Equal(10_000, report.Flat.FinalCapital);
    }

    [Fact]
    public void Without_close_at_end_the_open_position_is_marked_not_sold()
    {
        var series = Rising(60);
        var env = EnvironmentFactory.Create(series, ArenaOptions.Classic with { FeeBps = 10, SlippageBps = 5, CloseAtEnd = false });

        var report = Evaluator.Evaluate(FixedPolicy.BuyAndHold(env.StateSize), env, randomSeeds: 2);

        var units = 10_000 / (series.Close[env.FirstStartIndex + 1] * 1.0005 * 1.001);
        Assert.Equal(units * series.Close[^1], report.BuyAndHold.FinalCapital, 9);
        Assert.Equal(1, env.Arena.Position);
    }

    [Fact]
    public void Training_episodes_never_close_at_the_end()
    {
        var env = EnvironmentFactory.Create(Rising(60), ArenaOptions.Classic with { CloseAtEnd = true });

        var result = EpisodeRunner.Run(env, env.FirstStartIndex, int.MaxValue, FixedPolicy.BuyAndHold(env.StateSize), 0, new Rng(0), null);

        Assert.True(env.Done);
        Assert.Equal(1, env.Arena.Position);
        Assert.Null(env.EndClose);
        Assert.Equal(1, result.Metrics.Trades);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(37)]
    public void A_short_held_n_bars_pays_rate_times_n_over_bars_per_year_of_its_notional(int bars)
    {
        var series = new PriceSeries("flat", TestSeries.Days(80), null, [.. Enumerable.Repeat(100.0, 80)], barsPerYear: 252);
        var env = EnvironmentFactory.Create(series, ArenaOptions.Classic with { FeeBps = 0, ShortBorrowRate = 0.02 });
        env.Reset(env.FirstStartIndex);

        env.Step(TradeAction.Sell);
        for (var i = 1; i < bars; i++)
        {
            env.Step(TradeAction.Hold);
        }

        var notional = 10_000.0;
        var expected = 0.02 * bars / 252 * notional;
        Assert.Equal(expected, env.Arena.TotalBorrowCost, 9);
        Assert.Equal(10_000 - expected, env.Arena.Equity, 9);
    }

    [Fact]
    public void Long_and_flat_positions_pay_no_borrow_cost()
    {
        var series = new PriceSeries("flat", TestSeries.Days(80), null, [.. Enumerable.Repeat(100.0, 80)], barsPerYear: 252);
        var env = EnvironmentFactory.Create(series, ArenaOptions.Classic with { FeeBps = 0, ShortBorrowRate = 0.02 });
        env.Reset(env.FirstStartIndex);

        env.Step(TradeAction.Hold);
        env.Step(TradeAction.Buy);
        for (var i = 0; i < 20; i++)
        {
            env.Step(TradeAction.Hold);
        }

        Assert.Equal(0, env.Arena.TotalBorrowCost);
        Assert.Equal(10_000, env.Arena.Equity, 9);
    }

    [Fact]
    public void Borrow_cost_counts_against_the_short_trade_it_was_paid_for()
    {
        var series = new PriceSeries("flat", TestSeries.Days(80), null, [.. Enumerable.Repeat(100.0, 80)], barsPerYear: 252);
        var env = EnvironmentFactory.Create(series, ArenaOptions.Classic with { FeeBps = 0, ShortBorrowRate = 0.02 });
        env.Reset(env.FirstStartIndex);

        env.Step(TradeAction.Sell);
        env.Step(TradeAction.Close);

        Assert.Equal((1, 0, 1), (env.Arena.Scars, env.Arena.Wins, env.Arena.ClosedTrades));
    }
}
