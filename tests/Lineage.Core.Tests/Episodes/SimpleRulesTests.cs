using Lineage.Core.Episodes;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Tests.MarketData;
using Lineage.Core.Trading;
using Xunit.Abstractions;

namespace Lineage.Core.Tests.Episodes;

public class SimpleRulesTests(ITestOutputHelper output)
{
    private static readonly ArenaOptions Fees = new() { FeeBps = 10 };

    public static TheoryData<int> RuleIndices()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < SimpleRules.Family.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RuleIndices))]
    public void A_rules_signal_at_t_is_unchanged_when_bars_after_t_are_altered(int ruleIndex)
    {
        var rule = SimpleRules.Family[ruleIndex];
        var closes = Walk(800, drift: 0.0002, seed: 1);
        var original = rule.Signals(closes);
        var rng = new Rng(5);
        foreach (var t in new[] { 0, 49, 199, 250, 400, 798 })
        {
            var altered = (double[])closes.Clone();
            for (var i = t + 1; i < altered.Length; i++)
            {
                altered[i] *= 0.5 + rng.NextDouble();
            }

            var signals = rule.Signals(altered);

            Assert.Equal(original.AsSpan(0, t + 1).ToArray(), signals.AsSpan(0, t + 1).ToArray());
        }

        Assert.Contains(original, s => s != 0);
    }

    [Fact]
    public void A_rule_policys_action_at_bar_t_is_unchanged_when_bars_after_t_are_altered()
    {
        var closes = Walk(600, drift: 0.0005, seed: 2);
        var altered = (double[])closes.Clone();
        const int t = 300;
        for (var i = t + 1; i < altered.Length; i++)
        {
            altered[i] = closes[t] * (1 - (0.001 * (i - t)));
        }

        var a = EnvironmentFactory.Create(TestSeries.CloseOnly(closes), Fees);
        var b = new TradingEnvironment(TestSeries.CloseOnly(altered), a.Spec, a.Normalizer, Fees, new RewardOptions());
        Span<float> qa = stackalloc float[TradingEnvironment.ClassicActionCount];
        Span<float> qb = stackalloc float[TradingEnvironment.ClassicActionCount];
        foreach (var rule in SimpleRules.Family)
        {
            var pa = new SimpleRulePolicy(rule, a);
            var pb = new SimpleRulePolicy(rule, b);
            for (var bar = a.FirstStartIndex; bar <= t; bar += 7)
            {
                a.Reset(bar);
                b.Reset(bar);
                pa.Evaluate(a.State, qa);
                pb.Evaluate(b.State, qb);
                Assert.Equal(EpisodeRunner.ArgMax(qa), EpisodeRunner.ArgMax(qb));
            }
        }
    }

    [Fact]
    public void On_a_strong_trend_the_long_only_ma_crossover_beats_flat()
    {
        var env = EnvironmentFactory.Create(TestSeries.CloseOnly(Walk(800, drift: 0.002, seed: 3, volatility: 0.005)), Fees);
        var crossover = SimpleRules.Family.First(r => r is { Kind: SimpleRuleKind.MovingAverageCrossover, Fast: 10, LongShort: false });

        var rule = SimpleRules.Run(crossover, env).Metrics;
        var flat = EpisodeRunner.Run(env, env.FirstStartIndex, int.MaxValue, FixedPolicy.Flat(env.StateSize), 0, new Rng(0), null, FloorRule.FlattenToCash).Metrics;

        output.WriteLine($"{crossover.Name}: {rule.Roi:P1} (Sharpe {rule.Sharpe:F2}, {rule.Trades} trades); flat {flat.Roi:P1}");
        Assert.True(rule.Roi > flat.Roi + 0.5, $"{crossover.Name} {rule.Roi:P1} vs flat {flat.Roi:P1}");
        Assert.True(rule.Sharpe > 1);
    }

    [Fact]
    public void The_reported_rule_is_the_one_chosen_on_validation_even_when_another_wins_on_test()
    {
        // Validation rises (a long-only rule wins: it never pays for a short), test falls (only a long/short rule earns).
        var validation = EnvironmentFactory.Create(TestSeries.CloseOnly(Walk(700, drift: 0.0015, seed: 4, volatility: 0.008)), Fees);
        var test = new TradingEnvironment(TestSeries.CloseOnly(Walk(700, drift: -0.0015, seed: 5, volatility: 0.008)), validation.Spec, validation.Normalizer, Fees, new RewardOptions());

        var chosen = SimpleRules.SelectOnValidation(validation);
        var bestOnTest = SimpleRules.SelectOnValidation(test);
        var report = Evaluator.Evaluate(FixedPolicy.Flat(test.StateSize), test, randomSeeds: 2, bestRule: chosen);

        output.WriteLine($"validation's choice {chosen.Rule.Name} (Sharpe {chosen.Metrics.Sharpe:F2}); test's best {bestOnTest.Rule.Name} (Sharpe {bestOnTest.Metrics.Sharpe:F2})");
        Assert.NotEqual(chosen.Rule, bestOnTest.Rule);
        var reported = Assert.IsType<RuleBaseline>(report.BestRule);
        Assert.Equal(chosen.Rule.Name, reported.Name);
        Assert.Equal(chosen.Metrics.Sharpe, reported.ChosenSharpe);
        Assert.Equal(SimpleRules.Run(chosen.Rule, test).Metrics, reported.Metrics);
        Assert.True(reported.Metrics.Sharpe < bestOnTest.Metrics.Sharpe);
    }

    [Fact]
    public void Selection_picks_the_highest_validation_sharpe_of_the_family()
    {
        var validation = EnvironmentFactory.Create(TestSeries.CloseOnly(Walk(900, drift: 0.0004, seed: 6)), Fees);

        var choice = SimpleRules.SelectOnValidation(validation);

        Assert.Equal(SimpleRules.Family.Count, choice.Candidates.Count);
        Assert.Equal(choice.Candidates.Max(c => c.Sharpe), choice.Metrics.Sharpe);
        Assert.Equal(SimpleRules.Run(choice.Rule, validation).Metrics, choice.Metrics);
    }

    [Fact]
    public void Evaluation_bootstraps_the_excess_over_buy_and_hold_and_the_rule_with_the_same_draws()
    {
        var env = EnvironmentFactory.Create(TestSeries.CloseOnly(Walk(700, drift: 0.0005, seed: 7)), Fees);
        var choice = SimpleRules.SelectOnValidation(env);

        var report = Evaluator.Evaluate(FixedPolicy.BuyAndHold(env.StateSize), env, randomSeeds: 2, seed: 3, bestRule: choice, bootstrapDraws: 500);

        var bootstrap = Assert.IsType<Lineage.Core.Statistics.PairedBootstrapReport>(report.Bootstrap);
        Assert.Equal(report.Steps, bootstrap.Bars);
        Assert.Equal(["buy-and-hold", choice.Rule.Name], bootstrap.Baselines.Select(b => b.Baseline));
        // The agent is buy-and-hold here: its excess over buy-and-hold is exactly zero on every path.
        Assert.Equal(0, bootstrap.Baselines[0].ExcessReturn.Lower);
        Assert.Equal(0, bootstrap.Baselines[0].ExcessReturn.Upper);
        Assert.Equal(report.Agent.Roi - report.BestRule!.Metrics.Roi, bootstrap.Baselines[1].ExcessReturn.Point, 9);
    }

    [Theory]
    [MemberData(nameof(RuleIndices))]
    public void With_its_warm_up_in_front_as_history_a_rules_signals_are_those_it_has_on_the_whole_series(int ruleIndex)
    {
        var rule = SimpleRules.Family[ruleIndex];
        var closes = Walk(900, drift: 0.0003, seed: 9);
        const int start = 400;

        var warmed = rule.Signals(closes.AsSpan(start - SimpleRules.MaxWarmUpBars))[SimpleRules.MaxWarmUpBars..];

        // A signal reads its warm-up bars, never a bar after the one it is for: as if the rule had traded the whole series.
        Assert.Equal(rule.Signals(closes).AsSpan(start).ToArray(), warmed);
    }

    [Fact]
    public void A_rule_with_look_back_l_acts_from_the_first_scored_bar_when_the_l_bars_before_the_split_are_its_history()
    {
        var rule = new SimpleRule(SimpleRuleKind.Momentum, 0, 250, LongShort: false);
        var closes = Walk(900, drift: 0.002, seed: 8, volatility: 0.005);
        const int start = 400;
        var split = TestSeries.CloseOnly(closes[start..]);

        var cold = EnvironmentFactory.Create(split, Fees);
        SimpleRules.Run(rule, cold);
        var coldReturns = Evaluator.PerBarReturns(cold.EquityCurve);
        var warm = EnvironmentFactory.Create(TestSeries.CloseOnly(closes[(start - rule.WarmUpBars)..]), Fees, historyBars: rule.WarmUpBars);
        SimpleRules.Run(rule, warm);
        var warmReturns = Evaluator.PerBarReturns(warm.EquityCurve);

        // Without history the rule is flat until bar 250 of the split and the split is scored after the features' warm-up;
        // with its 250 bars of history in front the split is scored from its first bar and the rule is long from the first
        // decision, so the first scored bar already earns the trend's return.
        Assert.All(coldReturns.Take(rule.WarmUpBars - cold.FirstStartIndex), r => Assert.Equal(0, r));
        Assert.Equal(rule.WarmUpBars, warm.FirstStartIndex);
        Assert.NotEqual(0, warmReturns[0]);
        Assert.Equal(split.Count - 1, warmReturns.Length);
        Assert.Equal(split.Count - 1 - cold.FirstStartIndex, coldReturns.Length);
    }

    [Fact]
    public void The_agent_buy_and_hold_and_the_warmed_up_rule_are_scored_over_identical_bars()
    {
        var rule = new SimpleRule(SimpleRuleKind.MovingAverageCrossover, 50, 200, LongShort: false);
        var series = TestSeries.CloseOnly(Walk(1200, drift: 0.001, seed: 10, volatility: 0.006));
        var split = DataSplits.Cut(series, 400, 400, 400, DataSplits.HistoryBars);
        var validation = EnvironmentFactory.Create(split.Validation, Fees, historyBars: split.ValidationHistory);
        var test = new TradingEnvironment(split.Test, validation.Spec, validation.Normalizer, Fees, new RewardOptions(), split.TestHistory);
        var choice = SimpleRules.SelectOnValidation(validation, [rule]);

        var report = Evaluator.Evaluate(FixedPolicy.Flat(test.StateSize), test, bestRule: choice);

        // One per-bar return for each bar of the test part after its first, to the last: the same bars for every policy.
        var bars = 400 - 1;
        Assert.Equal(split.TestHistory, report.StartIndex);
        Assert.Equal(bars, Evaluator.PerBarReturns(report.EquityCurve).Length);
        Assert.Equal(bars, Evaluator.PerBarReturns(report.BuyAndHoldEquityCurve).Length);
        var ruleReturns = Evaluator.PerBarReturns(report.BestRuleEquityCurve);
        Assert.Equal(bars, ruleReturns.Length);
        Assert.NotEqual(0, ruleReturns[0]);
        Assert.Equal(report.BestRule!.Metrics.Roi, ruleReturns.Aggregate(1.0, (e, r) => e * (1 + r)) - 1, 9);
    }

    private static double[] Walk(int n, double drift, ulong seed, double volatility = 0.01)
    {
        var rng = new Rng(seed);
        var closes = new double[n];
        var price = 100.0;
        for (var i = 0; i < n; i++)
        {
            price *= Math.Exp(drift + (volatility * rng.NextGaussian()));
            closes[i] = price;
        }

        return closes;
    }
}
