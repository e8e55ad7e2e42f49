using System.Globalization;
using System.Text.Json.Serialization;

namespace Lineage.Core.Trading;

/// <summary>What the network's outputs mean (<see cref="ArenaOptions.Actions"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ActionSet>))]
public enum ActionSet
{
    /// <summary>The four <see cref="TradeAction"/>s: Hold, Buy, Sell, Close; positions are all-in (<see cref="ArenaOptions.PositionFraction"/>).</summary>
    Classic,

    /// <summary>Action i moves the position to exposure <see cref="ArenaOptions.TargetExposures"/>[i] of equity.</summary>
    TargetExposure,
}

/// <summary>Names of the actions, as the decide answer and reports show them.</summary>
public static class TradingActionNames
{
    public const int ClassicCount = 4;

    public static IReadOnlyList<string> Classic { get; } = [.. Enumerable.Range(0, ClassicCount).Select(i => ((TradeAction)i).ToString())];

    /// <summary>"target:-0.5", "target:0", "target:1".</summary>
    public static string Target(double exposure) => "target:" + exposure.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>An immutable list of exposures that equals another with the same values (so <see cref="ArenaOptions"/> compares by value).</summary>
internal sealed class ExposureList(IEnumerable<double> values) : IReadOnlyList<double>
{
    private readonly double[] _values = [.. values];

    public int Count => _values.Length;

    public double this[int index] => _values[index];

    public IEnumerator<double> GetEnumerator() => ((IEnumerable<double>)_values).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _values.GetEnumerator();

    public override bool Equals(object? obj) => obj is IReadOnlyList<double> other && _values.SequenceEqual(other);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var v in _values)
        {
            hash.Add(v);
        }

        return hash.ToHashCode();
    }
}
