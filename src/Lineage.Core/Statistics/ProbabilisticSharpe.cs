using MathNet.Numerics.Distributions;

namespace Lineage.Core.Statistics;

/// <summary>
/// Whether a per-bar return series (say, a candidate's returns minus buy-and-hold's on the same bars) has a
/// Sharpe ratio significantly above zero. <see cref="Sharpe"/> is per bar (not annualised); <see cref="Skewness"/>
/// and <see cref="Kurtosis"/> (non-excess: 3 for a normal) are the series' sample moments; <see cref="Psr"/> is the
/// probabilistic Sharpe ratio, the confidence that the true Sharpe exceeds 0.
/// <para>
/// When the series is one of several trials (<see cref="DeflatedSharpe"/>), <see cref="Trials"/> is their number N,
/// <see cref="TrialSharpeVariance"/> the variance V[SR] of their per-bar Sharpe ratios, <see cref="ExpectedMaxSharpe"/>
/// the Sharpe the best of N zero-edge trials reaches on average, E[max SR], and <see cref="Dsr"/> the deflated Sharpe
/// ratio PSR(E[max SR]). <see cref="Passed"/> when the deflated Sharpe ratio (or, for a PSR-only test, the PSR) is at
/// least <see cref="Confidence"/>. A record written before trials were counted has no <see cref="Dsr"/>.
/// </para>
/// </summary>
public sealed record SharpeSignificance(
    string Baseline,
    int Bars,
    double MeanExcess,
    double Sharpe,
    double Skewness,
    double Kurtosis,
    double Psr,
    double Confidence,
    bool Passed,
    int Trials = 1,
    double TrialSharpeVariance = 0,
    double ExpectedMaxSharpe = 0,
    double? Dsr = null);

/// <summary>The probabilistic Sharpe ratio of Bailey and López de Prado (2012), "The Sharpe ratio efficient frontier".</summary>
public static class ProbabilisticSharpe
{
    /// <summary>
    /// PSR(SR*) = Φ((SR̂ − SR*)·√(n − 1) / √(1 − γ₃·SR̂ + (γ₄ − 1)/4·SR̂²)), all per bar. NaN when the denominator is
    /// not positive (extreme skew with a large Sharpe: the normal approximation does not hold).
    /// </summary>
    public static double Psr(double sharpe, int bars, double skewness, double kurtosis, double benchmark = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bars, 2);
        var variance = 1 - (skewness * sharpe) + ((kurtosis - 1) / 4 * sharpe * sharpe);
        return variance > 0 && double.IsFinite(variance)
            ? Normal.CDF(0, 1, (sharpe - benchmark) * Math.Sqrt(bars - 1) / Math.Sqrt(variance))
            : double.NaN;
    }

    /// <summary>Tests <paramref name="candidate"/> − <paramref name="baseline"/>, bar by bar (the two series must cover the same bars).</summary>
    public static SharpeSignificance ExcessOver(ReadOnlySpan<double> candidate, ReadOnlySpan<double> baseline, string baselineName, double confidence)
    {
        if (candidate.Length != baseline.Length)
        {
            throw new ArgumentException($"The candidate has {candidate.Length} per-bar returns and '{baselineName}' has {baseline.Length}: an excess series needs the same bars.", nameof(baseline));
        }

        var excess = new double[candidate.Length];
        for (var i = 0; i < excess.Length; i++)
        {
            excess[i] = candidate[i] - baseline[i];
        }

        return Test(excess, baselineName, confidence);
    }

    /// <summary>
    /// Sharpe significance of one excess series. A series with no variance (identical returns) has Sharpe 0 and PSR
    /// 0.5: no evidence either way. Fewer than 3 bars gives PSR 0.
    /// </summary>
    public static SharpeSignificance Test(ReadOnlySpan<double> excess, string baselineName, double confidence)
    {
        if (!(confidence > 0 && confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "Confidence must be in (0, 1).");
        }

        var n = excess.Length;
        if (n < 3)
        {
            var m = n == 0 ? 0 : Mean(excess);
            return new SharpeSignificance(baselineName, n, m, 0, 0, 3, 0, confidence, false);
        }

        var mean = Mean(excess);
        double m2 = 0, m3 = 0, m4 = 0;
        foreach (var x in excess)
        {
            var d = x - mean;
            var d2 = d * d;
            m2 += d2;
            m3 += d2 * d;
            m4 += d2 * d2;
        }

        m2 /= n;
        m3 /= n;
        m4 /= n;
        if (m2 <= 1e-30)
        {
            return new SharpeSignificance(baselineName, n, mean, 0, 0, 3, 0.5, confidence, false);
        }

        var sd = Math.Sqrt(m2 * n / (n - 1));
        var sharpe = mean / sd;
        var skewness = m3 / Math.Pow(m2, 1.5);
        var kurtosis = m4 / (m2 * m2);
        var psr = Psr(sharpe, n, skewness, kurtosis);
        return new SharpeSignificance(baselineName, n, mean, sharpe, skewness, kurtosis, psr, confidence, psr >= confidence);
    }

    /// <summary>
    /// The smallest per-bar Sharpe that passes at <paramref name="confidence"/> (in (0.5, 1)) over <paramref name="bars"/>
    /// bars of an excess series with the given moments (normal by default), against <paramref name="benchmark"/>
    /// (SR*, 0 for the PSR, E[max SR] for the deflated Sharpe ratio): the gate's power, in one number.
    /// </summary>
    public static double RequiredSharpe(int bars, double confidence, double skewness = 0, double kurtosis = 3, double benchmark = 0)
    {
        double lo = benchmark, hi = benchmark + 1;
        while (!(Psr(hi, bars, skewness, kurtosis, benchmark) >= confidence))
        {
            hi = benchmark + (2 * (hi - benchmark));
            if (hi - benchmark > 1e6)
            {
                return double.NaN;
            }
        }

        for (var i = 0; i < 200 && hi - lo > 1e-12; i++)
        {
            var mid = (lo + hi) / 2;
            if (Psr(mid, bars, skewness, kurtosis, benchmark) >= confidence)
            {
                hi = mid;
            }
            else
            {
                lo = mid;
            }
        }

        return hi;
    }

    private static double Mean(ReadOnlySpan<double> xs)
    {
        var sum = 0.0;
        foreach (var x in xs)
        {
            sum += x;
        }

        return sum / xs.Length;
    }
}
