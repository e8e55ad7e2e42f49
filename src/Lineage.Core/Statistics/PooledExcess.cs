namespace Lineage.Core.Statistics;

/// <summary>One name's agent − buy-and-hold figure (e.g. Sharpe) for each agent seed, on one window.</summary>
public sealed record NameExcess(string Name, IReadOnlyList<double> PerSeed);

/// <summary>
/// Agent − buy-and-hold pooled over names (real series), judged the way the real-data issue judges it.
/// <see cref="Pooled"/>: Student's t over the per-name means (each name one independent path; agent seeds are averaged
/// within a name first, so a name with more seeds does not weigh more). <see cref="WithinTolerance"/>: names whose mean
/// is at least −tolerance ("do no harm"). <see cref="SignAgreeing"/>: names on which at least
/// <see cref="SignAgreementFraction"/> of the seeds share the sign of the name's mean (a name whose mean is exactly 0
/// agrees only with seeds at exactly 0).
/// </summary>
public sealed record PooledExcess(
    IReadOnlyList<NameExcess> Names,
    MeanInterval Pooled,
    double Tolerance,
    int WithinTolerance,
    int SignAgreeing)
{
    /// <summary>4 of 5 seeds.</summary>
    public const double SignAgreementFraction = 0.8;

    /// <summary>The floor: within tolerance on at least 5 of 6 names and the pooled CI's lower bound above −tolerance.</summary>
    public bool FloorMet => Names.Count > 0 && WithinTolerance * 6 >= Names.Count * 5 && Pooled.Low > -Tolerance;

    /// <summary>The aim: the pooled mean and its CI's lower bound above 0, and every name's seeds agreeing on the sign.</summary>
    public bool AimMet => Names.Count > 0 && Pooled.Mean > 0 && Pooled.Low > 0 && SignAgreeing == Names.Count;

    public static PooledExcess Of(IReadOnlyList<NameExcess> names, double tolerance = 0.1)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        var usable = names.Where(n => n.PerSeed.Count > 0 && n.PerSeed.All(double.IsFinite)).ToList();
        var means = usable.Select(n => n.PerSeed.Average()).ToList();
        var within = means.Count(m => m >= -tolerance);
        var agreeing = usable.Count(n =>
        {
            var sign = Math.Sign(n.PerSeed.Average());
            return n.PerSeed.Count(v => Math.Sign(v) == sign) >= SignAgreementFraction * n.PerSeed.Count - 1e-9;
        });
        return new PooledExcess(usable, MeanInterval.Of(means), tolerance, within, agreeing);
    }
}
