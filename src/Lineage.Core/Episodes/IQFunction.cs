namespace Lineage.Core.Episodes;

/// <summary>A state-action value function that can act: the plain-C# policy, a TorchSharp net, or a test double.</summary>
public interface IQFunction
{
    int StateSize { get; }

    int ActionCount { get; }

    /// <summary>Writes Q(state, a) for every action into <paramref name="qValues"/>. Must not allocate.</summary>
    void Evaluate(ReadOnlySpan<float> state, Span<float> qValues);
}
