using System.Buffers.Binary;
using System.Numerics;
using Lineage.Core.Episodes;

namespace Lineage.Policy;

/// <summary>
/// The Q-network's forward pass in plain C# over exported weights: no torch, so it runs wherever a
/// checkpoint is decided from (episode activities, the CLI) without loading 480 MB of natives, and at
/// batch 1 it is ~10× faster than a TorchSharp call. Thread-safe: scratch space is per thread.
/// </summary>
public sealed class MlpPolicy : IQFunction
{
    private const uint Magic = 0x504C4D4C; // "LMLP" little-endian
    private const int FormatVersion = 1;

    [ThreadStatic]
    private static float[]? scratch;

    // Dense layers in order: hidden..., then output (or value, advantage when dueling). Weights [out, in] row-major.
    private readonly float[][] weights;
    private readonly float[][] biases;
    private readonly float[][] transposed; // [in, out] copies: the forward pass is an axpy per input, SIMD over outputs
    private readonly int[] hiddenSizes;

    private MlpPolicy(int stateSize, int actionCount, int[] hiddenSizes, bool dueling, float[][] weights, float[][] biases)
    {
        StateSize = stateSize;
        ActionCount = actionCount;
        this.hiddenSizes = hiddenSizes;
        Dueling = dueling;
        this.weights = weights;
        this.biases = biases;
        transposed = new float[weights.Length][];
        for (var l = 0; l < weights.Length; l++)
        {
            var outputs = biases[l].Length;
            var inputs = weights[l].Length / outputs;
            var t = new float[weights[l].Length];
            for (var o = 0; o < outputs; o++)
            {
                for (var i = 0; i < inputs; i++)
                {
                    t[(i * outputs) + o] = weights[l][(o * inputs) + i];
                }
            }

            transposed[l] = t;
        }

        MaxWidth = Math.Max(hiddenSizes.Max(), actionCount + 1);
    }

    public int StateSize { get; }

    public int ActionCount { get; }

    public bool Dueling { get; }

    public IReadOnlyList<int> HiddenLayers => hiddenSizes;

    private int MaxWidth { get; }

    /// <summary>
    /// Builds a policy from the <c>Lineage.Learning.QNetwork</c> parameter list (weight, bias per layer, in registration order).
    /// </summary>
    public static MlpPolicy FromWeights(IReadOnlyList<NamedTensor> tensors, bool dueling)
    {
        var heads = dueling ? 2 : 1;
        if (tensors.Count % 2 != 0 || tensors.Count / 2 < heads + 1)
        {
            throw new ArgumentException($"Expected weight/bias pairs for at least one hidden layer and {heads} head(s), got {tensors.Count} tensors.", nameof(tensors));
        }

        var layers = tensors.Count / 2;
        var weights = new float[layers][];
        var biases = new float[layers][];
        var outSizes = new int[layers];
        var inSizes = new int[layers];
        for (var l = 0; l < layers; l++)
        {
            var w = tensors[2 * l];
            var b = tensors[(2 * l) + 1];
            if (w.Shape.Length != 2 || b.Shape.Length != 1 || b.Shape[0] != w.Shape[0] || w.Data.Length != w.Shape[0] * w.Shape[1] || b.Data.Length != b.Shape[0])
            {
                throw new ArgumentException($"Layer {l}: '{w.Name}' [{string.Join(", ", w.Shape)}] and '{b.Name}' [{string.Join(", ", b.Shape)}] are not a dense layer's weight and bias.", nameof(tensors));
            }

            (outSizes[l], inSizes[l]) = (w.Shape[0], w.Shape[1]);
            weights[l] = (float[])w.Data.Clone();
            biases[l] = (float[])b.Data.Clone();
        }

        var hidden = outSizes[..(layers - heads)];
        for (var l = 1; l < layers - heads + 1; l++)
        {
            if (inSizes[l] != outSizes[l - 1])
            {
                throw new ArgumentException($"Layer {l} takes {inSizes[l]} inputs but layer {l - 1} has {outSizes[l - 1]} outputs.", nameof(tensors));
            }
        }

        int actionCount;
        if (dueling)
        {
            var (v, a) = (layers - 2, layers - 1);
            if (outSizes[v] != 1 || inSizes[a] != hidden[^1])
            {
                throw new ArgumentException($"Dueling heads must be value [1, {hidden[^1]}] and advantage [A, {hidden[^1]}]; got [{outSizes[v]}, {inSizes[v]}] and [{outSizes[a]}, {inSizes[a]}].", nameof(tensors));
            }

            actionCount = outSizes[a];
        }
        else
        {
            actionCount = outSizes[layers - 1];
        }

        return new MlpPolicy(inSizes[0], actionCount, hidden, dueling, weights, biases);
    }

