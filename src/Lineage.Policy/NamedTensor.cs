namespace Lineage.Policy;

/// <summary>A named float32 tensor outside torch: row-major <see cref="Data"/> of the given <see cref="Shape"/>.</summary>
public sealed record NamedTensor(string Name, int[] Shape, float[] Data)
{
    public static NamedTensor Create(string name, int[] shape, float[] data)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Tensor '{name}' has a negative dimension in shape [{string.Join(", ", shape)}].", nameof(shape));
            }

            count *= d;
        }

        if (count != data.Length)
        {
            throw new ArgumentException($"Tensor '{name}' of shape [{string.Join(", ", shape)}] needs {count} values, got {data.Length}.", nameof(data));
        }

        return new NamedTensor(name, shape, data);
    }

    /// <summary>Bitwise equality of names, shapes and values (NaN payloads included).</summary>
    public bool BitwiseEquals(NamedTensor other) =>
        Name == other.Name
        && Shape.AsSpan().SequenceEqual(other.Shape)
        && System.Runtime.InteropServices.MemoryMarshal.AsBytes(Data.AsSpan())
            .SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(other.Data.AsSpan()));
}
