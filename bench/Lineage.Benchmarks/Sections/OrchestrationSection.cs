using System.Diagnostics;
using System.Globalization;
using DurableTask.Core.History;
using Lineage.Benchmarks.Harness;
using Lineage.Core.Randomness;
using Lineage.Hosting;
using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lineage.Benchmarks.Sections;

/// <summary>
/// Orchestration overhead per iteration (16 episodes of 256 steps + 1 train step + the append) on the
/// embedded and the Azure Storage Durable backends, against the same activities' work called directly
/// (no Durable) with the same concurrency; then 1 vs 2 worker processes on the Azure Storage backend.
/// </summary>
public sealed class OrchestrationSection : IBenchSection
{
    private const int Episodes = 16;
    private int _runs;

    public string Name => "orchestration";

    public async Task RunAsync(BenchContext context)
    {
        var azurite = await context.AzuriteAsync();
        var iterations = context.Quick ? 3 : 6;
        var concurrency = new DurableBackendOptions().MaxConcurrentActivities;

        // The baseline: the same activities' work called directly, at the Azure Storage worker's activity
        // concurrency and at the full fan-out; the faster of the two is the compute to compare with.
        var directMs = double.MaxValue;
        foreach (var parallel in new[] { concurrency, Episodes })
        {
            var direct = await DirectAsync(context, azurite.ConnectionString, Run(iterations), parallel);
            var ms = Median(direct.Skip(1));
            directMs = Math.Min(directMs, ms);
            context.Results.Add(new Figure(
                "Orchestration", $"iteration, activities called directly (no Durable), {parallel} episodes at a time", ms, "ms/iteration",
                Note: $"compute + storage without Durable; iterations (ms): {Join(direct)}"));
        }

        foreach (var backend in new[] { DurableBackendKind.Embedded, DurableBackendKind.AzureStorage })
        {
            var (durable, wall) = await DurableAsync(context, azurite.ConnectionString, backend, Run(iterations));
            var durableMs = Median(durable.Skip(1));
            var overhead = durableMs - directMs;
            context.Results.Add(new Figure(
                "Orchestration", $"iteration on the {backend} Durable backend", durableMs, "ms/iteration",
                "same work called directly (faster schedule)", directMs,
                Note: string.Create(CultureInfo.InvariantCulture,
                    $"overhead {overhead:F0} ms/iteration = {overhead / directMs:P0} of compute; iterations (ms): {Join(durable)}; whole run incl. prepare {wall.TotalSeconds:F1} s")));
        }

        // Scale-out: the same run with the in-process worker alone, then with one more `lineage worker` process on the hub.
        var cli = Path.Combine(context.RepoRoot, "src", "Lineage.Cli", "bin", "Release", "net10.0", "linux-x64", "lineage.dll");
        if (!File.Exists(cli))
        {
            context.Results.Note("Orchestration", $"1 vs 2 workers skipped: {cli} is missing (build it: dotnet build src/Lineage.Cli -c Release; bench/run.sh does).");
            return;
        }

        var scaleIterations = context.Quick ? 2 : 4;
        var (_, one) = await DurableAsync(context, azurite.ConnectionString, DurableBackendKind.AzureStorage, Run(scaleIterations));
        var (_, two) = await DurableAsync(context, azurite.ConnectionString, DurableBackendKind.AzureStorage, Run(scaleIterations), extraWorkerCli: cli);
        context.Results.Add(new Figure(
            "Orchestration", $"Azure Storage backend, 2 worker processes, {scaleIterations} iterations (run wall time)", two.TotalSeconds, "s",
            "1 worker process", one.TotalSeconds,
            Note: "both processes share 2 cores, so a second worker can only overlap waits (queue polling, storage), not add compute"));
    }

    private TrainingRun Run(int iterations) => new()
    {
        RunId = $"bench-orch-{Environment.ProcessId}-{Interlocked.Increment(ref _runs)}",
        Dataset = "synthetic:trend",
        Iterations = iterations,
        EpisodesPerIteration = Episodes,
        MaxParallelEpisodes = Episodes,
        UpdatesPerIteration = 1,
        LearningStarts = 0,
        EvaluateEvery = 0,
        Seed = 42,
    };

    private static Task<LocalRuntime> StartRuntimeAsync(string connection, DurableBackendKind backend, bool runWorker, string hub) =>
        LocalRuntime.StartAsync(
            new LocalRuntimeOptions
            {
                StorageConnectionString = connection,
                Backend = backend,
                TaskHub = hub,
                ContainerName = hub,
                RunWorker = runWorker,
            },
            NullLoggerFactory.Instance);

    private static string NewHub() => $"bench{Environment.ProcessId}x{Guid.NewGuid():N}"[..24];

