namespace Lineage.Core.Statistics;

/// <summary>One training run's figure: the market path it was trained and tested on (null: the dataset's one path) and its agent seed.</summary>
public readonly record struct SeedFigure(ulong? MarketSeed, ulong AgentSeed, double Value);

/// <summary>
/// A figure measured on <see cref="MarketPaths"/> market paths × agent seeds, with its two sources of spread kept apart.
/// <see cref="Headline"/> is the mean with a 95 % t-interval <b>clustered by market path</b> when there are at least two
/// paths: the interval over the per-path means, each averaged over that path's agent seeds (runs on one path share its
/// luck, so they are not independent draws of the market). With one path it is the t-interval over agent seeds, which
/// covers training noise only. <see cref="TrainingNoiseSd"/> is the spread across agent seeds on the same path: each
/// path's sample SD, averaged over the paths with at least two seeds (NaN when none has).
/// </summary>
public sealed record SeedUncertainty(
    int MarketPaths,
    int MinAgentSeeds,
    int MaxAgentSeeds,
    MeanInterval Headline,
    double TrainingNoiseSd,
    IReadOnlyList<double> PathMeans)
{
    /// <summary>Whether <see cref="Headline"/> is clustered by market path (two or more paths) rather than over agent seeds.</summary>
    public bool ClusteredByMarket => MarketPaths >= 2;

    public static SeedUncertainty Of(IReadOnlyList<SeedFigure> figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        var paths = figures.GroupBy(f => f.MarketSeed).Select(g => g.Select(f => f.Value).ToList()).ToList();
        var means = paths.Select(p => p.Average()).ToList();
        var headline = paths.Count >= 2 ? MeanInterval.Of(means) : MeanInterval.Of(paths.FirstOrDefault() ?? []);
        var noise = paths.Where(p => p.Count >= 2).Select(p => MeanInterval.Of(p).StdDev).ToList();
        return new SeedUncertainty(
            paths.Count,
            paths.Count == 0 ? 0 : paths.Min(p => p.Count),
            paths.Count == 0 ? 0 : paths.Max(p => p.Count),
            headline,
            noise.Count == 0 ? double.NaN : noise.Average(),
            means);
    }
}
