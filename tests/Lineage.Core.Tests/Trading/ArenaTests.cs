using Lineage.Core.Randomness;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Trading;

public class ArenaTests
{
    private static Arena NewArena(double feeBps = 10, double slippageBps = 0, bool longOnly = false, double fraction = 1)
    {
        var arena = new Arena(ArenaOptions.Classic with { FeeBps = feeBps, SlippageBps = slippageBps, LongOnly = longOnly, PositionFraction = fraction });
        arena.Reset(100);
        return arena;
    }

    [Fact]
    public void Equity_is_cash_plus_position_value_after_any_action_sequence()
    {
        var rng = new Rng(123);
        for (var trial = 0; trial < 50; trial++)
        {
            var arena = NewArena(feeBps: rng.NextDouble() * 50, slippageBps: rng.NextDouble() * 20, fraction: 0.1 + (0.9 * rng.NextDouble()));
            var price = 100.0;
            for (var step = 0; step < 200; step++)
            {
                price *= Math.Exp(0.02 * rng.NextGaussian());
                arena.Execute((TradeAction)rng.NextInt(4), price);
                price *= Math.Exp(0.02 * rng.NextGaussian());
                arena.MarkToMarket(price);

                Assert.Equal(arena.Cash + arena.PositionValue, arena.Equity, 9);
                Assert.Equal(arena.Units * price, arena.PositionValue, 9);
            }
        }
    }

    [Fact]
    public void Fees_always_reduce_equity_at_an_unchanged_price()
    {
        var rng = new Rng(7);
        var arena = NewArena(feeBps: 25, slippageBps: 5);
        for (var step = 0; step < 500; step++)
        {
            var price = 50 + (100 * rng.NextDouble());
            arena.MarkToMarket(price);
            var before = arena.Equity;

            var fees = arena.Execute((TradeAction)rng.NextInt(4), price);

            Assert.True(fees >= 0);
            if (fees > 0)
            {
                Assert.True(arena.Equity < before, $"equity {arena.Equity} after fees {fees} was not below {before}");
                Assert.True(before - arena.Equity >= fees - 1e-9);
            }
        }
    }

    [Fact]
    public void No_trade_no_fee()
    {
        var arena = NewArena();

        Assert.Equal(0, arena.Execute(TradeAction.Hold, 100));
        Assert.Equal(0, arena.Execute(TradeAction.Close, 101));
        arena.Execute(TradeAction.Buy, 100);
        var fees = arena.TotalFees;

        Assert.Equal(0, arena.Execute(TradeAction.Buy, 102));
        Assert.Equal(0, arena.Execute(TradeAction.Hold, 103));
        Assert.Equal(fees, arena.TotalFees);
        Assert.Equal(1, arena.Trades);
    }

    [Fact]
    public void Buy_commits_the_position_fraction_of_equity_including_the_fee()
    {
        var arena = NewArena(feeBps: 10, fraction: 0.5);

        var fee = arena.Execute(TradeAction.Buy, 100);

        Assert.Equal(1, arena.Position);
        Assert.Equal(5_000, (arena.Units * 100) + fee, 9);
        Assert.Equal(5_000 * 0.001 / 1.001, fee, 9);
        Assert.Equal(10_000 - fee, arena.Equity, 9);
    }

    [Fact]
    public void Slippage_worsens_both_fills()
    {
        var arena = NewArena(feeBps: 0, slippageBps: 100);

        arena.Execute(TradeAction.Buy, 100);
        Assert.Equal(101, arena.EntryPrice, 9);
        arena.Execute(TradeAction.Close, 100);

        Assert.Equal(10_000 * 0.99 / 1.01, arena.Equity, 6);
        Assert.Equal(1, arena.Scars);
    }

    [Fact]
    public void Short_position_gains_when_price_falls()
    {
        var arena = NewArena(feeBps: 0);

        arena.Execute(TradeAction.Sell, 100);
        arena.MarkToMarket(90);

        Assert.Equal(-1, arena.Position);
        Assert.Equal(11_000, arena.Equity, 6);
    }

    [Fact]
    public void Sell_flattens_instead_of_shorting_when_long_only()
    {
        var arena = NewArena(longOnly: true);

        arena.Execute(TradeAction.Buy, 100);
        arena.Execute(TradeAction.Sell, 100);
        Assert.Equal(0, arena.Position);
        Assert.Equal(0, arena.Execute(TradeAction.Sell, 100));
        Assert.Equal(0, arena.Position);
    }

    [Fact]
    public void Flipping_long_to_short_closes_then_opens()
    {
        var arena = NewArena(feeBps: 10);

        arena.Execute(TradeAction.Buy, 100);
        arena.Execute(TradeAction.Sell, 110);

        Assert.Equal(-1, arena.Position);
        Assert.Equal(2, arena.Trades);
        Assert.Equal(1, arena.ClosedTrades);
        Assert.Equal(1, arena.Wins);
        Assert.Equal(1.0, arena.WinRate);
    }

    [Fact]
    public void Losing_closed_trade_is_a_scar()
    {
        var arena = NewArena();

        arena.Execute(TradeAction.Buy, 100);
        arena.Execute(TradeAction.Close, 95);

        Assert.Equal(1, arena.Scars);
        Assert.Equal(0, arena.Wins);
        Assert.Equal(0.0, arena.WinRate);
    }

    [Fact]
    public void Round_trip_at_the_same_price_is_a_scar_because_of_fees()
    {
        var arena = NewArena(feeBps: 10);

        arena.Execute(TradeAction.Buy, 100);
        arena.Execute(TradeAction.Close, 100);

        Assert.Equal(1, arena.Scars);
        Assert.True(arena.Equity < 10_000);
    }

    [Fact]
    public void Drawdown_is_measured_from_the_equity_peak()
    {
        var arena = NewArena(feeBps: 0);

        arena.Execute(TradeAction.Buy, 100);
        arena.MarkToMarket(120);
        arena.MarkToMarket(90);
        arena.MarkToMarket(110);

        Assert.Equal(12_000, arena.Peak, 6);
        Assert.Equal(0.25, arena.MaxDrawdown, 9);
        Assert.Equal(1 - (11_000.0 / 12_000), arena.Drawdown, 9);
    }

    [Fact]
    public void Equity_at_or_below_the_bankruptcy_fraction_is_bankrupt()
    {
        var arena = NewArena(feeBps: 0);

        arena.Execute(TradeAction.Buy, 100);
        arena.MarkToMarket(51);
        Assert.False(arena.Bankrupt);
        arena.MarkToMarket(50);

        Assert.True(arena.Bankrupt);
    }

    [Fact]
    public void Unrealised_pnl_fraction_is_signed_by_position_and_clipped()
    {
        var arena = NewArena(feeBps: 0);
        arena.Execute(TradeAction.Sell, 100);
        arena.MarkToMarket(90);
        Assert.Equal(0.1, arena.UnrealizedPnlFraction(), 9);

        arena.MarkToMarket(250);
        Assert.Equal(-1, arena.UnrealizedPnlFraction());
    }

    [Fact]
    public void Reset_restores_a_flat_account_with_initial_capital()
    {
        var arena = NewArena();
        arena.Execute(TradeAction.Buy, 100);
        arena.MarkToMarket(80);

        arena.Reset(100);

        Assert.Equal(10_000, arena.Equity);
        Assert.Equal(0, arena.Position);
        Assert.Equal(0, arena.Trades);
        Assert.Equal(0, arena.MaxDrawdown);
    }
}
