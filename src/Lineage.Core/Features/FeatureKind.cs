using System.Text.Json.Serialization;

namespace Lineage.Core.Features;

/// <summary>
/// One entry of the state vector. With l = ln(close), r[t] = l[t] − l[t−1] and W = <see cref="FeatureSpec.Window"/>;
/// every market feature of row t uses bars 0..t only, back to bar t − <see cref="FeatureKinds.LookBack"/>. New kinds are
/// appended (the JSON names are the contract; the numbers are not).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<FeatureKind>))]
public enum FeatureKind
{
    /// <summary>r[t], the 1-bar log return.</summary>
    LogReturn,

    /// <summary>l[t] − l[t−W], the log return over the window.</summary>
    Momentum,

    /// <summary>r[t] / σ[t], σ = standard deviation of the last W one-bar returns.</summary>
    VolatilityNormalizedReturn,

    /// <summary>σ[t], the standard deviation of the last W one-bar returns.</summary>
    Volatility,

    /// <summary>(l[t] − mean of the last W log prices) / their standard deviation.</summary>
    ZScore,

    /// <summary>
    /// Account feature: with the classic actions −1 short, 0 flat, +1 long (the sign only: positions are all-in). With
    /// target-exposure actions (<see cref="Trading.ActionSet.TargetExposure"/>) the signed exposure, position value / equity
    /// at the bar's close (0.5 half long, −1 all-in short). It is not clipped: a price move drifts it away from the target
    /// chosen (−1 short after a 10 % rise is about −1.22) until the next rebalance.
    /// </summary>
    Position,

    /// <summary>Account feature: unrealised PnL of the open position as a fraction of its entry price, clipped to [−1, 1].</summary>
    UnrealizedPnl,

    /// <summary>l[t] − l[t−5], the 5-bar log return.</summary>
    Momentum5,

    /// <summary>l[t] − l[t−60], the 60-bar log return.</summary>
    Momentum60,

    /// <summary>l[t] − l[t−120], the 120-bar log return.</summary>
    Momentum120,

    /// <summary>Standard deviation of the one-bar returns r[t−19..t] (realised volatility, 20 bars).</summary>
    Volatility20,

    /// <summary>Standard deviation of the one-bar returns r[t−59..t] (realised volatility, 60 bars).</summary>
    Volatility60,

    /// <summary>ln(close[t] / mean of close[t−49..t]), the distance from the 50-bar simple moving average.</summary>
    MovingAverageDistance50,

    /// <summary>ln(close[t] / mean of close[t−199..t]), the distance from the 200-bar simple moving average.</summary>
    MovingAverageDistance200,

    /// <summary>l[t] − max of l[t−250..t] (≤ 0), the log drawdown from the running peak of the last 250 bars.</summary>
    Drawdown250,

    /// <summary>
    /// ln((1 + v[t]) / (1 + mean of v[t−19..t])), today's volume relative to its 20-bar mean (the 1 keeps zero-volume bars
    /// finite). Needs a series with volume (<see cref="MarketData.PriceSeries.Volume"/>).
    /// </summary>
    VolumeRatio20,

    /// <summary>
    /// Account feature: how long the current position has been held, min(bars, <see cref="FeatureKinds.TimeInPositionCap"/>) /
    /// <see cref="FeatureKinds.TimeInPositionCap"/> (1/60 right after the fill that opened it, 1 from 60 bars on); 0 when flat.
    /// A position opens when it leaves flat or flips side; resizing on the same side keeps counting
    /// (<see cref="Episodes.TradingEnvironment.BarsInPosition"/>).
    /// </summary>
    TimeInPosition,
}

public static class FeatureKinds
{
    /// <summary>Bars of holding after which <see cref="FeatureKind.TimeInPosition"/> stays at 1.</summary>
    public const int TimeInPositionCap = 60;

    /// <summary>Position, PnL and time in position come from the account, are bounded, and are not normalised.</summary>
    public static bool IsAccountFeature(this FeatureKind kind) => kind is FeatureKind.Position or FeatureKind.UnrealizedPnl or FeatureKind.TimeInPosition;

    /// <summary><see cref="FeatureKind.TimeInPosition"/> for a position held <paramref name="bars"/> bars (0 = flat).</summary>
    public static float TimeInPositionValue(int bars) => Math.Min(Math.Max(bars, 0), TimeInPositionCap) / (float)TimeInPositionCap;

    /// <summary>Features read from the series' volume, which a series may not have.</summary>
    public static bool NeedsVolume(this FeatureKind kind) => kind is FeatureKind.VolumeRatio20;

    /// <summary>
    /// How many bars before t the feature at bar t reads (t − LookBack is the oldest); 0 for account features. Every bar of
    /// a row at or after this many bars is real, none padded.
    /// </summary>
    public static int LookBack(this FeatureKind kind, int window) => kind switch
    {
        FeatureKind.LogReturn => 1,
        FeatureKind.Momentum or FeatureKind.VolatilityNormalizedReturn or FeatureKind.Volatility => window,
        FeatureKind.ZScore => window - 1,
        FeatureKind.Position or FeatureKind.UnrealizedPnl or FeatureKind.TimeInPosition => 0,
        FeatureKind.Momentum5 => 5,
        FeatureKind.Momentum60 => 60,
        FeatureKind.Momentum120 => 120,
        FeatureKind.Volatility20 => 20,
        FeatureKind.Volatility60 => 60,
        FeatureKind.MovingAverageDistance50 => 49,
        FeatureKind.MovingAverageDistance200 => 199,
        FeatureKind.Drawdown250 => 250,
        FeatureKind.VolumeRatio20 => 19,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown feature."),
    };
}
