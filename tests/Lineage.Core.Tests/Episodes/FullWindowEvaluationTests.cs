using Lineage.Core.Episodes;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Tests.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Episodes;

/// <summary>Every policy in an evaluation is scored over the same full window; the bankruptcy floor is a training rule.</summary>
public class FullWindowEvaluationTests
{
    private static readonly ArenaOptions Fees = new() { FeeBps = 10, BankruptcyFraction = 0.5 };

    [Fact]
    public void Buy_and_hold_earns_the_assets_whole_window_return_through_a_60_percent_crash()
    {
        var series = CrashThenRecovery();
        var env = EnvironmentFactory.Create(series, Fees with { CloseAtEnd = false });

        var report = Evaluator.Evaluate(FixedPolicy.Flat(env.StateSize), env);

        // Marked at the last close (the exit fee of the default close-at-end is covered in ArenaCostOptionsTests).
        var entry = series.FillPrice(env.FirstStartIndex + 1);
        var firstToLastAfterFees = (series.Close[^1] / entry / 1.001) - 1;
        Assert.Equal(firstToLastAfterFees, report.BuyAndHold.Roi, 9);
        Assert.True(report.BuyAndHold.Roi > 0.4, $"buy-and-hold {report.BuyAndHold.Roi:P1}");
        Assert.True(report.BuyAndHold.MaxDrawdown > 0.55, $"max drawdown {report.BuyAndHold.MaxDrawdown:P1}");
        Assert.NotNull(report.BuyAndHold.HitFloorAt);
        Assert.Equal(series.Count - env.FirstStartIndex, report.BuyAndHoldEquityCurve.Length);
    }

    [Fact]
    public void Policy_that_reaches_the_floor_is_flattened_and_stays_in_cash_to_the_end()
    {
        var series = CrashThenRecovery();
        var env = EnvironmentFactory.Create(series, Fees);

        var report = Evaluator.Evaluate(FixedPolicy.BuyAndHold(env.StateSize), env);

        var hit = Assert.IsType<int>(report.Agent.HitFloorAt);
        Assert.True(series.Close[hit] <= 0.5 * series.FillPrice(env.FirstStartIndex + 1) * 1.001, $"hit at bar {hit}, close {series.Close[hit]}");
        Assert.Equal(series.Count - 1 - env.FirstStartIndex, report.Steps);
        Assert.Equal(report.BuyAndHoldEquityCurve.Length, report.EquityCurve.Length);
        var flattenedAt = hit - env.FirstStartIndex + 1;
        var cash = report.EquityCurve[flattenedAt];
        Assert.All(report.EquityCurve[flattenedAt..], e => Assert.Equal(cash, e));
        Assert.Equal(cash, report.Agent.FinalCapital);
        Assert.True(report.Agent.Bankrupt);
        Assert.True(report.Agent.Roi < -0.5 && report.BuyAndHold.Roi > 0.4);
        Assert.Equal(FloorRule.FlattenToCash, report.EvaluationFloor);
    }

    [Fact]
    public void Every_policy_is_scored_over_the_same_bars()
    {
        var series = CrashThenRecovery();
        var env = EnvironmentFactory.Create(series, Fees);

        var report = Evaluator.Evaluate(FixedPolicy.BuyAndHold(env.StateSize), env, randomSeeds: 5, seed: 3, referencePolicy: FixedPolicy.BuyAndHold(env.StateSize));

        var bars = series.Count - 1 - env.FirstStartIndex;
        Assert.Equal(bars + 1, report.EquityCurve.Length);
        Assert.Equal(bars + 1, report.BuyAndHoldEquityCurve.Length);
        foreach (var policy in new[] { FixedPolicy.BuyAndHold(env.StateSize), FixedPolicy.Flat(env.StateSize) })
        {
            Assert.Equal(bars, EpisodeRunner.Run(env, env.FirstStartIndex, int.MaxValue, policy, 0, new Rng(0), null, FloorRule.FlattenToCash).Steps);
        }

        Assert.Equal(bars, EpisodeRunner.Run(env, env.FirstStartIndex, int.MaxValue, FixedPolicy.Flat(env.StateSize), 1.0, new Rng(9), null, FloorRule.FlattenToCash).Steps);
        Assert.Equal(report.Agent, report.Reference);
    }

    [Fact]
    public void Ignoring_the_floor_in_evaluation_scores_a_policy_like_buy_and_hold()
    {
        var series = CrashThenRecovery();
        var env = EnvironmentFactory.Create(series, Fees with { EvaluationFloor = FloorRule.Ignore });

        var report = Evaluator.Evaluate(FixedPolicy.BuyAndHold(env.StateSize), env);

        Assert.Equal(report.BuyAndHold, report.Agent);
        Assert.Equal(report.BuyAndHoldEquityCurve, report.EquityCurve);
    }

    [Fact]
    public void Training_episodes_still_end_at_the_floor()
    {
        var series = CrashThenRecovery();
        var env = EnvironmentFactory.Create(series, Fees);

        var result = EpisodeRunner.Run(env, env.FirstStartIndex, int.MaxValue, FixedPolicy.BuyAndHold(env.StateSize), 0, new Rng(0), null);

        Assert.True(result.Terminated);
        Assert.Equal(result.Metrics.HitFloorAt, env.FirstStartIndex + result.Steps);
        Assert.True(result.Steps < series.Count - 1 - env.FirstStartIndex);
    }

    [Fact]
    public void Ending_the_episode_is_not_an_evaluation_rule()
    {
        var errors = (ArenaOptions.Classic with { EvaluationFloor = FloorRule.EndEpisode }).Validate();

        Assert.Contains(errors, e => e.Contains("EvaluationFloor", StringComparison.Ordinal));
    }

    /// <summary>Up 10 % over 60 bars, a 60 % crash over 20 bars, then a recovery to 150 % of the start.</summary>
    private static PriceSeries CrashThenRecovery()
    {
        var closes = new List<double>();
        for (var i = 0; i < 60; i++)
        {
            closes.Add(100 * (1 + (0.1 * i / 59)));
        }

        var top = closes[^1];
        for (var i = 1; i <= 20; i++)
        {
            closes.Add(top * (1 - (0.6 * i / 20)));
        }

        var bottom = closes[^1];
        for (var i = 1; i <= 100; i++)
        {
            closes.Add(bottom + ((150 - bottom) * i / 100));
        }

        return TestSeries.CloseOnly([.. closes]);
    }
}
