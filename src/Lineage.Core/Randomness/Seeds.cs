using System.Text;

namespace Lineage.Core.Randomness;

/// <summary>
/// Derives independent, reproducible seeds from a run seed and coordinates (run id, iteration,
/// episode index...). Used instead of any clock or shared generator so orchestrations replay exactly.
/// </summary>
public static class Seeds
{
    public static ulong Derive(ulong seed, params ReadOnlySpan<long> parts)
    {
        var x = seed;
        var h = Rng.SplitMix64(ref x);
        foreach (var p in parts)
        {
            x = h ^ (ulong)p;
            h = Rng.SplitMix64(ref x);
        }

        return h;
    }

    /// <summary>Stable 64-bit hash of a string (FNV-1a over UTF-8), independent of process and platform.</summary>
    public static long Hash(string text)
    {
        const ulong offset = 14695981039346656037UL;
        const ulong prime = 1099511628211UL;
        var h = offset;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            h ^= b;
            h *= prime;
        }

        return unchecked((long)h);
    }
}
