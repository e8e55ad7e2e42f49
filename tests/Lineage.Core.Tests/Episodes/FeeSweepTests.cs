using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Episodes;

public class FeeSweepTests
{
    [Fact]
    public void A_trading_policy_loses_return_as_costs_rise_and_matches_the_evaluator_at_the_configured_fee()
    {
        var series = SyntheticMarkets.Generate(SyntheticMarkets.Trend, 500, 3);
        var env = EnvironmentFactory.Create(series);
        var policy = ReferencePolicies.For("trend", env.Spec, env.Normalizer);

        var sweep = FeeSweep.Run(policy, series, env.Spec, env.Normalizer, ArenaOptions.Classic, new RewardOptions());

        Assert.Equal(FeeSweep.DefaultCostsBps, sweep.Select(p => p.CostBps));
        Assert.True(sweep[0].AgentTrades > 5);
        Assert.All(sweep.Zip(sweep.Skip(1)), p => Assert.True(p.Second.AgentReturn < p.First.AgentReturn));
        var atDefault = sweep.Single(p => p.CostBps == ArenaOptions.Classic.FeeBps);
        var report = Evaluator.Evaluate(policy, env, randomSeeds: 2);
        Assert.Equal(report.Agent.Roi, atDefault.AgentReturn, 12);
        Assert.Equal(report.BuyAndHold.Roi, atDefault.BuyAndHoldReturn, 12);
        Assert.Equal(atDefault.AgentReturn - atDefault.BuyAndHoldReturn, atDefault.ExcessReturn);
    }
}
