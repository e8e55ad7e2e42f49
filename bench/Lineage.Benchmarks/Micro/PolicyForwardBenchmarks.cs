using BenchmarkDotNet.Attributes;
using Lineage.Core.Episodes;
using Lineage.Learning;
using Lineage.Policy;

namespace Lineage.Benchmarks.Micro;

/// <summary>
/// The acting profile, split: one forward pass of the 5-64-4 net on a real state, without the
/// environment. With <see cref="ActingBenchmarks"/>' environment-only figure it shows where a step's time goes.
/// </summary>
public class PolicyForwardBenchmarks : IDisposable
{
    private readonly float[] _q = new float[TradingEnvironment.ClassicActionCount];
    private float[] _state = [];
    private MlpPolicy _plain = null!;
    private AxpyOnlyPolicy _axpyOnly = null!;
    private TorchQFunction? _torch;

    [GlobalSetup]
    public void Setup()
    {
        var environment = BenchData.DefaultMarket().Train;
        environment.Reset(environment.FirstStartIndex + 100);
        _state = environment.State.ToArray();
        using var trainer = new DqnTrainer(environment.StateSize, TradingEnvironment.ClassicActionCount, new DqnOptions(), seed: 7);
        _plain = trainer.ExportPolicy();
        _axpyOnly = new AxpyOnlyPolicy(_plain);
        var (a, b) = (new float[TradingEnvironment.ClassicActionCount], new float[TradingEnvironment.ClassicActionCount]);
        _plain.Evaluate(_state, a);
        _axpyOnly.Evaluate(_state, b);
        if (!a.Zip(b).All(p => Math.Abs(p.First - p.Second) <= 1e-4f * (1 + Math.Abs(p.First))))
        {
            throw new InvalidOperationException($"MlpPolicy and the axpy-only baseline disagree: [{string.Join(", ", a)}] vs [{string.Join(", ", b)}].");
        }
        _torch = new TorchQFunction(environment.StateSize, TradingEnvironment.ClassicActionCount, [.. trainer.Options.HiddenLayers], trainer.GetOnlineWeights());
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _torch?.Dispose();
        _torch = null;
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, Description = "TorchSharp forward, batch 1")]
    public float TorchSharp()
    {
        _torch!.Evaluate(_state, _q);
        return _q[0];
    }

    [Benchmark(Description = "previous MlpPolicy forward (axpy only, scalar Q head)")]
    public float AxpyOnly()
    {
        _axpyOnly.Evaluate(_state, _q);
        return _q[0];
    }

    [Benchmark(Description = "MlpPolicy.Evaluate")]
    public float PlainCSharp()
    {
        _plain.Evaluate(_state, _q);
        return _q[0];
    }
}
