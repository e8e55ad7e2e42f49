using System.Numerics;
using Lineage.Core.Episodes;
using Lineage.Policy;

namespace Lineage.Benchmarks.Micro;

/// <summary>
/// MlpPolicy's forward pass as it was before the benchmark's profiling (commit edd68cc): every layer as an
/// axpy per input over transposed weights, so the 4-wide Q head ran scalar. Kept here only as the
/// same-run "before" baseline of that optimisation; non-dueling nets only.
/// </summary>
public sealed class AxpyOnlyPolicy : IQFunction
{
    private readonly float[][] _transposed;
    private readonly float[][] _biases;
    private readonly float[] _a;
    private readonly float[] _b;

    public AxpyOnlyPolicy(MlpPolicy policy)
    {
        if (policy.Dueling)
        {
            throw new ArgumentException("The axpy-only baseline covers non-dueling nets only.", nameof(policy));
        }

        var tensors = policy.ToNamedTensors();
        var layers = tensors.Count / 2;
        _transposed = new float[layers][];
        _biases = new float[layers][];
        for (var l = 0; l < layers; l++)
        {
            var w = tensors[2 * l];
            var (outputs, inputs) = (w.Shape[0], w.Shape[1]);
            var t = new float[w.Data.Length];
            for (var o = 0; o < outputs; o++)
            {
                for (var i = 0; i < inputs; i++)
                {
                    t[(i * outputs) + o] = w.Data[(o * inputs) + i];
                }
            }

            _transposed[l] = t;
            _biases[l] = tensors[(2 * l) + 1].Data;
        }

        StateSize = policy.StateSize;
        ActionCount = policy.ActionCount;
        var max = _biases.Max(b => b.Length);
        (_a, _b) = (new float[max], new float[max]);
    }

    public int StateSize { get; }

    public int ActionCount { get; }

    public void Evaluate(ReadOnlySpan<float> state, Span<float> qValues)
    {
        ReadOnlySpan<float> input = state;
        for (var l = 0; l < _transposed.Length - 1; l++)
        {
            var output = (l % 2 == 0 ? _a : _b).AsSpan(0, _biases[l].Length);
            Dense(_transposed[l], _biases[l], input, output, relu: true);
            input = output;
        }

        Dense(_transposed[^1], _biases[^1], input, qValues[..ActionCount], relu: false);
    }

    private static void Dense(float[] wt, float[] bias, ReadOnlySpan<float> x, Span<float> y, bool relu)
    {
        var outputs = y.Length;
        bias.AsSpan(0, outputs).CopyTo(y);
        var width = Vector<float>.Count;
        for (var i = 0; i < x.Length; i++)
        {
            var xi = x[i];
            if (xi == 0)
            {
                continue;
            }

            var row = wt.AsSpan(i * outputs, outputs);
            var o = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var vx = new Vector<float>(xi);
                for (; o <= outputs - width; o += width)
                {
                    (new Vector<float>(y[o..]) + (vx * new Vector<float>(row[o..]))).CopyTo(y[o..]);
                }
            }

            for (; o < outputs; o++)
            {
                y[o] += xi * row[o];
            }
        }

        if (relu)
        {
            for (var o = 0; o < outputs; o++)
            {
                if (y[o] < 0)
                {
                    y[o] = 0;
                }
            }
        }
    }
}
