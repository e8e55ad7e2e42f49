using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Lineage.Benchmarks.Micro;

/// <summary>One benchmark case's result: median time per operation and allocation per operation.</summary>
public sealed record MicroResult(string Method, string Description, IReadOnlyDictionary<string, object> Parameters, double MedianNs, double? AllocatedBytesPerOp)
{
    public double PerSecond => 1e9 / MedianNs;

    public T Param<T>(string name) => (T)Parameters[name];
}

/// <summary>
/// Runs BenchmarkDotNet classes in this process (InProcessEmit: no generated project to rebuild, so no
/// second copy of torch's natives), with a short job so the whole suite stays within minutes.
/// </summary>
public static class MicroRunner
{
    public static IReadOnlyList<MicroResult> Run<T>(bool quick, string artifacts)
    {
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(quick ? 3 : 6)
            .WithIterationCount(quick ? 6 : 15)
            .WithIterationTime(TimeInterval.FromMilliseconds(quick ? 150 : 250))
            .WithId(quick ? "quick" : "suite");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary);
        var summary = BenchmarkRunner.Run<T>(config);
        var results = new List<MicroResult>();
        foreach (var report in summary.Reports)
        {
            var c = report.BenchmarkCase;
            if (report.ResultStatistics is not { } stats)
            {
                throw new InvalidOperationException($"Benchmark {c.DisplayInfo} produced no result; see the BenchmarkDotNet output above.");
            }

            var parameters = c.Parameters.Items.ToDictionary(p => p.Name, p => p.Value);
            var allocated = report.GcStats.GetBytesAllocatedPerOperation(c);
            results.Add(new MicroResult(c.Descriptor.WorkloadMethod.Name, c.Descriptor.WorkloadMethodDisplayInfo.Trim('\''), parameters, stats.Median, allocated));
        }

        return results;
    }
}