    public void Evaluate(ReadOnlySpan<float> state, Span<float> qValues)
    {
        if (state.Length != StateSize)
        {
            throw new ArgumentException($"State has {state.Length} features; the policy expects {StateSize}.", nameof(state));
        }

        if (qValues.Length < ActionCount)
        {
            throw new ArgumentException($"Q-value span holds {qValues.Length}; the policy has {ActionCount} actions.", nameof(qValues));
        }

        var buffer = scratch is { } s && s.Length >= 2 * MaxWidth ? s : scratch = new float[2 * MaxWidth];
        var a = buffer.AsSpan(0, MaxWidth);
        var b = buffer.AsSpan(MaxWidth, MaxWidth);
        var input = state;
        var width = StateSize;
        for (var l = 0; l < hiddenSizes.Length; l++)
        {
            var output = (l % 2 == 0 ? a : b)[..hiddenSizes[l]];
            Layer(l, input[..width], output, relu: true);
            input = output;
            width = hiddenSizes[l];
        }

        var h = input[..width];
        if (!Dueling)
        {
            Layer(weights.Length - 1, h, qValues[..ActionCount], relu: false);
            return;
        }

        var spare = (hiddenSizes.Length % 2 == 0 ? a : b)[..1];
        Layer(weights.Length - 2, h, spare, relu: false);
        var q = qValues[..ActionCount];
        Layer(weights.Length - 1, h, q, relu: false);
        var mean = 0f;
        foreach (var x in q)
        {
            mean += x;
        }

        mean /= ActionCount;
        var v = spare[0];
        for (var i = 0; i < q.Length; i++)
        {
            q[i] = v + q[i] - mean;
        }
    }

    /// <summary>argmax_a Q(state, a); ties go to the lowest action index.</summary>
    public int GreedyAction(ReadOnlySpan<float> state)
    {
        Span<float> q = ActionCount <= 64 ? stackalloc float[ActionCount] : new float[ActionCount];
        Evaluate(state, q);
        var best = 0;
        for (var i = 1; i < q.Length; i++)
        {
            if (q[i] > q[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>The weights with the <c>Lineage.Learning.QNetwork</c> parameter names (for safetensors export).</summary>
    public IReadOnlyList<NamedTensor> ToNamedTensors()
    {
        var names = new List<string>();
        for (var l = 0; l < hiddenSizes.Length; l++)
        {
            names.Add($"hidden.{l}");
        }

        names.AddRange(Dueling ? ["value", "advantage"] : ["output"]);
        var result = new List<NamedTensor>();
        for (var l = 0; l < weights.Length; l++)
        {
            var outputs = biases[l].Length;
            result.Add(new NamedTensor(names[l] + ".weight", [outputs, weights[l].Length / outputs], (float[])weights[l].Clone()));
            result.Add(new NamedTensor(names[l] + ".bias", [outputs], (float[])biases[l].Clone()));
        }

        return result;
    }

    /// <summary>
    /// Compact binary form: "LMLP", format version, state size, action count, dueling flag, hidden sizes,
    /// then each layer's weights and biases as little-endian float32.
    /// </summary>
    public byte[] ToBytes()
    {
        var floats = weights.Sum(w => w.Length) + biases.Sum(b => b.Length);
        var bytes = new byte[(4 * (6 + hiddenSizes.Length)) + (4 * floats)];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        var at = 4;
        foreach (var v in (int[])[FormatVersion, StateSize, ActionCount, Dueling ? 1 : 0, hiddenSizes.Length, .. hiddenSizes])
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], v);
            at += 4;
        }

        for (var l = 0; l < weights.Length; l++)
        {
            foreach (var x in weights[l])
            {
                BinaryPrimitives.WriteSingleLittleEndian(span[at..], x);
                at += 4;
            }

            foreach (var x in biases[l])
            {
                BinaryPrimitives.WriteSingleLittleEndian(span[at..], x);
                at += 4;
            }
        }

        return bytes;
    }

    /// <summary>Reads <see cref="ToBytes"/>; throws <see cref="InvalidDataException"/> on anything malformed.</summary>
    public static MlpPolicy FromBytes(ReadOnlySpan<byte> bytes)
    {
        var at = 0;
        int Int(ReadOnlySpan<byte> source, string field)
        {
            if (source.Length < at + 4)
            {
                throw new InvalidDataException($"Policy bytes truncated at offset {at} while reading {field} ({source.Length} bytes).");
            }

            var v = BinaryPrimitives.ReadInt32LittleEndian(source[at..]);
            at += 4;
            return v;
        }

        if (bytes.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
        {
            throw new InvalidDataException("Policy bytes do not start with the 'LMLP' magic.");
        }

        at = 4;
        var version = Int(bytes, "version");
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Policy format version {version} is not supported (this build reads {FormatVersion}).");
        }

        var stateSize = Int(bytes, "state size");
        var actionCount = Int(bytes, "action count");
        var dueling = Int(bytes, "dueling flag");
        var hiddenCount = Int(bytes, "hidden layer count");
        if (stateSize <= 0 || actionCount <= 0 || dueling is not (0 or 1) || hiddenCount is <= 0 or > 64)
        {
            throw new InvalidDataException($"Policy header invalid: state size {stateSize}, action count {actionCount}, dueling {dueling}, hidden layers {hiddenCount}.");
        }

        var hidden = new int[hiddenCount];
        for (var i = 0; i < hiddenCount; i++)
        {
            hidden[i] = Int(bytes, $"hidden size {i}");
            if (hidden[i] is <= 0 or > 1 << 20)
            {
                throw new InvalidDataException($"Policy hidden layer {i} has size {hidden[i]}.");
            }
        }

        var shapes = new List<(int Out, int In)>();
        var inputs = stateSize;
        foreach (var h in hidden)
        {
            shapes.Add((h, inputs));
            inputs = h;
        }

        if (dueling == 1)
        {
            shapes.Add((1, inputs));
        }

        shapes.Add((actionCount, inputs));
        var expected = at + (4L * shapes.Sum(s => ((long)s.Out * s.In) + s.Out));
        if (bytes.Length != expected)
        {
            throw new InvalidDataException($"Policy bytes hold {bytes.Length} bytes; the header implies {expected}.");
        }

        var weights = new float[shapes.Count][];
        var biases = new float[shapes.Count][];
        for (var l = 0; l < shapes.Count; l++)
        {
            weights[l] = ReadFloats(bytes, ref at, shapes[l].Out * shapes[l].In);
            biases[l] = ReadFloats(bytes, ref at, shapes[l].Out);
        }

        return new MlpPolicy(stateSize, actionCount, hidden, dueling == 1, weights, biases);
    }

    private static float[] ReadFloats(ReadOnlySpan<byte> bytes, ref int at, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[at..]);
            at += 4;
        }

