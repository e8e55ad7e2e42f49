using Lineage.Core.Randomness;
using Lineage.Core.Statistics;
using Xunit.Abstractions;

namespace Lineage.Core.Tests.Statistics;

public class DeflatedSharpeTests(ITestOutputHelper output)
{
    // The numerical example of Bailey & López de Prado (2014), "The Deflated Sharpe Ratio: Correcting for Selection
    // Bias, Backtest Overfitting and Non-Normality", Journal of Portfolio Management 40(5), section "A numerical
    // example" (pp. 9–10 of the SSRN version 2460551, July 31, 2014): a strategy with annualised SR 2.5 over 5 years of
    // daily data (T = 1250, 250 observations a year), skewness −3, kurtosis 10, selected from N = 100 independent trials
    // whose annualised Sharpe ratios have variance 1/2. The paper reports SR₀ = E[max SR] ≈ 0.1132 (per day) and
    // DSR ≈ 0.9004 < 0.95; DSR would have been 0.9505 after N = 46 trials, and, with normal returns, after N = 88.
    private const int PaperBars = 1250;
    private const double PaperBarsPerYear = 250;
    private const double PaperSkewness = -3;
    private const double PaperKurtosis = 10;
    private static readonly double PaperSharpe = 2.5 / Math.Sqrt(PaperBarsPerYear);
    private static readonly double PaperVariance = 0.5 / PaperBarsPerYear;

    [Fact]
    public void Expected_maximum_sharpe_matches_the_papers_example()
    {
        var expectedMax = DeflatedSharpe.ExpectedMaximumSharpe(100, PaperVariance);

        output.WriteLine($"E[max SR] of N = 100, V[SR] = 1/2 annualised: {expectedMax:F6} per day (paper: ≈ 0.1132)");
        Assert.Equal(0.1132, expectedMax, 4);
    }

    [Fact]
    public void Deflated_sharpe_matches_the_papers_example()
    {
        var dsr = DeflatedSharpe.Dsr(PaperSharpe, PaperBars, PaperSkewness, PaperKurtosis, 100, PaperVariance);

        output.WriteLine($"DSR of the paper's example: {dsr:F6} (paper: ≈ 0.9004)");
        Assert.Equal(0.9004, dsr, 4);
    }

    [Theory]
    [InlineData(46, PaperSkewness, PaperKurtosis)]
    [InlineData(88, 0.0, 3.0)]
    public void Deflated_sharpe_matches_the_papers_counterfactuals(int trials, double skewness, double kurtosis)
    {
        var dsr = DeflatedSharpe.Dsr(PaperSharpe, PaperBars, skewness, kurtosis, trials, PaperVariance);

        output.WriteLine($"DSR with N = {trials}, skewness {skewness}, kurtosis {kurtosis}: {dsr:F6} (paper: 0.9505)");
        Assert.Equal(0.9505, dsr, 4);
    }

    [Theory]
    [InlineData(0.1, 253, -0.5, 5.0)]
    [InlineData(0.0, 100, 0.0, 3.0)]
    [InlineData(-0.05, 1000, 1.0, 8.0)]
    public void One_trial_is_the_psr_against_zero(double sharpe, int bars, double skewness, double kurtosis)
    {
        var dsr = DeflatedSharpe.Dsr(sharpe, bars, skewness, kurtosis, 1, 0.5);

        Assert.Equal(0, DeflatedSharpe.ExpectedMaximumSharpe(1, 0.5));
        Assert.Equal(ProbabilisticSharpe.Psr(sharpe, bars, skewness, kurtosis, 0), dsr, 15);
    }

    [Fact]
    public void More_trials_raise_the_bar_and_lower_the_dsr()
    {
        var previousMax = double.NegativeInfinity;
        var previousDsr = double.PositiveInfinity;
        foreach (var trials in new[] { 1, 2, 3, 5, 10, 46, 88, 100, 1000, 100_000 })
        {
            var max = DeflatedSharpe.ExpectedMaximumSharpe(trials, PaperVariance);
            var dsr = DeflatedSharpe.Dsr(PaperSharpe, PaperBars, PaperSkewness, PaperKurtosis, trials, PaperVariance);

            Assert.True(max > previousMax, $"E[max SR] at N = {trials}: {max} ≤ {previousMax}");
            Assert.True(dsr < previousDsr, $"DSR at N = {trials}: {dsr} ≥ {previousDsr}");
            (previousMax, previousDsr) = (max, dsr);
        }
    }

    [Fact]
    public void Expected_maximum_scales_with_the_trials_standard_deviation()
    {
        Assert.Equal(2 * DeflatedSharpe.ExpectedMaximumSharpe(20, 0.01), DeflatedSharpe.ExpectedMaximumSharpe(20, 0.04), 14);
        Assert.Equal(0, DeflatedSharpe.ExpectedMaximumSharpe(20, 0));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(1000)]
    public void Expected_maximum_is_close_to_the_simulated_maximum_of_normal_trials(int trials)
    {
        const int repetitions = 2000;
        var rng = new Rng(2014);
        var sum = 0.0;
        for (var r = 0; r < repetitions; r++)
        {
            var max = double.NegativeInfinity;
            for (var i = 0; i < trials; i++)
            {
                max = Math.Max(max, rng.NextGaussian());
            }

            sum += max;
        }

        var simulated = sum / repetitions;
        var formula = DeflatedSharpe.ExpectedMaximumSharpe(trials, 1);
        output.WriteLine($"N = {trials}: E[max] formula {formula:F4}, simulated {simulated:F4} ({repetitions} draws)");
        Assert.InRange(formula / simulated, 0.97, 1.05);
    }

