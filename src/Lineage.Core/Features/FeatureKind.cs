using System.Text.Json.Serialization;

namespace Lineage.Core.Features;

/// <summary>
/// One entry of the state vector. With l = ln(close), r[t] = l[t] − l[t−1] and W = <see cref="FeatureSpec.Window"/>;
/// every market feature of row t uses bars 0..t only.
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

    /// <summary>Account feature: −1 short, 0 flat, +1 long.</summary>
    Position,

    /// <summary>Account feature: unrealised PnL of the open position as a fraction of its entry price, clipped to [−1, 1].</summary>
    UnrealizedPnl,
}

public static class FeatureKinds
{
    /// <summary>Position and PnL come from the account, are bounded, and are not normalised.</summary>
    public static bool IsAccountFeature(this FeatureKind kind) => kind is FeatureKind.Position or FeatureKind.UnrealizedPnl;
}
