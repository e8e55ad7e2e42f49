using TorchSharp;

namespace Lineage.Learning;

/// <summary>
/// Scalars that live as long as the process. TorchSharp turns a .NET number into a temporary <c>Scalar</c> whose only
/// reference is gone once its native handle is read, so a GC started by another thread can finalize (free) it while
/// the native op still reads it: seen as "toFloat: Expected false to be true" under load. Even <c>tensor.add(other)</c>
/// and <c>add_(scalar)</c> create such a temporary for their implicit alpha of 1; pass <see cref="One"/> instead.
/// </summary>
internal static class HeldScalars
{
    public static readonly Scalar One = 1.ToScalar();
}