    /// <summary>The orchestrator's iteration, with each activity's ExecuteAsync called in-process.</summary>
    private static async Task<List<double>> DirectAsync(BenchContext context, string connection, TrainingRun run, int concurrency)
    {
        await using var runtime = await StartRuntimeAsync(connection, DurableBackendKind.Embedded, runWorker: false, NewHub());
        var services = runtime.Services;
        var episode = services.GetRequiredService<RunEpisodeActivity>();
        var append = services.GetRequiredService<AppendExperiencesActivity>();
        var train = services.GetRequiredService<TrainStepActivity>();
        var prepared = await services.GetRequiredService<PrepareRunActivity>().ExecuteAsync(new PrepareInput(run, "bench"), CancellationToken.None);
        var checkpoint = prepared.CheckpointUpdate;
        var times = new List<double>();
        for (var i = 0; i < run.Iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            var iteration = prepared.StartIteration + i;
            var outputs = new EpisodeOutput[Episodes];
            await Parallel.ForEachAsync(
                Enumerable.Range(0, Episodes),
                new ParallelOptions { MaxDegreeOfParallelism = concurrency },
                async (e, ct) => outputs[e] = await episode.ExecuteAsync(
                    new EpisodeInput(run.RunId, iteration, e, checkpoint, run.Epsilon.EpsilonFor(i, run.Iterations, e, Episodes), Seeds.Derive(run.Seed, iteration, e)), ct));
            var acting = new IterationActing(Episodes, 0, [], outputs.Average(o => o.TotalReward), outputs.Average(o => o.Roi), outputs.Sum(o => o.Experiences), run.Epsilon.EpsilonFor(i, run.Iterations, 0, Episodes));
            var beta = run.PriorityBetaStart + ((1 - run.PriorityBetaStart) * Math.Clamp((iteration + 1.0) / run.Iterations, 0, 1));
            var appended = await append.ExecuteAsync(new AppendInput(run.RunId, iteration, outputs, acting, beta), CancellationToken.None);
            var trained = await train.ExecuteAsync(new TrainStepInput(run.RunId, iteration, run.UpdatesPerIteration, checkpoint, acting, appended.BufferCount, beta, []), CancellationToken.None);
            checkpoint = trained.CheckpointUpdate;
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return times;
    }

    /// <summary>
    /// The same run through the Durable orchestrator. Per-iteration times come from the history: the
    /// interval between consecutive TrainStep completions (the first from PrepareRun's), i.e. a full cycle
    /// including every dispatch, queue hop and replay.
    /// </summary>
    private static async Task<(List<double> Iterations, TimeSpan Wall)> DurableAsync(
        BenchContext context, string connection, DurableBackendKind backend, TrainingRun run, string? extraWorkerCli = null)
    {
        var hub = NewHub();
        await using var runtime = await StartRuntimeAsync(connection, backend, runWorker: true, hub);
        using var worker = extraWorkerCli is null ? null : await ExtraWorker.StartAsync(extraWorkerCli, connection, hub);
        var clock = Stopwatch.StartNew();
        var response = await runtime.Runs.StartAsync(run, CancellationToken.None);
        if (response.Outcome != ApiOutcome.Accepted)
        {
            throw new InvalidOperationException($"Run {run.RunId} was not accepted: {response.Outcome} {response.Body}");
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var instance = await runtime.Durable.WaitForCompletionAsync(run.RunId, TimeSpan.FromMilliseconds(50), null, timeout.Token);
        var wall = clock.Elapsed;
        if (instance.Status != RunRuntimeStatus.Completed)
        {
            throw new InvalidOperationException($"Run {run.RunId} on {backend} ended {instance.Status}: {instance.FailureMessage}");
        }

        if (worker is not null)
        {
            await worker.StopAsync();
            return ([], wall);
        }

        var history = runtime.Durable.GetHistory(run.RunId);
        var scheduled = history.OfType<TaskScheduledEvent>().ToDictionary(e => e.EventId, e => e.Name);
        var marks = history.OfType<TaskCompletedEvent>()
            .Where(e => scheduled.GetValueOrDefault(e.TaskScheduledId) is ActivityNames.PrepareRun or ActivityNames.TrainStep)
            .Select(e => e.Timestamp)
            .Distinct()
            .Order()
            .ToList();
        if (marks.Count != run.Iterations + 1)
        {
            throw new InvalidOperationException($"History of {run.RunId} has {marks.Count} PrepareRun/TrainStep completions; expected {run.Iterations + 1}.");
        }

        return ([.. marks.Zip(marks.Skip(1), (a, b) => (b - a).TotalMilliseconds)], wall);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }

    private static string Join(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)));

    /// <summary>
    /// A `lineage worker` process joined to the hub; stopped with SIGTERM, as a process manager would. Not SIGINT: a process
    /// started in the background by a non-interactive shell ignores SIGINT, and the worker would inherit that from a bench
    /// run launched so (it then never leaves, and the section fails after 30 s).
    /// </summary>
    private sealed class ExtraWorker : IDisposable
    {
        private readonly Process _process;

        private ExtraWorker(Process process) => _process = process;

        public static async Task<ExtraWorker> StartAsync(string cli, string connection, string hub)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { cli, "worker", "--storage", connection, "--task-hub", hub, "--container", hub })
            {
                info.ArgumentList.Add(a);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start `lineage worker`.");
            var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.Contains("joined task hub", StringComparison.Ordinal) == true)
                {
                    joined.TrySetResult();
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    Console.WriteLine($"[worker {process.Id}] {e.Data}");
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var worker = new ExtraWorker(process);
            try
            {
                await joined.Task.WaitAsync(TimeSpan.FromSeconds(90));
            }
            catch (TimeoutException)
            {
                worker.Dispose();
                throw new InvalidOperationException($"`lineage worker` (pid {process.Id}) did not join hub {hub} within 90 s.");
            }

            return worker;
        }

        public async Task StopAsync()
        {
            Machine.Run("kill", AppContext.BaseDirectory, "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }
}
