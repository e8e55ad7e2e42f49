using System.Diagnostics;
using Lineage.Benchmarks.Harness;
using Lineage.Benchmarks.Sections;

namespace Lineage.Benchmarks;

/// <summary>
/// `lineage-bench [--quick] [--only a,b] [--out FILE]`: measures every hot path, each against a baseline
/// from the same run, and writes bench/results.md. `--only` runs some sections and writes to
/// bench/artifacts/results-partial.md unless --out is given, so results.md always holds a full run.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["--child", ..])
        {
            return await ChildProcesses.RunAsync(args[1..]);
        }

        if (Environment.GetEnvironmentVariable(ChildProcesses.OmpWaitPolicy) is null)
        {
            // libgomp reads its wait policy from the process environment at load, before any managed code
            // could set it: run again with it set, so TorchSharp and PyTorch wait the same (passive) way.
            return await ChildProcesses.ReexecAsync(args);
        }

        var quick = args.Contains("--quick");
        var only = Value(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var repoRoot = Machine.RepoRoot();
        var output = Value(args, "--out") ?? Path.Combine(repoRoot, "bench", only is null ? "results.md" : Path.Combine("artifacts", "results-partial.md"));
        var artifacts = Path.Combine(repoRoot, "bench", "artifacts");
        Directory.CreateDirectory(artifacts);

        IBenchSection[] sections =
        [
            new ActingSection(),
            new LearnerSection(),
            new ReplaySection(),
            new CodecSection(),
            new BlobStoreSection(),
            new OrchestrationSection(),
            new MemorySection(),
            new EndToEndSection(),
            new PeerSection(),
            new PopulationSection(),
        ];
        var unknown = only?.Except(sections.Select(s => s.Name)).ToList();
        if (unknown is { Count: > 0 })
        {
            await Console.Error.WriteLineAsync($"Unknown section(s) in --only: {string.Join(", ", unknown)}. Sections: {string.Join(", ", sections.Select(s => s.Name))}.");
            return 2;
        }

        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var loadAtStart = Machine.LoadAverage();
        var results = new ResultSet();
        var failures = 0;
        await using (var context = new BenchContext(quick, repoRoot, artifacts, results))
        {
            foreach (var section in sections.Where(s => only is null || only.Contains(s.Name)))
            {
                Console.WriteLine($"=== {section.Name} (load {Machine.LoadAverage()}) ===");
                var sectionClock = Stopwatch.StartNew();
                try
                {
                    await section.RunAsync(context);
                }
                catch (Exception ex)
                {
                    // A failed section is reported in the results (and the exit code), never hidden.
                    failures++;
                    results.Note(section.Name, $"FAILED: {ex.GetType().Name}: {ex.Message}");
                    await Console.Error.WriteLineAsync(ex.ToString());
                }

                Console.WriteLine($"=== {section.Name} took {sectionClock.Elapsed.TotalSeconds:F0} s ===");
            }

            var run = new RunInfo(
                Machine.GitCommit(repoRoot),
                started,
                quick,
                Environment.GetEnvironmentVariable("LINEAGE_BENCH_COMMAND") ?? ("lineage-bench " + string.Join(' ', args)).Trim(),
                clock.Elapsed,
                loadAtStart,
                Machine.LoadAverage());
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            await File.WriteAllTextAsync(output, MarkdownReport.Render(results, context, run));
        }

        Console.WriteLine($"Wrote {output} in {clock.Elapsed.TotalMinutes:F1} min; {failures} section(s) failed.");
        return failures == 0 ? 0 : 1;
    }

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
