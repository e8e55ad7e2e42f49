using System.Globalization;
using Lineage.Core.MarketData;

namespace Lineage.Core.Features;

/// <summary>
/// Which features make the agent's state, in order, and the look-back window. The default is five features:
/// 1-bar log return, window momentum, volatility-normalised return, position, unrealised PnL.
/// </summary>
public sealed record FeatureSpec
{
    public static FeatureSpec Default { get; } = new();

    /// <summary>
    /// The default features plus every price-only feature: 5-, 60- and 120-bar momentum, realised volatility over 20 and 60
    /// bars, the distance from the 50- and 200-bar moving averages and the drawdown from the 250-bar peak (no volume, so it
    /// fits every series, synthetic ones too). Warm-up: <see cref="RequiredHistory"/> = 250 bars.
    /// </summary>
    public static FeatureSpec Rich { get; } = new()
    {
        Features =
        [
            FeatureKind.LogReturn,
            FeatureKind.Momentum,
            FeatureKind.VolatilityNormalizedReturn,
            FeatureKind.Momentum5,
            FeatureKind.Momentum60,
            FeatureKind.Momentum120,
            FeatureKind.Volatility20,
            FeatureKind.Volatility60,
            FeatureKind.MovingAverageDistance50,
            FeatureKind.MovingAverageDistance200,
            FeatureKind.Drawdown250,
            FeatureKind.Position,
            FeatureKind.UnrealizedPnl,
        ],
    };

    public int Window { get; init; } = 20;

    public FeatureKind[] Features { get; init; } =
    [
        FeatureKind.LogReturn,
        FeatureKind.Momentum,
        FeatureKind.VolatilityNormalizedReturn,
        FeatureKind.Position,
        FeatureKind.UnrealizedPnl,
    ];

    public int StateSize => Features.Length;

    /// <summary>
    /// Bars of history before the first usable bar: the largest look-back of the features (<see cref="FeatureKinds.LookBack"/>),
    /// and never less than <see cref="Window"/> (the warm-up every spec had before features could look further back). The
    /// environment's first start bar, the normaliser's first row and every minimum series length derive from it.
    /// </summary>
    public int RequiredHistory => (Features ?? []).Where(Enum.IsDefined).Aggregate(Window, (most, f) => Math.Max(most, f.LookBack(Window)));

    /// <summary>Whether a feature reads the series' volume.</summary>
    public bool NeedsVolume => (Features ?? []).Any(f => f.NeedsVolume());

    /// <summary>Why these features cannot be computed on <paramref name="series"/> (a volume feature on a series without volume), or null.</summary>
    public string? SeriesError(PriceSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Volume is not null || !NeedsVolume)
        {
            return null;
        }

        var needing = string.Join(", ", Features.Where(f => f.NeedsVolume()));
        return $"FeatureSpec.Features has {needing}, which needs volume, but series '{series.Name}' has no Volume column.";
    }

    /// <summary>The market features (those computed from prices), in state order.</summary>
    public FeatureKind[] MarketFeatureKinds() => Features.Where(f => !f.IsAccountFeature()).ToArray();

    /// <summary>Position of <paramref name="kind"/> in the state vector, or −1.</summary>
    public int IndexOf(FeatureKind kind) => Array.IndexOf(Features, kind);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Window < 2)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"FeatureSpec.Window must be at least 2 (was {Window})."));
        }

        if (Features is null || Features.Length == 0)
        {
            errors.Add("FeatureSpec.Features must name at least one feature.");
            return errors;
        }

        foreach (var f in Features)
        {
            if (!Enum.IsDefined(f))
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"FeatureSpec.Features contains an unknown feature ({(int)f})."));
            }
        }

        foreach (var dup in Features.GroupBy(f => f).Where(g => g.Count() > 1))
        {
            errors.Add($"FeatureSpec.Features lists {dup.Key} {dup.Count()} times.");
        }

        return errors;
    }

    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }
    }

    public bool Equals(FeatureSpec? other) =>
        other is not null && Window == other.Window && Features.AsSpan().SequenceEqual(other.Features);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Window);
        foreach (var f in Features)
        {
            hash.Add(f);
        }

        return hash.ToHashCode();
    }
}
