using System.Globalization;
using System.Text.Json;
using Lineage.Benchmarks.Harness;

namespace Lineage.Benchmarks.Sections;

/// <summary>Peak RSS of a training worker over 10,000 updates, in a child process of its own.</summary>
public sealed class MemorySection : IBenchSection
{
    public const int Updates = 10_000;

    public string Name => "memory";

    public async Task RunAsync(BenchContext context)
    {
        // Quick mode keeps the default net only: the large one takes about a minute for 10k updates.
        var configs = context.Quick ? new[] { ("5-64-4", 32) } : [("5-64-4", 32), ("64-256-256-4", 256)];
        foreach (var (net, batch) in configs)
        {
            var line = await ChildProcesses.StartAsync(ChildProcesses.TrainingWorker, Updates.ToString(CultureInfo.InvariantCulture), net, batch.ToString(CultureInfo.InvariantCulture));
            var m = JsonSerializer.Deserialize<TrainingWorkerMemory>(line) ?? throw new InvalidOperationException($"Unreadable child output: {line}");
            var growth = m.Samples[^1] - m.Samples[0];
            context.Results.Add(new Figure(
                "Memory",
                $"peak RSS of a training worker, {Updates:N0} updates, {net}, batch {batch}",
                m.PeakRss / 1e6,
                "MB",
                "RSS after torch init + 10k buffer + first update",
                m.ReadyRss / 1e6,
                Note: string.Create(CultureInfo.InvariantCulture,
                    $"RSS at process start {m.StartRss / 1e6:F0} MB; growth over updates {Updates / 10:N0}→{Updates:N0}: {growth / 1e6:F1} MB; {m.Seconds:F1} s ({m.Seconds * 1e6 / Updates:F0} µs/update incl. sampling)")));
        }

        context.Results.Note("Memory", "For scale: the original prototype ran in 41 MB (no torch). Most of a worker's RSS is libtorch's code and allocator, paid once per process.");
    }
}
