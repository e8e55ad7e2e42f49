using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Episodes;

/// <summary>The oracle baseline: it knows the synthetic generator's state at each bar, so it is the bound the agent is read against.</summary>
public class OraclePolicyTests
{
    // A run's test series: its own generator seed, 857 bars (the default evaluation length), a normaliser fitted on its training series.
    private static TradingEnvironment TestEnvironment(string kind, ulong seed, double? snr, ArenaOptions arena)
    {
        var train = SyntheticMarkets.Generate(kind, 4000, Seeds.Derive(seed, 1), snr);
        var test = SyntheticMarkets.Generate(kind, 857, Seeds.Derive(seed, 3), snr);
        return new TradingEnvironment(test, FeatureSpec.Default, Normalizer.Fit(MarketFeatures.Compute(train, FeatureSpec.Default)), arena, new RewardOptions());
    }

    [Theory]
    [InlineData(null, 0.0, 2.0)]
    [InlineData(null, 10.0, 2.0)]
    [InlineData(0.05, 0.0, 0.1)]
    [InlineData(0.05, 10.0, 0.1)]
    public void On_the_trend_the_oracle_beats_buy_and_hold_on_average_over_market_paths(double? snr, double feeBps, double margin)
    {
        var excess = new List<double>();
        for (ulong seed = 1; seed <= 20; seed++)
        {
            var env = TestEnvironment("trend", seed, snr, ArenaOptions.Classic with { FeeBps = feeBps });
            var report = Evaluator.Evaluate(FixedPolicy.Flat(env.StateSize), env, randomSeeds: 2, seed: seed);
            excess.Add(report.Oracle!.Roi - report.BuyAndHold.Roi);
        }

        // One path of 857 bars is noisy at 0.05 (the oracle can trail buy-and-hold on a few); the mean over 20 is not.
        Assert.True(excess.Average() > margin, $"mean oracle − buy & hold {excess.Average():P1} over 20 paths (signal-to-noise {snr?.ToString() ?? "default"}, fee {feeBps} bps)");
    }

