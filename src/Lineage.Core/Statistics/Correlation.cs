namespace Lineage.Core.Statistics;

/// <summary>Pearson's correlation of two paired samples, e.g. an agent's per-bar returns and buy-and-hold's on the same bars.</summary>
public static class Correlation
{
    /// <summary>
    /// A sample whose standard deviation is below this counts as constant: a flat agent's returns (all 0, or the cash rate
    /// up to rounding), for which a correlation is undefined. No traded series moves this little per bar.
    /// </summary>
    public const double ConstantTolerance = 1e-12;

    /// <summary>
    /// Pearson's r of <paramref name="x"/> and <paramref name="y"/> (two-pass, clamped to [−1, 1]). Null when it is undefined:
    /// fewer than 2 pairs, a value that is not finite, or either sample constant (standard deviation below
    /// <see cref="ConstantTolerance"/>).
    /// </summary>
    public static double? Pearson(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"The samples must be paired: {x.Length} and {y.Length} values.", nameof(y));
        }

        var n = x.Length;
        if (n < 2)
        {
            return null;
        }

        double meanX = 0, meanY = 0;
        for (var i = 0; i < n; i++)
        {
            if (!double.IsFinite(x[i]) || !double.IsFinite(y[i]))
            {
                return null;
            }

            meanX += x[i];
            meanY += y[i];
        }

        meanX /= n;
        meanY /= n;
        double sxx = 0, syy = 0, sxy = 0;
        for (var i = 0; i < n; i++)
        {
            var dx = x[i] - meanX;
            var dy = y[i] - meanY;
            sxx += dx * dx;
            syy += dy * dy;
            sxy += dx * dy;
        }

        var tolerance = ConstantTolerance * ConstantTolerance * (n - 1);
        if (sxx < tolerance || syy < tolerance)
        {
            return null;
        }

        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }
}
