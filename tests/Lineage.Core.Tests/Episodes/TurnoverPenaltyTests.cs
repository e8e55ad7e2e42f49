using Lineage.Core.MarketData;
using Lineage.Core.Tests.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Episodes;

/// <summary><see cref="RewardOptions.TurnoverPenalty"/>: a training-time charge per unit of exposure the agent's own fill trades.</summary>
public class TurnoverPenaltyTests
{
    private static readonly ArenaOptions Targets = new() { FeeBps = 0, SlippageBps = 0, ShortBorrowRate = 0, CloseAtEnd = false };

    private static PriceSeries Flat(int bars) => new("flat", TestSeries.Days(bars), null, [.. Enumerable.Repeat(100.0, bars)], barsPerYear: 252);

    /// <summary>The rewards of playing 0 → 1 → 1 → 0.5 → 0 on a flat, fee-free market (actions index 0, 0.5, 1).</summary>
    private static double[] Rewards(double penalty)
    {
        var env = EnvironmentFactory.Create(Flat(120), Targets, RewardOptions.RecommendedForLearning with { TurnoverPenalty = penalty });
        env.Reset(env.FirstStartIndex, maxSteps: 10);
        return [.. new[] { 2, 2, 1, 0 }.Select(a => env.Step(a).Reward)];
    }

    [Fact]
    public void Each_step_is_charged_for_the_exposure_it_trades_and_holding_is_free()
    {
        var charged = Rewards(0.002);

        // Scale 100: a full switch costs 0.002 × 100 = 0.2, half a switch 0.1; the flat market itself pays nothing.
        Assert.Equal(-0.2, charged[0], 9);
        Assert.Equal(0, charged[1], 9);
        Assert.Equal(-0.1, charged[2], 9);
        Assert.Equal(-0.1, charged[3], 9);
        Assert.All(Rewards(0), r => Assert.Equal(0, r, 12));
    }

    [Fact]
    public void The_charge_is_its_own_reward_component_and_leaves_the_account_alone()
    {
        var reward = RewardOptions.RecommendedForLearning with { TurnoverPenalty = 0.002 };
        var env = EnvironmentFactory.Create(Flat(120), Targets, reward);
        env.Reset(env.FirstStartIndex, maxSteps: 10);

        var step = env.Step(2);

        Assert.Equal(-0.2, step.Breakdown.Turnover, 9);
        Assert.Equal(step.Reward, step.Breakdown.Total, 12);
        Assert.Equal(10_000, env.Arena.Equity, 9);
    }

    [Theory]
    [InlineData(-0.001)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_negative_or_non_finite_penalty_is_refused_by_name(double penalty)
    {
        var errors = (RewardOptions.RecommendedForLearning with { TurnoverPenalty = penalty }).Validate();

        Assert.Contains(errors, e => e.Contains(nameof(RewardOptions.TurnoverPenalty), StringComparison.Ordinal));
    }
}
