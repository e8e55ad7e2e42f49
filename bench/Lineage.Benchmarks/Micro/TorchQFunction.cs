using Lineage.Core.Episodes;
using Lineage.Learning;
using Lineage.Policy;
using static TorchSharp.torch;

namespace Lineage.Benchmarks.Micro;

/// <summary>Acting through TorchSharp at batch 1: the baseline the plain-C# <see cref="MlpPolicy"/> replaces.</summary>
public sealed class TorchQFunction : IQFunction, IDisposable
{
    private readonly QNetwork _network;
    private readonly float[] _input;

    public TorchQFunction(int stateSize, int actionCount, IReadOnlyList<int> hidden, IReadOnlyList<NamedTensor> weights)
    {
        _network = new QNetwork(stateSize, actionCount, hidden, dueling: false);
        _network.SetWeights(weights);
        _network.eval();
        _input = new float[stateSize];
    }

    public int StateSize => _network.StateSize;

    public int ActionCount => _network.ActionCount;

    public void Evaluate(ReadOnlySpan<float> state, Span<float> qValues)
    {
        state.CopyTo(_input);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var q = _network.forward(tensor(_input, [1, StateSize]));
        q.data<float>().CopyTo(qValues[..ActionCount]);
    }

    public void Dispose() => _network.Dispose();
}