    [Fact]
    public void Fees_cost_the_oracle_and_do_not_reverse_it()
    {
        var free = TestEnvironment("trend", 3, 0.05, ArenaOptions.Classic with { FeeBps = 0 });
        var paid = TestEnvironment("trend", 3, 0.05, ArenaOptions.Classic with { FeeBps = 10 });

        var a = Evaluator.Evaluate(FixedPolicy.Flat(free.StateSize), free, randomSeeds: 2).Oracle!;
        var b = Evaluator.Evaluate(FixedPolicy.Flat(paid.StateSize), paid, randomSeeds: 2).Oracle!;

        Assert.Equal(a.Trades, b.Trades);
        Assert.True(a.Trades > 3);
        Assert.True(b.Roi < a.Roi);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void On_the_trend_the_oracles_position_is_the_regime_in_force_when_it_decides(bool longOnly)
    {
        var env = TestEnvironment("trend", 7, null, ArenaOptions.Classic with { LongOnly = longOnly, CloseAtEnd = false });
        var drift = env.Series.Truth!.Drift;
        var oracle = new OraclePolicy(env);
        Span<float> q = stackalloc float[env.ActionCount];
        env.Reset(env.FirstStartIndex, floorRule: FloorRule.Ignore);
        var switches = 0;
        var upReturns = new List<double>();
        var downReturns = new List<double>();
        while (!env.Done)
        {
            var decidedAt = env.CurrentIndex;
            oracle.Evaluate(env.State, q);
            var equity = env.Arena.Equity;
            env.Step(ArgMax(q));

            // Held over bar decidedAt → decidedAt + 1: long in the up regime, short (flat when long-only) in the down.
            Assert.Equal(drift[decidedAt] > 0 ? 1 : longOnly ? 0 : -1, env.Arena.Position);
            switches += decidedAt > env.FirstStartIndex && Math.Sign(drift[decidedAt]) != Math.Sign(drift[decidedAt - 1]) ? 1 : 0;
            (drift[decidedAt] > 0 ? upReturns : downReturns).Add((env.Arena.Equity / equity) - 1);
        }

        Assert.True(switches > 3, $"{switches} regime switches on the window");
        Assert.True(upReturns.Average() > 0);
        if (longOnly)
        {
            // Flat earns nothing; the bar it sells on pays the 10 bps fee.
            Assert.All(downReturns, r => Assert.InRange(r, -0.0011, 0));
        }
        else
        {
            Assert.True(downReturns.Average() > 0, "short in the down regime earns");
        }
    }

    [Fact]
    public void On_the_mean_reverting_market_the_oracle_is_contrarian_on_the_true_deviation_beyond_its_band()
    {
        var env = TestEnvironment("meanrev", 5, null, ArenaOptions.Classic with { CloseAtEnd = false });
        var truth = env.Series.Truth!;
        var parameters = new MeanRevertingParameters();
        Assert.Equal(parameters.Reversion * 0.5 * parameters.StationaryStd, truth.Band, 15);
        var oracle = new OraclePolicy(env);
        Span<float> q = stackalloc float[env.ActionCount];
        env.Reset(env.FirstStartIndex, floorRule: FloorRule.Ignore);
        var seen = new HashSet<int>();
        while (!env.Done)
        {
            var deviation = Math.Log(env.Series.Close[env.CurrentIndex] / parameters.Level);
            var before = env.Arena.Position;
            oracle.Evaluate(env.State, q);
            env.Step(ArgMax(q));
            var expected = deviation < -0.5 * parameters.StationaryStd ? 1 : deviation > 0.5 * parameters.StationaryStd ? -1 : before;
            Assert.Equal(expected, env.Arena.Position);
            seen.Add(expected);
        }

        Assert.Contains(1, seen);
        Assert.Contains(-1, seen);
    }

    [Fact]
    public void The_oracle_beats_the_reference_on_both_markets_at_005_on_average()
    {
        foreach (var kind in new[] { "trend", "meanrev" })
        {
            var gap = new List<double>();
            for (ulong seed = 1; seed <= 10; seed++)
            {
                var env = TestEnvironment(kind, seed, 0.05, ArenaOptions.Classic);
                var report = Evaluator.Evaluate(FixedPolicy.Flat(env.StateSize), env, randomSeeds: 2, referencePolicy: ReferencePolicies.For(kind, env.Spec, env.Normalizer));
                gap.Add(report.Oracle!.Roi - report.Reference!.Roi);
            }

            Assert.True(gap.Average() > 0.1, $"{kind}: mean oracle − reference {gap.Average():P1}");
        }
    }

    [Fact]
    public void A_series_without_a_generator_state_has_no_oracle_and_the_other_figures_do_not_depend_on_it()
    {
        var env = TestEnvironment("trend", 2, null, ArenaOptions.Classic);
        var s = env.Series;
        var bare = new TradingEnvironment(new PriceSeries(s.Name, s.Times, s.Open, s.Close), FeatureSpec.Default, env.Normalizer, ArenaOptions.Classic, new RewardOptions());
        var rule = SimpleRules.SelectOnValidation(bare);

        var withOracle = Evaluator.Evaluate(ReferencePolicies.For("trend", env.Spec, env.Normalizer), env, randomSeeds: 3, seed: 9, bestRule: rule, bootstrapDraws: 200);
        var without = Evaluator.Evaluate(ReferencePolicies.For("trend", env.Spec, env.Normalizer), bare, randomSeeds: 3, seed: 9, bestRule: rule, bootstrapDraws: 200);

        Assert.NotNull(withOracle.Oracle);
        Assert.Null(without.Oracle);
        Assert.Null(Evaluator.Evaluate(FixedPolicy.Flat(5), EnvironmentFactory.Create(SyntheticMarkets.Generate("randomwalk", 300, 1)), randomSeeds: 2).Oracle);
        Assert.Equal(
            System.Text.Json.JsonSerializer.Serialize(without),
            System.Text.Json.JsonSerializer.Serialize(withOracle with { Oracle = null }));
        Assert.Throws<ArgumentException>(() => new OraclePolicy(bare));
    }

    private static int ArgMax(ReadOnlySpan<float> q)
    {
        var best = 0;
        for (var i = 1; i < q.Length; i++)
        {
            if (q[i] > q[best])
            {
                best = i;
            }
        }

        return best;
    }
}
