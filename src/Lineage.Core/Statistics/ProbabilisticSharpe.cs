namespace Lineage.Core.Statistics;

/// <summary>
/// Whether a per-bar return series (say, a candidate's returns minus buy-and-hold's on the same bars) has a
/// Sharpe ratio significantly above zero. <see cref="Sharpe"/> is per bar (not annualised); <see cref="Skewness"/>
/// and <see cref="Kurtosis"/> (non-excess: 3 for a normal) are the series' sample moments; <see cref="Psr"/> is the
/// probabilistic Sharpe ratio, the confidence that the true Sharpe exceeds 0; <see cref="Passed"/> when it is at
/// least <see cref="Confidence"/>.
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
    bool Passed);

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
            ? NormalCdf((sharpe - benchmark) * Math.Sqrt(bars - 1) / Math.Sqrt(variance))
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
    /// The smallest per-bar Sharpe that passes at <paramref name="confidence"/> over <paramref name="bars"/> bars of an
    /// excess series with the given moments (normal by default): the gate's power, in one number.
    /// </summary>
    public static double RequiredSharpe(int bars, double confidence, double skewness = 0, double kurtosis = 3)
    {
        double lo = 0, hi = 1;
        while (Psr(hi, bars, skewness, kurtosis) < confidence)
        {
            hi *= 2;
            if (hi > 1e6)
            {
                return double.NaN;
            }
        }

        for (var i = 0; i < 200 && hi - lo > 1e-12; i++)
        {
            var mid = (lo + hi) / 2;
            if (Psr(mid, bars, skewness, kurtosis) >= confidence)
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

    /// <summary>Standard normal CDF Φ, double precision (Hart 1968, as given by West 2005, "Better approximations to cumulative normal functions").</summary>
    public static double NormalCdf(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        var z = Math.Abs(x);
        double tail;
        if (z > 37)
        {
            tail = 0;
        }
        else
        {
            var exponential = Math.Exp(-z * z / 2);
            if (z < 7.07106781186547)
            {
                var numerator = (3.52624965998911E-02 * z) + 0.700383064443688;
                numerator = (numerator * z) + 6.37396220353165;
                numerator = (numerator * z) + 33.912866078383;
                numerator = (numerator * z) + 112.079291497871;
                numerator = (numerator * z) + 221.213596169931;
                numerator = (numerator * z) + 220.206867912376;
                var denominator = (8.83883476483184E-02 * z) + 1.75566716318264;
                denominator = (denominator * z) + 16.064177579207;
                denominator = (denominator * z) + 86.7807322029461;
                denominator = (denominator * z) + 296.564248779674;
                denominator = (denominator * z) + 637.333633378831;
                denominator = (denominator * z) + 793.826512519948;
                denominator = (denominator * z) + 440.413735824752;
                tail = exponential * numerator / denominator;
            }
            else
            {
                var fraction = z + 0.65;
                fraction = z + (4 / fraction);
                fraction = z + (3 / fraction);
                fraction = z + (2 / fraction);
                fraction = z + (1 / fraction);
                tail = exponential / fraction / 2.506628274631;
            }
        }

        return x > 0 ? 1 - tail : tail;
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
