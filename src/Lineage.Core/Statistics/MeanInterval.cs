namespace Lineage.Core.Statistics;

/// <summary>Mean and two-sided 95 % confidence interval of a small sample (Student's t, n − 1 degrees of freedom).</summary>
public readonly record struct MeanInterval(int Count, double Mean, double StdDev, double Low, double High)
{
    public double HalfWidth => (High - Low) / 2;

    public bool Contains(double value) => Low <= value && value <= High;

    /// <summary>No values: NaN throughout. One value: the value, with an unbounded interval.</summary>
    public static MeanInterval Of(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return new MeanInterval(0, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var mean = values.Average();
        if (values.Count == 1)
        {
            return new MeanInterval(1, mean, double.NaN, double.NegativeInfinity, double.PositiveInfinity);
        }

        var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        var half = Critical95(values.Count - 1) * sd / Math.Sqrt(values.Count);
        return new MeanInterval(values.Count, mean, sd, mean - half, mean + half);
    }

    /// <summary>Two-sided 95 % critical value t(0.975, df), from MathNet's Student's t quantile.</summary>
    public static double Critical95(int degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreesOfFreedom, 1);
        return MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, degreesOfFreedom, 0.975);
    }
}
