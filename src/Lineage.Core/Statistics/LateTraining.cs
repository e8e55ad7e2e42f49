namespace Lineage.Core.Statistics;

/// <summary>
/// A run's figure over the second half of its training, with no checkpoint selected: the mean of the values recorded
/// after the middle iteration (min + max) / 2. Picking the best validation checkpoint and reporting its validation
/// score is biased upward; this mean is not, so ablations compare variants by it.
/// </summary>
public static class LateTraining
{
    /// <summary>The mean of the finite values after the middle iteration; a run evaluated once gives its one value; null when none.</summary>
    public static double? Mean(IReadOnlyList<(int Iteration, double? Value)> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        if (curve.Count == 0)
        {
            return null;
        }

        var middle = (curve.Min(p => p.Iteration) + (double)curve.Max(p => p.Iteration)) / 2;
        var late = curve
            .Where(p => curve.Count == 1 || p.Iteration > middle)
            .Select(p => p.Value)
            .OfType<double>()
            .Where(double.IsFinite)
            .ToList();
        return late.Count == 0 ? null : late.Average();
    }
}
