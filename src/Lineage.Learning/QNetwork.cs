using Lineage.Core.Randomness;
using Lineage.Policy;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lineage.Learning;

/// <summary>
/// Q-network: an MLP with ReLU hidden layers, one output per action, optionally a dueling head
/// (Q = V + A − mean A). Parameter names follow PyTorch's state_dict convention
/// (hidden.0.weight, ..., output.weight or value.* / advantage.*), so exported weights map onto
/// an equivalent PyTorch module.
/// </summary>
public sealed class QNetwork : nn.Module<Tensor, Tensor>
{
    // Field names are the registered module names (RegisterComponents).
#pragma warning disable IDE1006
    private readonly ModuleList<Linear> hidden = new();
    private readonly Linear? output;
    private readonly Linear? value;
    private readonly Linear? advantage;
#pragma warning restore IDE1006

    public QNetwork(int stateSize, int actionCount, IReadOnlyList<int> hiddenLayers, bool dueling)
        : base(nameof(QNetwork))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stateSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(actionCount);
        StateSize = stateSize;
        ActionCount = actionCount;
        Dueling = dueling;
        var inputs = stateSize;
        foreach (var size in hiddenLayers)
        {
            hidden.Add(nn.Linear(inputs, size));
            inputs = size;
        }

        if (dueling)
        {
            value = nn.Linear(inputs, 1);
            advantage = nn.Linear(inputs, actionCount);
        }
        else
        {
            output = nn.Linear(inputs, actionCount);
        }

        RegisterComponents();
    }

    public int StateSize { get; }

    public int ActionCount { get; }

    public bool Dueling { get; }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var layer in hidden)
        {
            x = nn.functional.relu(layer.forward(x));
        }

        if (!Dueling)
        {
            return output!.forward(x);
        }

        var v = value!.forward(x);
        var a = advantage!.forward(x);
        return v.add(a, alpha: HeldScalars.One).sub(a.mean([1], keepdim: true));
    }

    /// <summary>
    /// Re-draws every weight and bias from U(−1/√fan_in, 1/√fan_in) (PyTorch's default Linear init)
    /// using a seeded <see cref="Rng"/>, so initial weights depend only on the seed, not on torch's global generator.
    /// </summary>
    public void InitializeWeights(Rng rng)
    {
        using var noGrad = no_grad();
        foreach (var module in modules())
        {
            if (module is not Linear linear)
            {
                continue;
            }

            var fanIn = (int)linear.weight!.shape[1];
            var bound = 1.0 / Math.Sqrt(fanIn);
            Fill(linear.weight!, rng, bound);
            Fill(linear.bias!, rng, bound);
        }
    }

    /// <summary>Copies of every parameter, in registration order, with PyTorch state_dict names.</summary>
    public IReadOnlyList<NamedTensor> GetWeights()
    {
        var result = new List<NamedTensor>();
        foreach (var (name, p) in named_parameters())
        {
            var shape = p.shape.Select(d => (int)d).ToArray();
            result.Add(new NamedTensor(name, shape, p.data<float>().ToArray()));
        }

        return result;
    }

    /// <summary>Overwrites every parameter; names, order and shapes must match <see cref="GetWeights"/>.</summary>
    public void SetWeights(IReadOnlyList<NamedTensor> weights)
    {
        var parameters = named_parameters().ToList();
        if (parameters.Count != weights.Count)
        {
            throw new ArgumentException($"Expected {parameters.Count} tensors, got {weights.Count}.", nameof(weights));
        }

        using var noGrad = no_grad();
        for (var i = 0; i < parameters.Count; i++)
        {
            var (name, p) = parameters[i];
            var w = weights[i];
            var shape = p.shape.Select(d => (int)d).ToArray();
            if (w.Name != name || !w.Shape.AsSpan().SequenceEqual(shape) || w.Data.Length != p.numel())
            {
                throw new ArgumentException(
                    $"Tensor {i} is '{w.Name}' [{string.Join(", ", w.Shape)}] ({w.Data.Length} values); expected '{name}' [{string.Join(", ", shape)}].",
                    nameof(weights));
            }

            using var source = tensor(w.Data, p.shape);
            p.copy_(source);
        }
    }

    /// <summary>Copies this network's parameters into <paramref name="target"/> (same architecture).</summary>
    public void CopyTo(QNetwork target)
    {
        using var noGrad = no_grad();
        foreach (var (p, t) in parameters().Zip(target.parameters()))
        {
            t.copy_(p);
        }
    }

    /// <summary>Polyak update of <paramref name="target"/>: t ← τ·this + (1−τ)·t.</summary>
    public void BlendInto(QNetwork target, double tau)
    {
        using var noGrad = no_grad();
        // Scalars held for the whole loop: a temporary's finalizer could free it during the native call.
        using var keep = (1.0 - tau).ToScalar();
        using var take = tau.ToScalar();
        foreach (var (p, t) in parameters().Zip(target.parameters()))
        {
            t.mul_(keep).add_(p, alpha: take);
        }
    }

    private static void Fill(Tensor t, Rng rng, double bound)
    {
        var values = new float[t.numel()];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2.0 - 1.0) * bound);
        }

        using var source = tensor(values, t.shape);
        t.copy_(source);
    }
}
