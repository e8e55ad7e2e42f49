using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Lineage.Benchmarks.Harness;
using Lineage.Benchmarks.Micro;

namespace Lineage.Benchmarks.Sections;

/// <summary>
/// Learner updates/s (BenchmarkDotNet) for 5-64-4 and 64-256-256-4 at batch 32/256 on 1/2 torch
/// threads, with the same update in PyTorch (pytorch_update.py) in the same run when a python3 with
/// torch is installed. Target: TorchSharp time ≤ 0.8× PyTorch time, i.e. rate ≥ 1.25× PyTorch's.
/// </summary>
public sealed class LearnerSection : IBenchSection
{
    public const double TargetTimeRatio = 0.8;
    public const string DefaultUpdateMicrosKey = "learner.5-64-4.32.1.micros";

    // The same values as LearnerBenchmarks' [Params].
    private static readonly int[] Batches = [32, 256];
    private static readonly int[] Threads = [1, 2];

    public string Name => "learner";

    public async Task RunAsync(BenchContext context)
    {
        // PyTorch is timed before and after the TorchSharp cases and averaged, so a change in the shared
        // machine's load during the section biases neither side.
        IReadOnlyList<(string Net, int Batch, int Threads)> configs =
            [.. from net in LearnerBenchmarks.Nets from batch in Batches from threads in Threads select (net, batch, threads)];
        var twoThreads = configs.Where(c => c.Threads == 2).ToList();
        var before = await PyTorchAsync(context, configs, Passive);
        var results = MicroRunner.Run<LearnerBenchmarks>(context.Quick, context.Artifacts);

        // libgomp reads OMP_WAIT_POLICY once per process: the 2-thread cases run again in a child with the
        // other policy, and PyTorch too, so each library is compared at its best policy.
        var activeLine = await ChildProcesses.StartAsync(
            ChildProcesses.Learner,
            new Dictionary<string, string> { [ChildProcesses.OmpWaitPolicy] = Active, [LearnerBenchmarks.ThreadsVariable] = "2" },
            context.Quick ? "1" : "0");
        var active = (JsonSerializer.Deserialize<List<LearnerTiming>>(activeLine) ?? []).ToDictionary(t => (t.Net, t.Batch, t.Threads), t => t.MedianNs / 1000);
        var pyActive = before.Count == 0 ? before : await PyTorchAsync(context, twoThreads, Active);
        var after = before.Count == 0 ? before : await PyTorchAsync(context, configs, Passive);
        var pyPassive = before.Keys.Where(after.ContainsKey).ToDictionary(k => k, k => (before[k] + after[k]) / 2);
        context.Metrics[DefaultUpdateMicrosKey] = results.Single(r => r.Param<string>("Net") == "5-64-4" && r.Param<int>("Batch") == 32 && r.Param<int>("Threads") == 1).MedianNs / 1000;

        var rows = results.Select(r => (Key: (r.Param<string>("Net"), r.Param<int>("Batch"), r.Param<int>("Threads")), Policy: Passive, Micros: r.MedianNs / 1000))
            .Concat(active.Select(a => (a.Key, Policy: Active, Micros: a.Value)));
        foreach (var (key, policy, micros) in rows)
        {
            var name = $"TorchSharp update, {key.Item1}, batch {key.Item2}, {key.Item3} thread{(key.Item3 == 1 ? "" : "s")}{(key.Item3 == 1 ? "" : $", OMP_WAIT_POLICY={policy}")}";
            if (!pyPassive.TryGetValue(key, out var passiveMicros))
            {
                context.Results.Add(new Figure(
                    "Learner", name, 1e6 / micros, "updates/s", Target: "time ≤ 0.8× PyTorch",
                    Note: string.Create(CultureInfo.InvariantCulture, $"{micros:F0} µs/update; no PyTorch to compare")));
                continue;
            }

            var (pyMicros, pyPolicy) = pyActive.TryGetValue(key, out var activeMicros) && activeMicros < passiveMicros ? (activeMicros, Active) : (passiveMicros, Passive);
            var timeRatio = micros / pyMicros;
            var pyDetail = pyActive.TryGetValue(key, out var pyActiveMicros)
                ? $"PyTorch {Passive} before/after {before[key]:F0}/{after[key]:F0} µs, {Active} {pyActiveMicros:F0} µs"
                : $"PyTorch before/after {before[key]:F0}/{after[key]:F0} µs";
            context.Results.Add(new Figure(
                "Learner", name, 1e6 / micros, "updates/s", key.Item3 == 1 ? "PyTorch, same update" : $"PyTorch, same update, best policy ({pyPolicy})", 1e6 / pyMicros,
                "time ≤ 0.8× PyTorch", timeRatio <= TargetTimeRatio,
                string.Create(CultureInfo.InvariantCulture, $"{micros:F0} µs vs {pyMicros:F0} µs ({pyDetail}): time ratio {timeRatio:F2}×")));
        }

        context.Results.Note("Learner", "OMP_WAIT_POLICY only matters with 2 threads: PASSIVE sleeps between parallel regions (kind to a shared machine), ACTIVE spins (fast when the cores are free). An update is dozens of tiny ops, so TorchSharp's 2-thread rows depend on it heavily; the default trainer uses 1 thread (DqnOptions.TorchThreads).");
    }

