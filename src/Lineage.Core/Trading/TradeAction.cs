namespace Lineage.Core.Trading;

/// <summary>The four actions of the original network's four outputs.</summary>
public enum TradeAction
{
    /// <summary>Keep the current position.</summary>
    Hold = 0,

    /// <summary>Go (or stay) long.</summary>
    Buy = 1,

    /// <summary>Go (or stay) short; flattens instead when the arena is long-only.</summary>
    Sell = 2,

    /// <summary>Flatten the position.</summary>
    Close = 3,
}
