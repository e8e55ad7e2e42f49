namespace Lineage.Core.Episodes;

/// <summary>A state-action value function that can act: the plain-C# policy, a TorchSharp net, or a test double.</summary>
public interface IQFunction
{
    int StateSize { get; }

    int ActionCount { get; }

    /// <summary>Writes Q(state, a) for every action into <paramref name="qValues"/>. Must not allocate.</summary>
    void Evaluate(ReadOnlySpan<float> state, Span<float> qValues);
}

/// <summary>
/// A rule that answers in the four classic <see cref="Trading.TradeAction"/>s whatever the environment's action set (buy-and-hold,
/// flat, simple rules, reference policies): the environment carries each intent out in its own set
/// (<see cref="TradingEnvironment.ActionFor"/>), so baselines are scored through the same arena as the agent.
/// </summary>
public interface ITradeIntentPolicy : IQFunction;
