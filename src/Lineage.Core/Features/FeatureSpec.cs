using System.Globalization;

namespace Lineage.Core.Features;

/// <summary>
/// Which features make the agent's state, in order, and the look-back window. The default is five features:
/// 1-bar log return, window momentum, volatility-normalised return, position, unrealised PnL.
/// </summary>
public sealed record FeatureSpec
{
    public static FeatureSpec Default { get; } = new();

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
