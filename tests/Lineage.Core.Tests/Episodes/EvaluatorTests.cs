using System.Text.Json;
using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Episodes;

public class EvaluatorTests
{
    [Fact]
    public void Report_includes_every_baseline_and_the_agent_curve()
    {
        var env = EnvironmentFactory.Create(SyntheticMarkets.Generate(SyntheticMarkets.Trend, 600, 8));

        var report = Evaluator.Evaluate(FixedPolicy.Flat(env.StateSize), env, randomSeeds: 20, seed: 1, referencePolicy: ReferencePolicies.For("trend", env.Spec, env.Normalizer));

        Assert.Equal(env.Series.Count - 1 - env.FirstStartIndex, report.Steps);
        Assert.Equal(report.Steps + 1, report.EquityCurve.Length);
        Assert.Equal(20, report.Random.Runs);
        Assert.True(report.Random.StdRoi > 0);
        Assert.NotNull(report.Reference);
        Assert.Equal(env.Series.Fingerprint(), report.SeriesFingerprint);
    }

    [Fact]
    public void A_loss_beyond_the_whole_equity_is_minus_one_per_bar_and_nothing_after_it()
    {
        // A short gapped through zero: 10,000 → −22,000, then flattened at that (negative) equity.
        var returns = Evaluator.PerBarReturns([10_000, 10_500, -22_000, -22_000, -22_000]);

        Assert.Equal(4, returns.Length);
        Assert.Equal(0.05, returns[0], 12);
        Assert.Equal([-1.0, 0, 0], returns[1..]);
        Assert.Equal(-1, returns.Aggregate(1.0, (wealth, r) => wealth * (1 + r)) - 1, 12);
    }

    [Fact]
    public void Flat_baseline_neither_gains_nor_loses()
    {
        var env = EnvironmentFactory.Create(SyntheticMarkets.Generate(SyntheticMarkets.RandomWalk, 300, 8));

        var report = Evaluator.Evaluate(FixedPolicy.Flat(env.StateSize), env);

        Assert.Equal(0, report.Flat.Roi);
        Assert.Equal(0, report.Flat.Trades);
        Assert.Equal(report.Flat, report.Agent);
    }

    [Fact]
    public void Marked_buy_and_hold_earns_the_price_change_less_one_fee()
    {
        var s = SyntheticMarkets.Generate(SyntheticMarkets.Trend, 400, 12);
        var env = EnvironmentFactory.Create(s, ArenaOptions.Classic with { FeeBps = 10, BankruptcyFraction = 0, CloseAtEnd = false });

        var report = Evaluator.Evaluate(FixedPolicy.Flat(env.StateSize), env);

        var entry = s.FillPrice(env.FirstStartIndex + 1);
        var expected = (s.Close[^1] / entry / 1.001) - 1;
        Assert.Equal(expected, report.BuyAndHold.Roi, 9);
        Assert.Equal(1, report.BuyAndHold.Trades);
    }

    [Fact]
    public void Same_seed_gives_the_same_report()
    {
        var env = EnvironmentFactory.Create(SyntheticMarkets.Generate(SyntheticMarkets.MeanReverting, 300, 3));

        var a = Evaluator.Evaluate(FixedPolicy.Flat(env.StateSize), env, seed: 5);
        var b = Evaluator.Evaluate(FixedPolicy.Flat(env.StateSize), env, seed: 5);
        var c = Evaluator.Evaluate(FixedPolicy.Flat(env.StateSize), env, seed: 6);

        Assert.Equal(a.Random, b.Random);
        Assert.NotEqual(a.Random, c.Random);
    }

    [Fact]
    public void Report_round_trips_through_json()
    {
        var env = EnvironmentFactory.Create(SyntheticMarkets.Generate(SyntheticMarkets.Trend, 200, 2));
        var report = Evaluator.Evaluate(FixedPolicy.BuyAndHold(env.StateSize), env, referencePolicy: ReferencePolicies.For("trend", env.Spec, env.Normalizer));

        var back = JsonSerializer.Deserialize<EvaluationReport>(JsonSerializer.Serialize(report))!;

        Assert.Equal(report.Agent, back.Agent);
        Assert.Equal(report.Random, back.Random);
        Assert.Equal(report.Reference, back.Reference);
        Assert.Equal(report.EquityCurve, back.EquityCurve);
    }

    [Theory]
    [InlineData("trend")]
    [InlineData("meanrev")]
    public void Reference_policy_beats_random_and_buy_and_hold_out_of_sample(string kind)
    {
        // Normaliser fitted on the train split only, judged on the test split, over several seeds.
        var wins = 0;
        var referenceRois = new List<double>();
        for (ulong seed = 0; seed < 8; seed++)
        {
            var split = DataSplits.Chronological(SyntheticMarkets.Generate(kind, 4000, seed));
            var norm = Normalizer.Fit(MarketFeatures.Compute(split.Train, FeatureSpec.Default));
            var env = new TradingEnvironment(split.Test, FeatureSpec.Default, norm, ArenaOptions.Classic, new RewardOptions());

            var report = Evaluator.Evaluate(FixedPolicy.Flat(env.StateSize), env, seed: seed, referencePolicy: ReferencePolicies.For(kind, env.Spec, norm));

            referenceRois.Add(report.Reference!.Roi);
            if (report.Reference.Roi > report.Random.MeanRoi + report.Random.StdRoi && report.Reference.Roi > report.BuyAndHold.Roi)
            {
                wins++;
            }
        }

        Assert.True(wins >= 6, $"reference won {wins}/8; ROIs {string.Join(", ", referenceRois.Select(r => r.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}");
    }

    [Fact]
    public void Reference_for_the_random_walk_stays_flat()
    {
        var env = EnvironmentFactory.Create(SyntheticMarkets.Generate(SyntheticMarkets.RandomWalk, 300, 2));

        var report = Evaluator.Evaluate(FixedPolicy.Flat(env.StateSize), env, referencePolicy: ReferencePolicies.For("randomwalk", env.Spec, env.Normalizer));

        Assert.Equal(0, report.Reference!.Roi);
    }

    [Fact]
    public void Reference_policy_needs_the_momentum_feature()
    {
        var spec = new FeatureSpec { Features = [FeatureKind.LogReturn, FeatureKind.Position] };

        var e = Assert.Throws<ArgumentException>(() => ReferencePolicies.For("trend", spec, Normalizer.Identity(1)));

        Assert.Contains("Momentum", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_baseline_loses_fees_on_average_on_a_flat_market()
    {
        var env = EnvironmentFactory.Create(Lineage.Core.Tests.MarketData.TestSeries.Constant(300, 50));

        var report = Evaluator.Evaluate(FixedPolicy.Flat(env.StateSize), env, seed: new Rng(1).NextULong());

        Assert.True(report.Random.MeanRoi < 0);
    }

    [Fact]
    public void Random_baseline_seeds_never_collide_with_the_synthetic_market_seeds()
    {
        foreach (var seed in new ulong[] { 0, 7, 42, ulong.MaxValue })
        {
            var markets = new[] { 1, 2, 3 }.Select(split => Seeds.Derive(seed, split)).ToHashSet();
            var random = Enumerable.Range(0, 20).Select(i => Evaluator.RandomBaselineSeed(seed, i)).ToList();
            Assert.DoesNotContain(random, markets.Contains);
            Assert.Equal(20, random.Distinct().Count());
        }
    }
}
