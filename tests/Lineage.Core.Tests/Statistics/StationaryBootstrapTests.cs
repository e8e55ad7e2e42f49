using System.Diagnostics;
using Lineage.Core.Randomness;
using Lineage.Core.Statistics;
using Xunit.Abstractions;

namespace Lineage.Core.Tests.Statistics;

public class StationaryBootstrapTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(4.0)]
    [InlineData(12.5)]
    public void Sampled_blocks_have_mean_length_close_to_b(double b)
    {
        const int n = 1_000;
        var rng = new Rng(7);
        var indices = new int[n];
        long blocks = 0, bars = 0;
        for (var draw = 0; draw < 2_000; draw++)
        {
            StationaryBootstrap.SampleIndices(n, b, rng, indices);
            // Complete blocks only: the last one is cut by the path's end. A new block that happens to start at the
            // next bar (probability 1/n) is counted as a continuation, well inside the tolerance.
            var last = 0;
            for (var t = 1; t < n; t++)
            {
                if (indices[t] != (indices[t - 1] + 1) % n)
                {
                    blocks++;
                    bars += t - last;
                    last = t;
                }
            }
        }

        var mean = (double)bars / blocks;
        output.WriteLine($"b = {b}: mean block length {mean:F3} over {blocks} blocks");
        Assert.InRange(mean, b * 0.97, b * 1.03);
    }

    [Fact]
    public void Indices_stay_in_range_and_blocks_wrap_from_the_last_bar_to_the_first()
    {
        const int n = 50;
        var rng = new Rng(3);
        var indices = new int[n];
        var wrapped = 0;
        for (var draw = 0; draw < 500; draw++)
        {
            StationaryBootstrap.SampleIndices(n, 10, rng, indices);
            Assert.All(indices, i => Assert.InRange(i, 0, n - 1));
            for (var t = 1; t < n; t++)
            {
                wrapped += indices[t - 1] == n - 1 && indices[t] == 0 ? 1 : 0;
            }
        }

        Assert.True(wrapped > 100, $"{wrapped} wraps from bar {n - 1} to bar 0");
    }

    [Fact]
    public void Same_seed_gives_the_same_intervals_and_another_seed_differs()
    {
        var (agent, hold) = Pair(500, seed: 11);

        var a = StationaryBootstrap.Paired(agent, [("buy-and-hold", hold)], 252, 2_000, seed: 5);
        var b = StationaryBootstrap.Paired(agent, [("buy-and-hold", hold)], 252, 2_000, seed: 5);
        var c = StationaryBootstrap.Paired(agent, [("buy-and-hold", hold)], 252, 2_000, seed: 6);

        Assert.Equal(a.Baselines[0], b.Baselines[0]);
        Assert.Equal(a.BlockLength, b.BlockLength);
        Assert.NotEqual(a.Baselines[0].ExcessReturn.Lower, c.Baselines[0].ExcessReturn.Lower);
    }

    [Fact]
    public void Interval_of_the_mean_covers_the_true_mean_about_95_percent_of_the_time()
    {
        const double mu = 0.0005, sigma = 0.01;
        const int trials = 200, n = 250;
        var covered = 0;
        var x = new double[n];
        for (var trial = 0; trial < trials; trial++)
        {
            var rng = new Rng(Seeds.Derive(2024, trial));
            for (var i = 0; i < n; i++)
            {
                x[i] = mu + (sigma * rng.NextGaussian());
            }

            var b = StationaryBootstrap.PolitisWhiteBlockLength(x);
            var ci = StationaryBootstrap.MeanInterval(x, b, 2_000, Seeds.Derive(99, trial));
            covered += ci.Lower <= mu && mu <= ci.Upper ? 1 : 0;
        }

        output.WriteLine($"covered {covered}/{trials}");
        Assert.InRange(covered / (double)trials, 0.88, 0.99);
    }

    [Fact]
    public void Politis_White_block_length_is_longer_on_an_ar1_series_than_on_white_noise()
    {
        const int n = 2_000;
        var rng = new Rng(17);
        var noise = new double[n];
        var ar = new double[n];
        for (var i = 0; i < n; i++)
        {
            noise[i] = rng.NextGaussian();
            ar[i] = (i == 0 ? 0 : 0.8 * ar[i - 1]) + rng.NextGaussian();
        }

        var bNoise = StationaryBootstrap.PolitisWhiteBlockLength(noise);
        var bAr = StationaryBootstrap.PolitisWhiteBlockLength(ar);

        output.WriteLine($"b(white noise) = {bNoise:F2}, b(AR(1) φ=0.8) = {bAr:F2}");
        Assert.True(bAr > 3 * bNoise, $"AR(1) {bAr:F2} vs white noise {bNoise:F2}");
        Assert.InRange(bNoise, 1, n / 2.0);
        Assert.InRange(bAr, 1, n / 2.0);
    }

    [Fact]
    public void A_series_compared_with_itself_has_an_interval_of_exactly_zero()
    {
        var (agent, _) = Pair(400, seed: 2);

        var report = StationaryBootstrap.Paired(agent, [("itself", (double[])agent.Clone())], 252, 1_000, seed: 1);

        var excess = report.Baselines[0];
        Assert.Equal(new BootstrapInterval(0, 0, 0), excess.ExcessReturn);
        Assert.Equal(new BootstrapInterval(0, 0, 0), excess.ExcessSharpe);
        Assert.Equal(1, report.BlockLength);
    }

    [Fact]
    public void Point_values_are_the_observed_excess_and_lie_inside_their_intervals()
    {
        var (agent, hold) = Pair(750, seed: 4);

        var report = StationaryBootstrap.Paired(agent, [("buy-and-hold", hold)], 252, 4_000, seed: 9);

        var growthAgent = 1.0;
        var growthHold = 1.0;
        for (var i = 0; i < agent.Length; i++)
        {
            growthAgent *= 1 + agent[i];
            growthHold *= 1 + hold[i];
        }

        var excess = report.Baselines[0];
        Assert.Equal(growthAgent - growthHold, excess.ExcessReturn.Point, 12);
        Assert.InRange(excess.ExcessReturn.Point, excess.ExcessReturn.Lower, excess.ExcessReturn.Upper);
        Assert.InRange(excess.ExcessSharpe.Point, excess.ExcessSharpe.Lower, excess.ExcessSharpe.Upper);
    }

    [Fact]
    public void Ten_thousand_draws_over_a_thousand_bars_with_two_baselines_take_well_under_a_second()
    {
        var (agent, hold) = Pair(1_000, seed: 8);
        var rule = (double[])hold.Clone();
        Array.Reverse(rule);
        StationaryBootstrap.Paired(agent, [("buy-and-hold", hold), ("rule", rule)], 252, 100, seed: 1);

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var report = StationaryBootstrap.Paired(agent, [("buy-and-hold", hold), ("rule", rule)], 252, StationaryBootstrap.DefaultDraws, seed: 1);
        watch.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;

        // Wall time depends on what else the machine runs; the process CPU time (this test alone) is the cost.
        output.WriteLine($"{report.Draws} draws × {report.Bars} bars × 3 series, b = {report.BlockLength:F2}: {watch.Elapsed.TotalMilliseconds:F0} ms wall, {cpu.TotalMilliseconds:F0} ms process CPU");
        // The budget is ~100 ms on this 2-core machine; the bound leaves room for a loaded CI runner.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"{watch.Elapsed.TotalMilliseconds:F0} ms");
    }

    /// <summary>An "agent" that is the market plus an AR(1)-ish tracking difference, and the market itself.</summary>
    private static (double[] Agent, double[] Hold) Pair(int n, ulong seed)
    {
        var rng = new Rng(seed);
        var agent = new double[n];
        var hold = new double[n];
        var diff = 0.0;
        for (var i = 0; i < n; i++)
        {
            hold[i] = 0.0003 + (0.01 * rng.NextGaussian());
            diff = (0.5 * diff) + (0.003 * rng.NextGaussian());
            agent[i] = hold[i] + diff + 0.0002;
        }

        return (agent, hold);
    }
}