        return values;
    }

    /// <summary>
    /// Layer <paramref name="l"/>: wide layers as an axpy per input over the transposed weights (SIMD over
    /// outputs, zero inputs skipped); layers narrower than one SIMD vector (the Q head: 4 actions) as one
    /// SIMD dot product per output over the row-major weights, which would otherwise run scalar.
    /// </summary>
    private void Layer(int l, ReadOnlySpan<float> x, Span<float> y, bool relu)
    {
        if (Vector.IsHardwareAccelerated && y.Length < Vector<float>.Count && x.Length >= Vector<float>.Count)
        {
            DenseDot(weights[l], biases[l], x, y, relu);
        }
        else
        {
            Dense(transposed[l], biases[l], x, y, relu);
        }
    }

    /// <summary>y = relu?(b + Wx) with W row-major [out, in]: one SIMD dot product per output.</summary>
    private static void DenseDot(float[] w, float[] bias, ReadOnlySpan<float> x, Span<float> y, bool relu)
    {
        var inputs = x.Length;
        var width = Vector<float>.Count;
        for (var o = 0; o < y.Length; o++)
        {
            var row = w.AsSpan(o * inputs, inputs);
            var acc = Vector<float>.Zero;
            var i = 0;
            for (; i <= inputs - width; i += width)
            {
                acc += new Vector<float>(row[i..]) * new Vector<float>(x[i..]);
            }

            var sum = Vector.Sum(acc);
            for (; i < inputs; i++)
            {
                sum += row[i] * x[i];
            }

            sum += bias[o];
            y[o] = relu && sum < 0 ? 0 : sum;
        }
    }

    /// <summary>y = relu?(b + Wᵀx) with W stored transposed [in, out]; zero inputs (ReLU outputs) are skipped.</summary>
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
            var o = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; o <= outputs - width; o += width)
                {
                    Vector.Max(new Vector<float>(y[o..]), Vector<float>.Zero).CopyTo(y[o..]);
                }
            }

            for (; o < outputs; o++)
            {
                if (y[o] < 0)
                {
                    y[o] = 0;
                }
            }
        }
    }
}
