using BenchmarkDotNet.Attributes;
using Lineage.Core.Randomness;
using Lineage.Core.Replay;

namespace Lineage.Benchmarks.Micro;

/// <summary>
/// Sampling a batch from a full 100k-experience buffer (state 5), one operation = one sampled
/// experience. Uniform FIFO sampling is the baseline for the prioritized (sum-tree) buffer.
/// </summary>
public class ReplayBenchmarks
{
    public const int Capacity = 100_000;

    private ReplayBuffer _uniform = null!;
    private PrioritizedReplayBuffer _prioritized = null!;
    private Rng _rng = null!;
    private float[] _tdErrors = [];

    [Params(32, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var experiences = BenchData.RandomExperiences(21, Capacity, 5);
        _uniform = new ReplayBuffer(Capacity);
        _uniform.AddRange(experiences);
        _prioritized = new PrioritizedReplayBuffer(Capacity);
        _prioritized.AddRange(experiences);
        var rng = new Rng(22);
        _prioritized.SetPriorities([.. Enumerable.Range(0, Capacity).Select(_ => (float)rng.NextDouble() + 1e-3f)]);
        _tdErrors = [.. Enumerable.Range(0, Batch).Select(_ => (float)rng.NextGaussian())];
        _rng = new Rng(23);
    }

    [Benchmark(Baseline = true, Description = "uniform sample")]
    public int Uniform() => _uniform.Sample(Batch, _rng).Length;

    [Benchmark(Description = "prioritized sample")]
    public int Prioritized() => _prioritized.Sample(Batch, 0.4, _rng).Items.Length;

    [Benchmark(Description = "prioritized sample + priority update")]
    public int PrioritizedWithUpdate()
    {
        var sample = _prioritized.Sample(Batch, 0.4, _rng);
        _prioritized.UpdatePriorities(sample.Indices, _tdErrors);
        return sample.Items.Length;
    }
}
