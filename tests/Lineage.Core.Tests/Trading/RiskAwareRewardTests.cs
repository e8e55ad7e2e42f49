using Lineage.Core.Episodes;
using Lineage.Core.Tests.Episodes;
using Lineage.Core.Tests.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Trading;

/// <summary>The differential Sharpe ratio and the excess-over-the-asset reward, against hand-computed values.</summary>
public class RiskAwareRewardTests
{
    private static AccountSnapshot At(double equity) => new(equity, 0, 0, 0, false);

    [Fact]
    public void Differential_sharpe_matches_moody_and_saffell_by_hand()
    {
        var rewards = new RewardCalculator(new RewardOptions { Kind = RewardKind.DifferentialSharpe, DsrRate = 0.1 }, 100);

        // Returns +1 %, −2 %, +3 %. Step 1: A0 = B0 = 0, no variance yet, D = 0; then A1 = 0.001, B1 = 0.00001.
        // Step 2: ΔA = −0.021, ΔB = 0.00039, B1 − A1² = 0.000009: D = (0.00001·−0.021 − ½·0.001·0.00039) / 0.000009^1.5 = −15.
        // Then A2 = −0.0011, B2 = 0.000049. Step 3: ΔA = 0.0311, ΔB = 0.000851, variance 0.00004779:
        // D = (0.000049·0.0311 + ½·0.0011·0.000851) / 0.00004779^1.5 = 6.0293832.
        var d1 = rewards.Compute(At(100), At(101), false).Total;
        var d2 = rewards.Compute(At(101), At(101 * 0.98), false).Total;
        var d3 = rewards.Compute(At(101 * 0.98), At(101 * 0.98 * 1.03), false).Total;

        Assert.Equal(0, d1);
        Assert.Equal(-15, d2, 9);
        Assert.Equal(6.0293832096, d3, 8);
        Assert.Equal(0.00201, rewards.MeanReturn, 12);
        Assert.Equal(0.0001341, rewards.MeanSquaredReturn, 12);
    }

    [Fact]
    public void Differential_sharpe_starts_again_at_each_episode()
    {
        var env = EnvironmentFactory.Create(TestSeries.CloseOnly([.. Enumerable.Range(0, 80).Select(i => 100.0 + (i % 3))]), ArenaOptions.Classic with { FeeBps = 0 }, new RewardOptions { Kind = RewardKind.DifferentialSharpe });
        env.Reset(env.FirstStartIndex);
        env.Step(TradeAction.Buy);
        env.Step(TradeAction.Hold);
        Assert.NotEqual(0, env.Rewards.MeanSquaredReturn);

        env.Reset(env.FirstStartIndex);

        Assert.Equal((0, 0), (env.Rewards.MeanReturn, env.Rewards.MeanSquaredReturn));
    }

    [Fact]
    public void Excess_reward_is_the_portfolio_log_return_minus_the_assets()
    {
        var rewards = new RewardCalculator(new RewardOptions { Kind = RewardKind.ExcessLogReturn, Scale = 100 }, 100);

        var r = rewards.Compute(At(100), At(102), false, assetLogReturn: Math.Log(1.01));

        Assert.Equal(100 * (Math.Log(1.02) - Math.Log(1.01)), r.Total, 12);
        Assert.Equal(r.Total, r.LogReturn);
    }

    [Fact]
    public void A_costless_holder_earns_no_excess_once_invested_and_flat_earns_minus_the_asset()
    {
        var closes = Enumerable.Range(0, 80).Select(i => 100 * Math.Exp(0.02 * Math.Sin(i))).ToArray();
        var env = EnvironmentFactory.Create(TestSeries.CloseOnly(closes), ArenaOptions.Classic with { FeeBps = 0 }, new RewardOptions { Kind = RewardKind.ExcessLogReturn });
        env.Reset(env.FirstStartIndex);

        var entry = env.Step(TradeAction.Buy);
        Assert.Equal(-Math.Log(closes[env.FirstStartIndex + 1] / closes[env.FirstStartIndex]), entry.Reward, 12);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(0, env.Step(TradeAction.Hold).Reward, 9);
        }

        env.Step(TradeAction.Close);
        var t = env.CurrentIndex;
        var flat = env.Step(TradeAction.Hold);
        Assert.Equal(-Math.Log(closes[t + 1] / closes[t]), flat.Reward, 9);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(double.NaN)]
    public void Dsr_rate_outside_zero_one_is_refused(double rate)
    {
        var error = Assert.Single(new RewardOptions { Kind = RewardKind.DifferentialSharpe, DsrRate = rate }.Validate());

        Assert.Contains("RewardOptions.DsrRate", error, StringComparison.Ordinal);
    }
}
