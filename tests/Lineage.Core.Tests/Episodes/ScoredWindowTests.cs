using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Episodes;

/// <summary>
/// Evaluated windows carry read-only history in front: every feature spec is scored on the split's own bars, from its
/// first to its last, and no history bar is scored or acted on.
/// </summary>
public class ScoredWindowTests
{
    private static readonly ArenaOptions Fees = new() { FeeBps = 10 };

    // 3,000 bars: train 2,100, validation 450, test 450 (bars 2,550 … 2,999).
    private static PriceSeries Series() => SyntheticMarkets.Generate(SyntheticMarkets.Trend, 3000, 11);

    private static (PreparedMarket Market, SimpleRuleChoice Rule, EvaluationReport Report) Evaluate(FeatureSpec spec, int historyBars = DataSplits.HistoryBars)
    {
        var market = PreparedMarket.Prepare(Series(), spec, Fees, new RewardOptions(), historyBars: historyBars);
        var rule = SimpleRules.SelectOnValidation(market.Validation);
        var agent = ReferencePolicies.For(SyntheticMarkets.Trend, spec, market.Normalizer);
        var report = Evaluator.Evaluate(agent, market.Test, randomSeeds: 3, seed: 4, bestRule: rule, bootstrapDraws: 200);
        return (market, rule, report);
    }

    [Fact]
    public void The_history_covers_every_built_in_features_look_back_and_every_rules_warm_up()
    {
        var everyFeature = new FeatureSpec { Features = [.. Enum.GetValues<FeatureKind>()] };

        Assert.True(DataSplits.HistoryBars >= everyFeature.RequiredHistory, $"feature history {everyFeature.RequiredHistory}");
        Assert.True(DataSplits.HistoryBars >= SimpleRules.MaxWarmUpBars, $"rule warm-up {SimpleRules.MaxWarmUpBars}");
    }

    [Fact]
    public void Default_and_rich_features_on_the_same_split_are_scored_on_the_same_bars_as_every_baseline()
    {
        var series = Series();
        var (defaultMarket, defaultRule, defaultReport) = Evaluate(FeatureSpec.Default);
        var (richMarket, richRule, richReport) = Evaluate(FeatureSpec.Rich);

        foreach (var (market, report) in new[] { (defaultMarket, defaultReport), (richMarket, richReport) })
        {
            // The whole test part: decided from its first bar (2,550) to its last, one per-bar return for each bar after the first.
            Assert.Equal(market.Split.TestHistory, report.StartIndex);
            Assert.Equal(series.Times[2550], market.Test.Series.Times[report.StartIndex]);
            Assert.Equal(series.Times[^1], market.Test.Series.Times[^1]);
            Assert.Equal(449, report.Steps);
            Assert.Equal(450, report.EquityCurve.Length);
            Assert.Equal(450, report.BuyAndHoldEquityCurve.Length);
            Assert.Equal(450, report.BestRuleEquityCurve!.Length);
            Assert.Equal(449, report.Bootstrap!.Bars);

            // The random runs start at the same bar: replayed from it, they give the reported mean.
            var randomRois = Enumerable.Range(0, 3).Select(i => EpisodeRunner.Run(
                market.Test, report.StartIndex, int.MaxValue, FixedPolicy.Flat(market.Test.StateSize), 1.0, new Rng(Evaluator.RandomBaselineSeed(4, i)), null, Fees.EvaluationFloor).Metrics.Roi);
            Assert.Equal(randomRois.Average(), report.Random.MeanRoi, 12);
        }

        // Buy-and-hold, flat, random and the rules never read features: on the same bars they score exactly the same.
        Assert.Equal(defaultReport.BuyAndHold, richReport.BuyAndHold);
        Assert.Equal(defaultReport.Flat, richReport.Flat);
        Assert.Equal(defaultReport.Random, richReport.Random);
        Assert.Equal(defaultRule.Candidates, richRule.Candidates);
        Assert.Equal(defaultReport.BestRule, richReport.BestRule);
        Assert.Equal(defaultReport.BestRuleEquityCurve, richReport.BestRuleEquityCurve);
    }

    [Fact]
    public void Without_history_the_rich_features_would_be_scored_on_230_fewer_bars()
    {
        var (_, _, defaultReport) = Evaluate(FeatureSpec.Default, historyBars: 0);
        var (_, _, richReport) = Evaluate(FeatureSpec.Rich, historyBars: 0);

        Assert.Equal(449 - 20, defaultReport.Steps);
        Assert.Equal(449 - 250, richReport.Steps);
    }

    [Fact]
    public void The_rule_is_chosen_on_the_validation_parts_scored_bars_warmed_up_on_its_history()
    {
        var (market, rule, _) = Evaluate(FeatureSpec.Rich);

        Assert.Equal(market.Split.ValidationHistory, market.Validation.FirstStartIndex);
        Assert.Equal(SimpleRules.Run(rule.Rule, market.Validation).Metrics, rule.Metrics);
        Assert.Equal(450, market.Validation.EquityCurve.Length);
    }

    [Fact]
    public void The_validation_history_is_the_end_of_train_and_none_of_its_bars_is_scored_or_traded()
    {
        var series = Series();
        var market = PreparedMarket.Prepare(series, FeatureSpec.Default, Fees, new RewardOptions());
        var history = market.Split.ValidationHistory;
        var train = market.Split.Train;
        var agent = ReferencePolicies.For(SyntheticMarkets.Trend, FeatureSpec.Default, market.Normalizer);

        var report = Evaluator.Evaluate(agent, market.Validation, randomSeeds: 2);

        Assert.Equal(DataSplits.HistoryBars, history);
        Assert.Equal(train.Slice(train.Count - history, history).Fingerprint(), market.Validation.Series.Slice(0, history).Fingerprint());
        // The equity curve has a point for the first decision bar and one per step after it: the 450 validation bars, no more.
        Assert.Equal(market.Validation.Series.Count - history, report.EquityCurve.Length);
        Assert.Equal(450, report.EquityCurve.Length);
        Assert.NotEmpty(report.Trades!);
        Assert.All(report.Trades!, t => Assert.True(t.Bar > history, $"a fill at bar {t.Bar}, inside the history"));
        Assert.Throws<ArgumentOutOfRangeException>(() => market.Validation.Reset(history - 1));
    }

    [Fact]
    public void The_fee_sweep_scores_the_window_after_its_history_as_the_evaluator_does()
    {
        var market = PreparedMarket.Prepare(Series(), FeatureSpec.Rich, Fees, new RewardOptions());
        var agent = ReferencePolicies.For(SyntheticMarkets.Trend, FeatureSpec.Rich, market.Normalizer);

        var sweep = FeeSweep.Run(agent, market.Split.Test, FeatureSpec.Rich, market.Normalizer, Fees, new RewardOptions(), [Fees.FeeBps], historyBars: market.Split.TestHistory);
        var report = Evaluator.Evaluate(agent, market.Test, randomSeeds: 2);

        Assert.Equal(report.Agent.Roi, Assert.Single(sweep).AgentReturn, 12);
        Assert.Equal(report.BuyAndHold.Roi, sweep[0].BuyAndHoldReturn, 12);
    }
}
