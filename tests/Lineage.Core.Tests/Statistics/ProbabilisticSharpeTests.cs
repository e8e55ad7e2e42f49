using Lineage.Core.Randomness;
using Lineage.Core.Statistics;
using Xunit.Abstractions;

namespace Lineage.Core.Tests.Statistics;

public class ProbabilisticSharpeTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(2)]
    [InlineData(253)]
    [InlineData(10_000)]
    public void Psr_is_the_confidence_level_at_the_normal_quantile(int bars)
    {
        // Skewness 0 and kurtosis 1 (a symmetric two-point series) make the denominator 1: PSR = Φ(SR·√(n − 1)),
        // and Φ(1.6448536269514722) = 0.95.
        var psr = ProbabilisticSharpe.Psr(1.6448536269514722 / Math.Sqrt(bars - 1), bars, 0, 1);

        Assert.Equal(0.95, psr, 13);
    }

    [Fact]
    public void Psr_matches_a_hand_computed_value()
    {
        // SR 0.1 per bar over 253 bars, skew −0.5, kurtosis 5: denominator 1 + 0.05 + 0.01 = 1.06,
        // z = 0.1·√252 / √1.06 = 1.541869, Φ(z) = 0.938447.
        var psr = ProbabilisticSharpe.Psr(0.1, 253, -0.5, 5);

        Assert.Equal(0.9384472247647291, psr, 12);
    }

    [Fact]
    public void Moments_of_the_excess_series_feed_the_psr()
    {
        double[] candidate = [0.02, -0.01, 0.03, 0.0, 0.01, -0.02, 0.04];
        double[] baseline = [0.01, 0.0, 0.01, 0.01, 0.0, -0.01, 0.01];

        var test = ProbabilisticSharpe.ExcessOver(candidate, baseline, "buy-and-hold", 0.95);

        double[] excess = [0.01, -0.01, 0.02, -0.01, 0.01, -0.01, 0.03];
        var mean = excess.Average();
        var sd = Math.Sqrt(excess.Sum(x => (x - mean) * (x - mean)) / (excess.Length - 1));
        Assert.Equal(7, test.Bars);
        Assert.Equal(mean, test.MeanExcess, 15);
        Assert.Equal(mean / sd, test.Sharpe, 12);
        Assert.Equal(ProbabilisticSharpe.Psr(test.Sharpe, 7, test.Skewness, test.Kurtosis), test.Psr, 15);
        Assert.False(test.Passed);
    }

    [Fact]
    public void Zero_edge_candidates_pass_at_most_at_the_confidence_level()
    {
        const int candidates = 2000;
        const int bars = 252;
        var rng = new Rng(20_161);
        var passed = 0;
        var excess = new double[bars];
        for (var c = 0; c < candidates; c++)
        {
            for (var i = 0; i < bars; i++)
            {
                excess[i] = 0.01 * rng.NextGaussian();
            }

            passed += ProbabilisticSharpe.Test(excess, "buy-and-hold", 0.95).Passed ? 1 : 0;
        }

        var rate = (double)passed / candidates;
        output.WriteLine($"zero-edge false-promotion rate: {passed}/{candidates} = {rate:P2} (252 bars, confidence 0.95)");
        Assert.True(rate <= 0.06, $"{passed}/{candidates} zero-edge candidates passed");
    }

    [Fact]
    public void Candidate_with_a_clear_edge_passes()
    {
        var rng = new Rng(7);
        var excess = Enumerable.Range(0, 252).Select(_ => 0.003 + (0.01 * rng.NextGaussian())).ToArray();

        var test = ProbabilisticSharpe.Test(excess, "buy-and-hold", 0.95);

        Assert.True(test.Passed, $"SR {test.Sharpe}, PSR {test.Psr}");
        Assert.True(test.Psr > 0.99);
    }

    [Fact]
    public void Identical_returns_are_no_evidence_of_edge()
    {
        double[] returns = [0.01, -0.02, 0.005, 0.0, 0.03];

        var test = ProbabilisticSharpe.ExcessOver(returns, returns, "champion", 0.95);

        Assert.Equal((0.0, 0.5, false), (test.Sharpe, test.Psr, test.Passed));
    }

    [Fact]
    public void Power_on_252_bars_at_95_percent()
    {
        var needed = ProbabilisticSharpe.RequiredSharpe(252, 0.95);

        output.WriteLine($"per-bar excess Sharpe needed to pass on 252 bars at 0.95 (normal excess returns): {needed:F4} per bar = {needed * Math.Sqrt(252):F2} annualised (252 bars/year)");
        Assert.Equal(0.95, ProbabilisticSharpe.Psr(needed, 252, 0, 3), 9);
        Assert.InRange(needed, 0.10, 0.11);
    }
}
