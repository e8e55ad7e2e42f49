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
    /// <summary>Two-sided 95 % critical value t(0.975, df), from MathNet's Student's t quantile.</summary>
    public static double Critical95(int degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreesOfFreedom, 1);
        return MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, degreesOfFreedom, 0.975);
    }
}
