using BenchmarkDotNet.Attributes;
using Lineage.Core.Episodes;
using Lineage.Core.Randomness;
using Lineage.Core.Replay;
using Lineage.Core.Trading;
using Lineage.Learning;
using Lineage.Policy;

namespace Lineage.Benchmarks.Micro;

/// <summary>
/// Environment simulation + acting: greedy episodes (a forward pass every step) of the default run
/// (256 steps, 5-64-4 net) through Core's EpisodeRunner and TradingEnvironment, on one thread, so
/// one operation = one environment step and ops/s = steps/s/core.
/// </summary>
public class ActingBenchmarks : IDisposable
{
    public const int Steps = 256;
    public const int Episodes = 8;
    public const int StepsPerInvoke = Steps * Episodes;

    private readonly List<Experience> _sink = new(Steps);
    private TradingEnvironment _environment = null!;
    private MlpPolicy _plain = null!;
    private TorchQFunction? _torch;
    private FixedPolicy _fixed = null!;
    private int[] _starts = [];

    [GlobalSetup]
    public void Setup()
    {
        _environment = BenchData.DefaultMarket().Train;
        using var trainer = new DqnTrainer(_environment.StateSize, TradingEnvironment.ClassicActionCount, new DqnOptions(), seed: 7);
        _plain = trainer.ExportPolicy();
        _torch = new TorchQFunction(_environment.StateSize, TradingEnvironment.ClassicActionCount, [.. trainer.Options.HiddenLayers], trainer.GetOnlineWeights());
        _fixed = FixedPolicy.BuyAndHold(_environment.StateSize);
        // One operation must be one step: keep start bars where every policy plays the full episode
        // (an untrained greedy net can go bankrupt early, which would end its episode).
        var rng = new Rng(11);
        var span = _environment.LastStartIndex - Steps + 1 - _environment.FirstStartIndex;
        var starts = new List<int>();
        for (var attempt = 0; starts.Count < Episodes && attempt < 1000; attempt++)
        {
            var start = _environment.FirstStartIndex + rng.NextInt(span);
            if (new IQFunction[] { _plain, _torch!, _fixed }.All(p => EpisodeRunner.Run(_environment, start, Steps, p, 0, new Rng(3), null).Steps == Steps))
            {
                starts.Add(start);
            }
        }

        if (starts.Count < Episodes)
        {
            throw new InvalidOperationException($"Found only {starts.Count} start bars where every policy plays {Steps} steps.");
        }

        _starts = [.. starts];
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _torch?.Dispose();
        _torch = null;
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = StepsPerInvoke, Description = "TorchSharp acting, batch 1")]
    public int TorchSharp() => RunAll(_torch!, null);

    [Benchmark(OperationsPerInvoke = StepsPerInvoke, Description = "plain-C# MlpPolicy")]
    public int PlainCSharp() => RunAll(_plain, null);

    [Benchmark(OperationsPerInvoke = StepsPerInvoke, Description = "plain-C# MlpPolicy + experience sink")]
    public int PlainCSharpWithSink() => RunAll(_plain, _sink);

    [Benchmark(OperationsPerInvoke = StepsPerInvoke, Description = "environment only (fixed policy)")]
    public int EnvironmentOnly() => RunAll(_fixed, null);

    private int RunAll(IQFunction policy, List<Experience>? sink)
    {
        var steps = 0;
        var rng = new Rng(3);
        foreach (var start in _starts)
        {
            sink?.Clear();
            steps += EpisodeRunner.Run(_environment, start, Steps, policy, epsilon: 0, rng, sink).Steps;
        }

        return steps;
    }
}
