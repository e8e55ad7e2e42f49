using Lineage.Core.Episodes;

namespace Lineage.Cli.Experiments;

/// <summary>The normalised score of an evaluation: (agent − random) / (reference − random) on return after fees.</summary>
internal static class Scores
{
    /// <summary>0 = the random policy's mean, 1 = the reference policy; null without a reference (real series) or when reference ≈ random.</summary>
    public static double? Normalized(double agent, double randomMean, double? reference) =>
        reference is { } r && Math.Abs(r - randomMean) > 1e-9 ? (agent - randomMean) / (r - randomMean) : null;

    public static double? Normalized(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Normalized(report.Agent.Roi, report.Random.MeanRoi, report.Reference?.Roi);
    }
}

/// <summary>Mean and two-sided 95% confidence interval of a small sample (Student's t, n − 1 degrees of freedom).</summary>
internal readonly record struct MeanInterval(int Count, double Mean, double StdDev, double Low, double High)
{
    public double HalfWidth => (High - Low) / 2;

    public bool Contains(double value) => Low <= value && value <= High;

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
        var half = StudentT.Critical95(values.Count - 1) * sd / Math.Sqrt(values.Count);
        return new MeanInterval(values.Count, mean, sd, mean - half, mean + half);
    }
}

internal static class StudentT
{
    // Two-sided 95% critical values t(0.975, df) for df = 1..30.
    private static readonly double[] Table =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    public static double Critical95(int degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreesOfFreedom, 1);
        if (degreesOfFreedom <= Table.Length)
        {
            return Table[degreesOfFreedom - 1];
        }

        // Cornish–Fisher expansion around the normal quantile: within 1e-3 of the exact value beyond df 30.
        const double z = 1.959964;
        double n = degreesOfFreedom;
        return z + (((z * z * z) + z) / (4 * n)) + (((5 * Math.Pow(z, 5)) + (16 * z * z * z) + (3 * z)) / (96 * n * n));
    }
}