    [Fact]
    public void Trial_variance_is_the_sample_variance_and_defaults_below_two_trials()
    {
        var trials = SelectionTrials.Of([0.1, -0.1, 0.2], 252);
        var single = SelectionTrials.Of([0.3], 252);

        Assert.Equal((3, true), (trials.Count, trials.VarianceFromTrials));
        Assert.Equal(0.07 / 3, trials.SharpeVariance, 12); // mean 1/15; squared deviations sum to 0.14/3, over N − 1 = 2
        Assert.Equal((1, 1.0 / 251, false), (single.Count, single.SharpeVariance, single.VarianceFromTrials));
        Assert.Equal(single, SelectionTrials.Of([], 252));
    }

    [Fact]
    public void Test_records_the_trials_and_passes_on_the_dsr()
    {
        var rng = new Rng(11);
        var excess = Enumerable.Range(0, 252).Select(_ => 0.0012 + (0.01 * rng.NextGaussian())).ToArray();

        var alone = DeflatedSharpe.Test(excess, "buy-and-hold", 0.95, SelectionTrials.One(252));
        var tenth = DeflatedSharpe.Test(excess, "buy-and-hold", 0.95, new SelectionTrials(10, 1.0 / 251, true));

        Assert.Equal(alone.Psr, alone.Dsr);
        Assert.Equal(alone.Psr, tenth.Psr);
        Assert.Equal((10, 1.0 / 251), (tenth.Trials, tenth.TrialSharpeVariance));
        Assert.Equal(DeflatedSharpe.ExpectedMaximumSharpe(10, 1.0 / 251), tenth.ExpectedMaxSharpe);
        Assert.True(tenth.Dsr < alone.Dsr);
        Assert.Equal(tenth.Dsr >= 0.95, tenth.Passed);
    }

    [Fact]
    public void Identical_series_have_dsr_below_one_half_once_there_is_a_selection()
    {
        double[] returns = [0.01, -0.02, 0.005, 0.0, 0.03];

        var single = DeflatedSharpe.ExcessOver(returns, returns, "champion", 0.95, SelectionTrials.One(5));
        var many = DeflatedSharpe.ExcessOver(returns, returns, "champion", 0.95, new SelectionTrials(5, 0.25, true));

        Assert.Equal((0.0, 0.5, 0.5, false), (single.Sharpe, single.Psr, single.Dsr!.Value, single.Passed));
        Assert.True(many.Dsr < 0.5, $"DSR {many.Dsr}");
    }

    [Fact]
    public void Power_on_252_bars_with_one_and_with_ten_trials()
    {
        const int bars = 252;
        var variance = DeflatedSharpe.NullSharpeVariance(bars);
        var one = DeflatedSharpe.RequiredSharpe(bars, 0.95, 1, variance);
        var ten = DeflatedSharpe.RequiredSharpe(bars, 0.95, 10, variance);
        var hundred = DeflatedSharpe.RequiredSharpe(bars, 0.95, 100, variance);

        output.WriteLine($"per-bar excess Sharpe needed on {bars} normal bars at 0.95 with V[SR] = 1/{bars - 1}: N = 1 {one:F4} ({one * Math.Sqrt(252):F2} annualised), " +
            $"N = 10 {ten:F4} ({ten * Math.Sqrt(252):F2}; E[max SR] {DeflatedSharpe.ExpectedMaximumSharpe(10, variance):F4}), " +
            $"N = 100 {hundred:F4} ({hundred * Math.Sqrt(252):F2}; E[max SR] {DeflatedSharpe.ExpectedMaximumSharpe(100, variance):F4})");
        Assert.Equal(ProbabilisticSharpe.RequiredSharpe(bars, 0.95), one, 12);
        Assert.Equal(0.95, DeflatedSharpe.Dsr(ten, bars, 0, 3, 10, variance), 9);
        Assert.InRange(one, 0.10, 0.11);
        Assert.True(one < ten && ten < hundred);
    }

    [Fact]
    public void Zero_edge_candidates_recorded_as_trials_pass_at_most_5_percent()
    {
        // 100 models × 20 consecutive zero-edge candidates, each tested as one more trial of its model (N = its place
        // in the sequence, V[SR] = the variance of the Sharpe ratios recorded so far), as the gate records them.
        const int models = 100;
        const int perModel = 20;
        const int bars = 252;
        var rng = new Rng(16_2014);
        var passed = 0;
        var modelsWithAPass = 0;
        var excess = new double[bars];
        for (var m = 0; m < models; m++)
        {
            var sharpes = new List<double>();
            var any = false;
            for (var c = 0; c < perModel; c++)
            {
                for (var i = 0; i < bars; i++)
                {
                    excess[i] = 0.01 * rng.NextGaussian();
                }

                sharpes.Add(ProbabilisticSharpe.Test(excess, "buy-and-hold", 0.95).Sharpe);
                var test = DeflatedSharpe.Test(excess, "buy-and-hold", 0.95, SelectionTrials.Of(sharpes, bars));
                passed += test.Passed ? 1 : 0;
                any |= test.Passed;
            }

            modelsWithAPass += any ? 1 : 0;
        }

        var candidates = models * perModel;
        output.WriteLine($"zero-edge candidates passing the deflated Sharpe test: {passed}/{candidates} = {(double)passed / candidates:P2}; " +
            $"models with at least one of {perModel} passing: {modelsWithAPass}/{models} (PSR alone would pass each candidate at ≈ 5 %, 1 − 0.95^{perModel} = {1 - Math.Pow(0.95, perModel):P0} of models)");
        Assert.True(passed <= 0.05 * candidates, $"{passed}/{candidates} zero-edge candidates passed");
    }
}
