using Lineage.Core.Trading;

namespace Lineage.Core.Episodes;

/// <summary>Always prefers one action: buy-and-hold (Buy), flat (Hold). Lets baselines run through the same arena.</summary>
public sealed class FixedPolicy(TradeAction action, int stateSize) : ITradeIntentPolicy
{
    public TradeAction Action { get; } = action;

    public int StateSize { get; } = stateSize;

    public int ActionCount => TradingEnvironment.ClassicActionCount;

    public static FixedPolicy BuyAndHold(int stateSize) => new(TradeAction.Buy, stateSize);

    public static FixedPolicy Flat(int stateSize) => new(TradeAction.Hold, stateSize);

    public void Evaluate(ReadOnlySpan<float> state, Span<float> qValues)
    {
        qValues.Clear();
        qValues[(int)Action] = 1;
    }
}
