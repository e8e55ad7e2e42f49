using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Lineage.Core.Statistics;

/// <summary>
/// The trials a selection was made from, as the deflated Sharpe ratio needs them: their number <see cref="Count"/>
/// (N, at least 1: the series tested is one of them) and the variance <see cref="SharpeVariance"/> of their per-bar
/// Sharpe ratios (V[SR]). <see cref="VarianceFromTrials"/> is false when there were too few trials to estimate it
/// (N &lt; 2) and <see cref="DeflatedSharpe.NullSharpeVariance"/> stood in.
/// </summary>
public sealed record SelectionTrials(int Count, double SharpeVariance, bool VarianceFromTrials)
{
    /// <summary>One trial, nothing to deflate for: the deflated Sharpe ratio is then the PSR against 0.</summary>
    public static SelectionTrials One(int bars) => new(1, DeflatedSharpe.NullSharpeVariance(bars), false);

    /// <summary>
    /// N = the number of <paramref name="sharpes"/>, V[SR] = the sample variance (N − 1 in the denominator) of the finite
    /// ones (a trial whose Sharpe could not be computed still counts in N). With fewer than 2 finite Sharpe ratios there
    /// is no variance to estimate: V[SR] defaults to the sampling variance of a zero-edge Sharpe on
    /// <paramref name="bars"/> bars, 1/(bars − 1) — what zero-edge trials would scatter by. With N = 1 that default
    /// changes nothing (E[max SR] = 0 whatever V[SR] is); it keeps the record complete.
    /// </summary>
    public static SelectionTrials Of(IReadOnlyCollection<double> sharpes, int bars)
    {
        ArgumentNullException.ThrowIfNull(sharpes);
        var finite = sharpes.Where(double.IsFinite).ToList();
        if (finite.Count < 2)
        {
            return new SelectionTrials(Math.Max(1, sharpes.Count), DeflatedSharpe.NullSharpeVariance(bars), false);
        }

        var mean = finite.Average();
        var variance = finite.Sum(s => (s - mean) * (s - mean)) / (finite.Count - 1);
        return new SelectionTrials(sharpes.Count, variance, true);
    }
}

/// <summary>
/// The deflated Sharpe ratio of Bailey and López de Prado (2014), "The Deflated Sharpe Ratio: Correcting for Selection
/// Bias, Backtest Overfitting and Non-Normality", Journal of Portfolio Management 40(5): the probabilistic Sharpe ratio
/// (PSR, with the series' skewness and kurtosis) against the Sharpe ratio that the best of N zero-edge trials is
/// expected to reach, instead of against 0. All Sharpe ratios here are per bar.
/// </summary>
public static class DeflatedSharpe
{
    /// <summary>The sampling variance of the per-bar Sharpe estimate of a zero-edge normal series over <paramref name="bars"/> bars, 1/(bars − 1).</summary>
    public static double NullSharpeVariance(int bars)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bars, 2);
        return 1.0 / (bars - 1);
    }

    /// <summary>
    /// E[max SR] of N independent trials whose Sharpe ratios are normal with mean 0 and variance V[SR] (the paper's
    /// equation 1, an approximation for N ≫ 1): √V[SR]·((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))), γ the
    /// Euler–Mascheroni constant. Defined as 0 for N = 1 (the formula's Φ⁻¹(0) is −∞; one trial is no selection),
    /// so that the deflated Sharpe ratio of one trial is its PSR against 0.
    /// </summary>
    public static double ExpectedMaximumSharpe(int trials, double sharpeVariance)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        if (!(sharpeVariance >= 0) || !double.IsFinite(sharpeVariance))
        {
            throw new ArgumentOutOfRangeException(nameof(sharpeVariance), sharpeVariance, "The variance of the trials' Sharpe ratios must be finite and non-negative.");
        }

        if (trials == 1)
        {
            return 0;
        }

        const double gamma = Constants.EulerMascheroni;
        var z = ((1 - gamma) * Normal.InvCDF(0, 1, 1 - (1.0 / trials))) + (gamma * Normal.InvCDF(0, 1, 1 - (1.0 / (trials * Math.E))));
        return Math.Sqrt(sharpeVariance) * z;
    }

    /// <summary>DSR = PSR(SR* = E[max SR]) (the paper's equation 2); NaN where the PSR is (see <see cref="ProbabilisticSharpe.Psr"/>).</summary>
    public static double Dsr(double sharpe, int bars, double skewness, double kurtosis, int trials, double sharpeVariance) =>
        ProbabilisticSharpe.Psr(sharpe, bars, skewness, kurtosis, ExpectedMaximumSharpe(trials, sharpeVariance));

    /// <summary>Tests <paramref name="candidate"/> − <paramref name="baseline"/>, bar by bar, as one of <paramref name="trials"/>.</summary>
    public static SharpeSignificance ExcessOver(ReadOnlySpan<double> candidate, ReadOnlySpan<double> baseline, string baselineName, double confidence, SelectionTrials trials) =>
        Deflate(ProbabilisticSharpe.ExcessOver(candidate, baseline, baselineName, confidence), trials);

    /// <summary>
    /// The deflated Sharpe test of one excess series that is one of <paramref name="trials"/>: passed when DSR ≥
    /// <paramref name="confidence"/>. A series with no variance has Sharpe 0; fewer than 3 bars give DSR 0.
    /// </summary>
    public static SharpeSignificance Test(ReadOnlySpan<double> excess, string baselineName, double confidence, SelectionTrials trials) =>
        Deflate(ProbabilisticSharpe.Test(excess, baselineName, confidence), trials);

    /// <summary>
    /// The smallest per-bar Sharpe that passes at <paramref name="confidence"/> over <paramref name="bars"/> bars as one
    /// of <paramref name="trials"/> trials with Sharpe variance <paramref name="sharpeVariance"/> (normal excess returns by default).
    /// </summary>
    public static double RequiredSharpe(int bars, double confidence, int trials, double sharpeVariance, double skewness = 0, double kurtosis = 3) =>
        ProbabilisticSharpe.RequiredSharpe(bars, confidence, skewness, kurtosis, ExpectedMaximumSharpe(trials, sharpeVariance));

    private static SharpeSignificance Deflate(SharpeSignificance psr, SelectionTrials trials)
    {
        ArgumentNullException.ThrowIfNull(trials);
        var benchmark = ExpectedMaximumSharpe(trials.Count, trials.SharpeVariance);
        // A series with no variance is recorded as Sharpe 0, skewness 0, kurtosis 3: the formula then gives Φ(−E[max SR]·√(n − 1)).
        var dsr = psr.Bars < 3 ? 0 : ProbabilisticSharpe.Psr(psr.Sharpe, psr.Bars, psr.Skewness, psr.Kurtosis, benchmark);
        return psr with
        {
            Trials = trials.Count,
            TrialSharpeVariance = trials.SharpeVariance,
            ExpectedMaxSharpe = benchmark,
            Dsr = dsr,
            Passed = dsr >= psr.Confidence,
        };
    }
}
