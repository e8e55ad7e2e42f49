using Lineage.Benchmarks.Harness;
using Lineage.Benchmarks.Micro;

namespace Lineage.Benchmarks.Sections;

/// <summary>Environment simulation + acting (BenchmarkDotNet): steps/s/core, plain C# vs TorchSharp at batch 1.</summary>
public sealed class ActingSection : IBenchSection
{
    public const double TargetStepsPerSecond = 1_000_000;
    public const string PlainStepsPerSecondKey = "acting.plain.steps_per_second";

    public string Name => "acting";

    public Task RunAsync(BenchContext context)
    {
        var results = MicroRunner.Run<ActingBenchmarks>(context.Quick, context.Artifacts);
        var torch = results.Single(r => r.Method == nameof(ActingBenchmarks.TorchSharp));
        context.Metrics[PlainStepsPerSecondKey] = results.Single(r => r.Method == nameof(ActingBenchmarks.PlainCSharpWithSink)).PerSecond;
        foreach (var r in results.Where(r => r != torch))
        {
            var isTargetRow = r.Method == nameof(ActingBenchmarks.PlainCSharp);
            context.Results.Add(new Figure(
                "Acting",
                $"{r.Description}, 5-64-4, greedy 256-step episodes",
                r.PerSecond,
                "steps/s/core",
                "TorchSharp batch 1",
                torch.PerSecond,
                isTargetRow ? "≥ 1,000,000 steps/s/core" : null,
                isTargetRow ? r.PerSecond >= TargetStepsPerSecond : null,
                $"{r.AllocatedBytesPerOp ?? double.NaN:F0} B allocated/step"));
        }

        context.Results.Note("Acting", $"TorchSharp batch-1 acting: {torch.MedianNs / 1000:F2} µs/step, {torch.AllocatedBytesPerOp ?? double.NaN:F0} B allocated/step.");

        // The profile of a step: the forward pass alone, next to the environment-only figure above.
        var forward = MicroRunner.Run<PolicyForwardBenchmarks>(context.Quick, context.Artifacts);
        var torchForward = forward.Single(r => r.Method == nameof(PolicyForwardBenchmarks.TorchSharp));
        var plainForward = forward.Single(r => r.Method == nameof(PolicyForwardBenchmarks.PlainCSharp));
        context.Results.Add(new Figure(
            "Acting", "forward pass alone, 5-64-4, batch 1 (MlpPolicy.Evaluate)", plainForward.MedianNs, "ns",
            "TorchSharp forward, batch 1", torchForward.MedianNs,
            Note: $"{plainForward.AllocatedBytesPerOp ?? double.NaN:F0} B allocated; a step's remaining time is the environment (see environment only)"));
        var axpy = forward.Single(r => r.Method == nameof(PolicyForwardBenchmarks.AxpyOnly));
        context.Results.Add(new Figure(
            "Acting", "forward pass alone after this suite's profiling fix (SIMD dot products for the 4-wide Q head)", plainForward.MedianNs, "ns",
            "the previous MlpPolicy forward (axpy only)", axpy.MedianNs,
            Note: "the before/after of the acting optimisation, measured in the same run"));
        return Task.CompletedTask;
    }
}

/// <summary>Replay sampling (BenchmarkDotNet): experiences sampled per second from a full 100k buffer.</summary>
public sealed class ReplaySection : IBenchSection
{
    public string Name => "replay";

    public Task RunAsync(BenchContext context)
    {
        var results = MicroRunner.Run<ReplayBenchmarks>(context.Quick, context.Artifacts);
        foreach (var group in results.GroupBy(r => r.Param<int>(nameof(ReplayBenchmarks.Batch))))
        {
            var batch = group.Key;
            var uniform = group.Single(r => r.Method == nameof(ReplayBenchmarks.Uniform));
            foreach (var r in group)
            {
                context.Results.Add(new Figure(
                    "Replay",
                    $"{r.Description}, batch {batch}, 100k buffer",
                    r.PerSecond * batch,
                    "experiences/s",
                    r == uniform ? null : "uniform sample",
                    r == uniform ? null : uniform.PerSecond * batch,
                    Note: $"{r.MedianNs / 1000:F2} µs/batch, {r.AllocatedBytesPerOp ?? double.NaN:F0} B allocated/batch"));
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>ExperienceCodec (BenchmarkDotNet): encode/decode MB/s against a plain copy of the same bytes.</summary>
public sealed class CodecSection : IBenchSection
{
    public string Name => "codec";

    public Task RunAsync(BenchContext context)
    {
        var results = MicroRunner.Run<CodecBenchmarks>(context.Quick, context.Artifacts);
        foreach (var group in results.GroupBy(r => r.Param<int>(nameof(CodecBenchmarks.Experiences))))
        {
            var bytes = CodecBenchmarks.BytesFor(group.Key);
            var copy = group.Single(r => r.Method == nameof(CodecBenchmarks.Copy));
            foreach (var r in group.Where(r => r != copy))
            {
                context.Results.Add(new Figure(
                    "Codec",
                    $"ExperienceCodec {r.Description}, {group.Key:N0} experiences ({bytes / 1e3:F1} KB)",
                    bytes / r.MedianNs * 1e3,
                    "MB/s",
                    "copy of the encoded bytes",
                    bytes / copy.MedianNs * 1e3,
                    Note: $"{r.MedianNs / 1000:F1} µs, {r.AllocatedBytesPerOp ?? double.NaN:F0} B allocated"));
            }
        }

        return Task.CompletedTask;
    }
}