    internal const string Passive = "PASSIVE";
    private const string Active = "ACTIVE";

    internal static async Task<Dictionary<(string, int, int), double>> PyTorchAsync(BenchContext context, IReadOnlyList<(string Net, int Batch, int Threads)> configs, string waitPolicy)
    {
        var found = new Dictionary<(string, int, int), double>();
        var python = FindPythonWithTorch();
        if (python is null)
        {
            context.Facts["PyTorch"] = "not installed (no python3 with torch): PyTorch column skipped. Install: apt-get install -y python3-torch libopenblas0-pthread";
            context.Results.Note("Learner", "PyTorch is not installed; the PyTorch comparison was skipped.");
            return found;
        }

        context.Facts["PyTorch"] = $"{python.Value.Version} via {python.Value.Path}; BLAS: {BlasLibrary()}";
        var script = Path.Combine(AppContext.BaseDirectory, "pytorch_update.py");
        var info = new ProcessStartInfo(python.Value.Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(context.Quick ? "1" : "0");
        foreach (var (net, batch, threads) in configs)
        {
            info.ArgumentList.Add(net);
            info.ArgumentList.Add(batch.ToString(CultureInfo.InvariantCulture));
            info.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
        }

        info.Environment[ChildProcesses.OmpWaitPolicy] = waitPolicy;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {python.Value.Path}.");
        var stderr = process.StandardError.ReadToEndAsync();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var key = (root.GetProperty("net").GetString()!, root.GetProperty("batch").GetInt32(), root.GetProperty("threads").GetInt32());
            found[key] = root.GetProperty("median_us").GetDouble();
            Console.WriteLine($"[Learner] PyTorch {key}, {waitPolicy}: {found[key]:F0} µs/update");
        }

        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pytorch_update.py exited with {process.ExitCode}: {(await stderr).Trim()}");
        }

        return found;
    }

    internal static (string Path, string Version)? FindPythonWithTorch()
    {
        foreach (var candidate in new[] { Environment.GetEnvironmentVariable("LINEAGE_BENCH_PYTHON"), "/usr/bin/python3", "python3" })
        {
            if (string.IsNullOrWhiteSpace(candidate))
            {
                continue;
            }

            try
            {
                var version = Machine.Run(candidate, AppContext.BaseDirectory, "-c", "import torch, numpy; print(torch.__version__)");
                return (candidate, version);
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                Console.WriteLine($"[Learner] {candidate}: no usable torch ({ex.Message.Split('\n')[0]})");
            }
        }

        return null;
    }

    private static string BlasLibrary()
    {
        const string link = "/usr/lib/x86_64-linux-gnu/libblas.so.3";
        try
        {
            return File.Exists(link) ? new FileInfo(link).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? link : "unknown";
        }
        catch (IOException ex)
        {
            return $"unknown ({ex.Message})";
        }
    }
}
