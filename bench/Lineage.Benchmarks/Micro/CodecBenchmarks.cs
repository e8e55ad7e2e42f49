using BenchmarkDotNet.Attributes;
using Lineage.Core.Replay;

namespace Lineage.Benchmarks.Micro;

/// <summary>
/// ExperienceCodec on one episode shard (256 experiences) and one 10k buffer (state 5); the baseline
/// is copying the encoded bytes (what any format must at least do), so ratios say how far from memcpy.
/// </summary>
public class CodecBenchmarks
{
    private Experience[] _experiences = [];
    private byte[] _encoded = [];
    private byte[] _copy = [];

    [Params(256, 10_000)]
    public int Experiences { get; set; }

    public int EncodedBytes => _encoded.Length;

    [GlobalSetup]
    public void Setup()
    {
        _experiences = BenchData.RandomExperiences(31, Experiences, 5);
        _encoded = ExperienceCodec.Encode(_experiences, 5);
        _copy = new byte[_encoded.Length];
    }

    [Benchmark(Baseline = true, Description = "copy encoded bytes")]
    public int Copy()
    {
        _encoded.AsSpan().CopyTo(_copy);
        return _copy.Length;
    }

    [Benchmark(Description = "encode")]
    public int Encode() => ExperienceCodec.Encode(_experiences, 5).Length;

    [Benchmark(Description = "decode")]
    public int Decode() => ExperienceCodec.Decode(_encoded).Length;

    /// <summary>Bytes of one encoded batch of <paramref name="experiences"/> (state 5).</summary>
    public static int BytesFor(int experiences) => ExperienceCodec.HeaderSize + ExperienceCodec.TrailerSize + (experiences * ExperienceCodec.RecordSize(5));
}
