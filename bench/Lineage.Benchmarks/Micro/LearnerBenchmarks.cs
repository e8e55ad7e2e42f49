using BenchmarkDotNet.Attributes;
using Lineage.Core.Replay;
using Lineage.Learning;
using Lineage.Policy;

namespace Lineage.Benchmarks.Micro;

/// <summary>
/// One DQN learner update (double DQN, target net, Huber, Adam, grad-norm clip, TD errors back to C#)
/// per operation, as <see cref="DqnTrainer.Update"/> does it in the train step. The same update is
/// timed in PyTorch by pytorch_update.py.
/// </summary>
public class LearnerBenchmarks : IDisposable
{
    private const int DistinctBatches = 16;
    private DqnTrainer? _trainer;
    private Experience[][] _batches = [];
    private int _next;

    public static IEnumerable<string> Nets => ["5-64-4", "64-256-256-4"];

    [ParamsSource(nameof(Nets))]
    public string Net { get; set; } = "5-64-4";

    [Params(32, 256)]
    public int Batch { get; set; }

    /// <summary>1 and 2, or only the count in LINEAGE_BENCH_THREADS (the wait-policy child runs 2 only).</summary>
    public static IEnumerable<int> ThreadCounts =>
        Environment.GetEnvironmentVariable(ThreadsVariable) is { } only ? [int.Parse(only, System.Globalization.CultureInfo.InvariantCulture)] : [1, 2];

    public const string ThreadsVariable = "LINEAGE_BENCH_THREADS";

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    /// <summary>"5-64-4" → state 5, hidden [64], 4 actions.</summary>
    public static (int State, int[] Hidden, int Actions) Parse(string net)
    {
        var sizes = net.Split('-').Select(int.Parse).ToArray();
        return (sizes[0], sizes[1..^1], sizes[^1]);
    }

    [GlobalSetup]
    public void Setup()
    {
        var (state, hidden, actions) = Parse(Net);
        _trainer = new DqnTrainer(state, actions, new DqnOptions { HiddenLayers = hidden, BatchSize = Batch, TorchThreads = Threads }, seed: 5);
        _batches = [.. Enumerable.Range(0, DistinctBatches).Select(i => BenchData.RandomExperiences((ulong)(100 + i), Batch, state))];
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _trainer?.Dispose();
        _trainer = null;
        GC.SuppressFinalize(this);
    }

    [Benchmark(Description = "DqnTrainer.Update")]
    public double Update() => _trainer!.Update(_batches[_next++ % DistinctBatches]).Loss;
}
