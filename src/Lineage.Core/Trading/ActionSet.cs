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
