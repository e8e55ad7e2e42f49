using Lineage.Core.Episodes;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Episodes;

/// <summary>The evaluation's trade log (trades.csv): every fill, its fee and the position it leaves, consistent with the account.</summary>
public class TradeLogTests
{
    [Fact]
    public void Buy_and_hold_logs_its_entry_at_the_first_bar_and_its_exit_at_the_last_close()
    {
        var env = EnvironmentFactory.Create(SyntheticMarkets.Generate(SyntheticMarkets.Trend, 300, 4));
        var fills = new List<TradeFill>();
        EpisodeRunner.Run(env, env.FirstStartIndex, int.MaxValue, FixedPolicy.BuyAndHold(env.StateSize), 0, new Rng(1), null, FloorRule.Ignore, fills);

        Assert.Equal(2, fills.Count);
        var (entry, exit) = (fills[0], fills[1]);
        Assert.Equal((env.FirstStartIndex + 1, TradeAction.Buy, 0, 1), (entry.Bar, entry.Action, entry.From, entry.To));
        Assert.Equal(env.Series.FillPrice(entry.Bar), entry.Price);
        Assert.Equal(env.Series.Times[entry.Bar], entry.Time);
        Assert.Equal((env.Series.Count - 1, TradeAction.Close, 1, 0), (exit.Bar, exit.Action, exit.From, exit.To));
        Assert.Equal(env.Arena.TotalFees, entry.Fee + exit.Fee, 12);
        Assert.True(entry.Fee > 0 && exit.Fee > 0);
        Assert.Equal(0, env.Arena.Position);
    }

    [Fact]
    public void A_random_policy_log_adds_up_to_the_account_fees_trades_and_final_position()
    {
        var env = EnvironmentFactory.Create(SyntheticMarkets.Generate(SyntheticMarkets.RandomWalk, 400, 5));
        var fills = new List<TradeFill>();
        var result = EpisodeRunner.Run(env, env.FirstStartIndex, int.MaxValue, FixedPolicy.Flat(env.StateSize), 1.0, new Rng(9), null, FloorRule.FlattenToCash, fills);

        Assert.True(fills.Count > 10, $"{fills.Count} fills");
        Assert.Equal(env.Arena.TotalFees, fills.Sum(f => f.Fee), 9);
        Assert.Equal(result.Metrics.Trades, fills.Count(f => f.To != 0));
        Assert.Equal(env.Arena.Position, fills[^1].To);
        Assert.All(fills.Zip(fills.Skip(1)), p => Assert.Equal(p.First.To, p.Second.From));
        // One fill per bar, except the close at the end, which may follow a trade made on the last bar.
        Assert.All(fills.Zip(fills.Skip(1)), p => Assert.True(p.First.Bar < p.Second.Bar || (p.Second.Bar == env.Series.Count - 1 && p.Second.To == 0)));
    }

    [Fact]
    public void The_evaluation_report_carries_the_agent_log()
    {
        var env = EnvironmentFactory.Create(SyntheticMarkets.Generate(SyntheticMarkets.Trend, 300, 6));
        var report = Evaluator.Evaluate(FixedPolicy.BuyAndHold(env.StateSize), env, randomSeeds: 2, seed: 1);
        Assert.Equal([TradeAction.Buy, TradeAction.Close], report.Trades!.Select(f => f.Action));
        Assert.Equal(report.Agent.Trades, report.Trades!.Count(f => f.To != 0));
    }
}
