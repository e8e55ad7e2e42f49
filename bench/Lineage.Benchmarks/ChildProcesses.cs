using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Lineage.Benchmarks.Harness;
using Lineage.Benchmarks.Micro;
using Lineage.Core.Randomness;
using Lineage.Core.Replay;
using Lineage.Learning;
using Lineage.Policy;

namespace Lineage.Benchmarks;

/// <summary>Work that must run in a process of its own, so its memory is not mixed with the harness's.</summary>
public static class ChildProcesses
{
    public const string TrainingWorker = "training-worker";
    public const string Learner = "learner";

    /// <summary>Starts this benchmark binary as a child (`--child NAME args...`) and returns its last stdout line.</summary>
    public static Task<string> StartAsync(string name, params string[] args) => StartAsync(name, new Dictionary<string, string>(), args);

    public static async Task<string> StartAsync(string name, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "lineage-bench"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        info.ArgumentList.Add("--child");
        info.ArgumentList.Add(name);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the benchmark child process.");
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            lines.Add(line);
            if (name == Learner)
            {
                Console.WriteLine($"[child {name}] {line}");
            }
        }

        await process.WaitForExitAsync();
        if (process.ExitCode != 0 || lines.Count == 0)
        {
            throw new InvalidOperationException($"Child '{name}' exited with {process.ExitCode}: {(await stderr).Trim()}");
        }

        return lines[^1];
    }

    public const string OmpWaitPolicy = "OMP_WAIT_POLICY";

    /// <summary>Runs this benchmark binary again with OMP_WAIT_POLICY=PASSIVE, sharing the console.</summary>
    public static async Task<int> ReexecAsync(string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "lineage-bench")) { UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment[OmpWaitPolicy] = "PASSIVE";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not restart the benchmark with OMP_WAIT_POLICY set.");
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    public static Task<int> RunAsync(string[] args)
    {
        switch (args)
        {
            case [TrainingWorker, var updates, var net, var batch]:
                Console.WriteLine(JsonSerializer.Serialize(RunTrainingWorker(
                    int.Parse(updates, CultureInfo.InvariantCulture), net, int.Parse(batch, CultureInfo.InvariantCulture))));
                return Task.FromResult(0);
            case [Learner, var quick]:
                // The learner benchmarks under this process's own OMP_WAIT_POLICY; the result is the last line.
                var results = Micro.MicroRunner.Run<LearnerBenchmarks>(quick == "1", Path.Combine(Machine.RepoRoot(), "bench", "artifacts"));
                Console.WriteLine(JsonSerializer.Serialize(results.Select(r => new LearnerTiming(r.Param<string>("Net"), r.Param<int>("Batch"), r.Param<int>("Threads"), r.MedianNs)).ToList()));
                return Task.FromResult(0);
            default:
                Console.Error.WriteLine($"Unknown child command: {string.Join(' ', args)}");
                return Task.FromResult(2);
        }
    }

    /// <summary>
    /// A training worker's loop: a full 10k replay buffer, uniform batches, one DqnTrainer update each,
    /// a policy export every 256 updates (as the train step does per iteration). RSS sampled as it goes.
    /// </summary>
    private static TrainingWorkerMemory RunTrainingWorker(int updates, string net, int batchSize)
    {
        var pid = Environment.ProcessId;
        var (state, hidden, actions) = LearnerBenchmarks.Parse(net);
        var startRss = Machine.ResidentBytes(pid) ?? 0;
        using var trainer = new DqnTrainer(state, actions, new DqnOptions { HiddenLayers = hidden, BatchSize = batchSize }, seed: 61);
        var buffer = new ReplayBuffer(ReplayBuffer.DefaultCapacity);
        buffer.AddRange(BenchData.RandomExperiences(62, ReplayBuffer.DefaultCapacity, state));
        var rng = new Rng(63);
        trainer.Update(buffer.Sample(batchSize, rng));
        var readyRss = Machine.ResidentBytes(pid) ?? 0;
        var samples = new List<long>();
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= updates; i++)
        {
            trainer.Update(buffer.Sample(batchSize, rng));
            if (i % 256 == 0)
            {
                trainer.ExportPolicy();
            }

            if (i % (updates / 10) == 0)
            {
                samples.Add(Machine.ResidentBytes(pid) ?? 0);
            }
        }

        return new TrainingWorkerMemory(startRss, readyRss, Machine.PeakResidentBytes(pid) ?? 0, samples, clock.Elapsed.TotalSeconds);
    }
}

public sealed record LearnerTiming(string Net, int Batch, int Threads, double MedianNs);

public sealed record TrainingWorkerMemory(long StartRss, long ReadyRss, long PeakRss, IReadOnlyList<long> Samples, double Seconds);
