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
