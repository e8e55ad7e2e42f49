using System.Diagnostics;
using Lineage.Core.Episodes;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Replay;
using Lineage.Core.Trading;
using Xunit.Abstractions;

namespace Lineage.Core.Tests.Episodes;

public class EpisodeRunnerTests(ITestOutputHelper output)
{
    private static TradingEnvironment Trend(int bars = 1000, ulong seed = 3) =>
        EnvironmentFactory.Create(SyntheticMarkets.Generate(SyntheticMarkets.Trend, bars, seed));

    /// <summary>A fixed linear Q-function so greedy actions depend on the state.</summary>
    private sealed class LinearPolicy(int stateSize) : IQFunction
    {
        public int StateSize => stateSize;

        public int ActionCount => 4;

        public void Evaluate(ReadOnlySpan<float> state, Span<float> qValues)
        {
            for (var a = 0; a < 4; a++)
            {
                var q = 0f;
                for (var i = 0; i < state.Length; i++)
                {
                    q += state[i] * (((a + 1) * (i + 2) % 5) - 2);
                }

                qValues[a] = q;
            }
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_episode_and_experiences()
    {
        var env = Trend();
        var policy = new LinearPolicy(env.StateSize);
        var first = new List<Experience>();
        var second = new List<Experience>();

        var a = EpisodeRunner.Run(env, 20, 500, policy, 0.3, new Rng(9), first);
        var b = EpisodeRunner.Run(env, 20, 500, policy, 0.3, new Rng(9), second);
        var c = EpisodeRunner.Run(env, 20, 500, policy, 0.3, new Rng(10), null);

        Assert.Equal(a.Metrics, b.Metrics);
        Assert.Equal(a.TotalReward, b.TotalReward);
        Assert.Equal(a.ActionCounts, b.ActionCounts);
        Assert.Equal(first.Select(e => e.Action), second.Select(e => e.Action));
        Assert.NotEqual(a.ActionCounts, c.ActionCounts);
    }

    [Fact]
    public void Emits_one_chained_experience_per_step()
    {
        var env = Trend();
        var sink = new List<Experience>();

        var result = EpisodeRunner.Run(env, 50, 100, new LinearPolicy(env.StateSize), 0.5, new Rng(1), sink);

        Assert.Equal(100, result.Steps);
        Assert.Equal(100, sink.Count);
        for (var i = 1; i < sink.Count; i++)
        {
            Assert.Equal(sink[i - 1].NextState, sink[i].State);
            Assert.NotSame(sink[i - 1].NextState, sink[i].State);
        }

        Assert.Equal(result.TotalReward, sink.Sum(e => (double)e.Reward), 3);
        Assert.True(sink[^1].Truncated);
        Assert.False(sink[^1].Terminated);
        Assert.All(sink[..^1], e => Assert.False(e.Truncated || e.Terminated));
    }

    [Fact]
    public void Bankruptcy_emits_a_terminated_experience()
    {
        var env = EnvironmentFactory.Create(Lineage.Core.Tests.MarketData.TestSeries.CloseOnly(100, 100, 100, 100, 40, 40, 40), spec: Lineage.Core.Features.FeatureSpec.Default with { Window = 2 });
        var sink = new List<Experience>();

        var result = EpisodeRunner.Run(env, 2, 100, FixedPolicy.BuyAndHold(env.StateSize), 0, new Rng(1), sink);

        Assert.True(result.Terminated);
        Assert.True(sink[^1].Terminated);
        Assert.False(sink[^1].Truncated);
    }

    [Fact]
    public void Greedy_run_follows_the_policy()
    {
        var env = Trend();

        var result = EpisodeRunner.Run(env, 20, 200, FixedPolicy.BuyAndHold(env.StateSize), 0, new Rng(1), null);

        Assert.Equal([0, 200, 0, 0], result.ActionCounts);
        Assert.Equal(1, result.Metrics.Trades);
    }

    [Fact]
    public void Fully_random_run_picks_actions_uniformly()
    {
        var env = Trend(5000);

        var result = EpisodeRunner.Run(env, 20, 4000, FixedPolicy.Flat(env.StateSize), 1.0, new Rng(4), null);

        // Chi-square with 3 degrees of freedom; 11.34 is the 1% critical value.
        var expected = result.Steps / 4.0;
        var chi2 = result.ActionCounts.Sum(n => (n - expected) * (n - expected) / expected);
        Assert.True(chi2 < 11.34, $"chi-square {chi2} for counts {string.Join(",", result.ActionCounts)}");
    }

    [Fact]
    public void Reward_totals_match_the_breakdown()
    {
        var env = Trend();

        var result = EpisodeRunner.Run(env, 20, 300, new LinearPolicy(env.StateSize), 0.2, new Rng(2), null);

        Assert.Equal(result.TotalReward, result.RewardTotals.Total, 6);
    }

    [Fact]
    public void Policy_with_the_wrong_state_size_is_rejected()
    {
        var env = Trend();

        var e = Assert.Throws<ArgumentException>(() => EpisodeRunner.Run(env, 20, 10, FixedPolicy.Flat(3), 0, new Rng(1), null));

        Assert.Contains("StateSize 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Arg_max_prefers_the_lowest_index_on_ties_and_ignores_nan()
    {
        Assert.Equal(1, EpisodeRunner.ArgMax([0f, 2f, 2f, 1f]));
        Assert.Equal(2, EpisodeRunner.ArgMax([float.NaN, -1f, 3f, 0f]));
    }

    [Fact]
    public void Step_loop_allocation_does_not_grow_with_steps()
    {
        var env = Trend(6000);
        var policy = new LinearPolicy(env.StateSize);
        EpisodeRunner.Run(env, 20, 100, policy, 0.1, new Rng(1), null);

        var shortRun = Allocated(() => EpisodeRunner.Run(env, 20, 100, policy, 0.1, new Rng(1), null));
        var longRun = Allocated(() => EpisodeRunner.Run(env, 20, 5000, policy, 0.1, new Rng(1), null));

        Assert.Equal(shortRun, longRun);
    }

    [Fact]
    public void Measures_steps_per_second()
    {
        // No bankruptcy stop, so every episode runs its full 5000 steps.
        var env = EnvironmentFactory.Create(SyntheticMarkets.Generate(SyntheticMarkets.RandomWalk, 6000, 3), ArenaOptions.Classic with { BankruptcyFraction = 0 });
        var policy = new LinearPolicy(env.StateSize);
        EpisodeRunner.Run(env, 20, 1000, policy, 0.1, new Rng(1), null);

        var watch = Stopwatch.StartNew();
        var steps = 0;
        for (var i = 0; i < 20; i++)
        {
            steps += EpisodeRunner.Run(env, 20, 5000, policy, 0.1, new Rng((ulong)i), null).Steps;
        }

        watch.Stop();
        Assert.Equal(20 * 5000, steps);
        var rate = steps / watch.Elapsed.TotalSeconds;
        output.WriteLine($"episode loop: {steps} steps in {watch.Elapsed.TotalMilliseconds:F1} ms = {rate:F0} steps/s (no experience sink)");
        Assert.True(rate > 100_000, $"{rate:F0} steps/s");
    }

    [Fact]
    public void Measures_steps_per_second_with_an_experience_sink()
    {
        var env = EnvironmentFactory.Create(SyntheticMarkets.Generate(SyntheticMarkets.RandomWalk, 6000, 3), ArenaOptions.Classic with { BankruptcyFraction = 0 });
        var policy = new LinearPolicy(env.StateSize);
        var sink = new List<Experience>(100_000);

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            EpisodeRunner.Run(env, 20, 5000, policy, 0.1, new Rng((ulong)i), sink);
        }

        watch.Stop();
        var rate = sink.Count / watch.Elapsed.TotalSeconds;
        output.WriteLine($"episode loop with sink: {sink.Count} experiences in {watch.Elapsed.TotalMilliseconds:F1} ms = {rate:F0} steps/s");
        Assert.Equal(100_000, sink.Count);
        Assert.True(rate > 20_000, $"{rate:F0} steps/s");
    }

    private static long Allocated(Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
