using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lineage.Benchmarks.Harness;
using Lineage.Benchmarks.Micro;
using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Replay;
using Lineage.Core.Statistics;
using Lineage.Core.Trading;
using Lineage.Learning;
using Lineage.Policy;
using Lineage.Storage;

namespace Lineage.Benchmarks.Sections;

/// <summary>
/// Issue 18's whole-run figures: `lineage train` (the published Release binary, Azurite already running) against the
/// single-process PyTorch peer (pytorch_peer.py: the same env steps, updates and evaluations in one Python process) and
/// against its own compute floor (the same acting, learning and evaluation compute, measured here in-process with no
/// storage or orchestration), at the default configuration and a larger one; plus the cold start (process start to the
/// first completed TrainStep), peak RSS and GB-seconds per million env steps at the infrastructure's instance memory.
/// Every ratio has at least 4 actor activities per iteration (8 and 16 episodes, each its own activity and shard).
/// </summary>
public sealed class PeerSection : IBenchSection
{
    private const string Section = "Against PyTorch";

    /// <summary>The Flex Consumption instance memory infra/ sets (instanceMemoryMB), which Flex bills by.</summary>
    private const double InstanceGigabytes = 2.048;

    /// <summary>Validation evaluations of a run: one per iteration (EvaluateEvery 1); the test split is scored once more, with the bootstrap.</summary>
    private static readonly Shape Default = new("default configuration", 20, 8, 256, 256, [64], 32, PeerTarget: 0.7, FloorTarget: 1.5);

    private static readonly Shape Large = new("larger configuration", 50, 16, 1024, 1024, [256, 256], 32, PeerTarget: 0.5, FloorTarget: 1.3);

    public string Name => "peer";

    public async Task RunAsync(BenchContext context)
    {
        var (cli, published) = Binary(context);
        var python = LearnerSection.FindPythonWithTorch();
        if (python is null)
        {
            context.Results.Note(Section, "PyTorch is not installed (apt-get install -y python3-torch libopenblas0-pthread): the peer was skipped; Lineage's own figures below have no peer baseline.");
        }

        var azuriteClock = Stopwatch.StartNew();
        await using var azurite = await AzuriteServer.StartAsync(new AzuriteOptions { SearchFrom = context.RepoRoot });
        context.Results.Note(Section, string.Create(CultureInfo.InvariantCulture,
            $"Lineage runs: {(published ? "the published ReadyToRun Release binary" : "the built Release binary (no published one: run bench/run.sh)")} ({cli}), timed from process start to exit against an Azurite started beforehand (its start-up, {azuriteClock.Elapsed.TotalSeconds:F2} s, is not in any figure). The peer: pytorch_peer.py, its whole process including its imports. Memory figures: peak RSS (VmHWM); GB-seconds at the {InstanceGigabytes * 1000:F0} MB Flex Consumption instance infra/ configures."));
        foreach (var shape in new[] { Default, Large })
        {
            var run = context.Quick ? shape with { Iterations = shape == Default ? 5 : 3 } : shape;
            var floor = MeasureFloor(run);
            var peer = python is null ? null : await RunPeerAsync(context, python.Value.Path, run);
            var embedded = await RunLineageAsync(context, cli, azurite.ConnectionString, run, "Embedded");
            Report(context, run, "embedded backend", embedded, peer, floor, run.PeerTarget, run.FloorTarget);
            if (shape == Large)
            {
                var storage = await RunLineageAsync(context, cli, azurite.ConnectionString, run, "AzureStorage");
                Report(context, run, "AzureStorage backend on Azurite", storage, peer, floor, 1.0, 2.0);
            }

            if (peer is not null)
            {
                await CheckPeerLearnerAsync(context, run, peer);
            }
        }
    }

    private sealed record Shape(string Label, int Iterations, int Episodes, int Steps, int Updates, int[] Hidden, int Batch, double PeerTarget, double FloorTarget)
    {
        public long EnvSteps => (long)Iterations * Episodes * Steps;

        public long TotalUpdates => (long)Iterations * Updates;

        public string Describe(int stateSize, int actions) => string.Create(CultureInfo.InvariantCulture,
            $"{Label} ({Iterations} iterations × {Episodes} actors × {Steps} steps, {Updates} updates of a {stateSize}-{string.Join('-', Hidden)}-{actions} net at batch {Batch} per iteration)");
    }

    private sealed record Floor(double Seconds, double StepsPerSecond, double UpdateMicros, double EvaluationSeconds, double TestSeconds, int StateSize, int Actions);

    private sealed record PeerRun(TimedProcessResult Process, JsonNode Report);

    private sealed record LineageRun(TimedProcessResult Process, Dictionary<string, double>? Phases);

    /// <summary>The published ReadyToRun binary bench/run.sh makes, else the built one.</summary>
    private static (string Path, bool Published) Binary(BenchContext context)
    {
        var published = Path.Combine(context.Artifacts, "lineage-published", "lineage.dll");
        if (File.Exists(published))
        {
            return (published, true);
        }

        var built = Path.Combine(context.RepoRoot, "src", "Lineage.Cli", "bin", "Release", "net10.0", "linux-x64", "lineage.dll");
        return File.Exists(built) ? (built, false) : throw new FileNotFoundException($"Neither {published} nor {built} exists: build the CLI (bench/run.sh does).");
    }

    /// <summary>
    /// The run's compute alone, in this process: ε-greedy acting with the plain-C# policy into an experience list, the
    /// learner's updates on random batches, and the evaluations (validation every iteration; the test split once with the
    /// 10,000-draw bootstrap), each on the default market and arena with a net of the run's shape.
    /// </summary>
    private static Floor MeasureFloor(Shape shape)
    {
        var market = PreparedMarket.Prepare(SyntheticMarkets.Generate(SyntheticMarkets.Trend, 4000, 42), FeatureSpec.Default, new ArenaOptions(), RewardOptions.RecommendedForLearning);
        var stateSize = market.Train.StateSize;
        var actions = market.Train.ActionCount;
        using var trainer = new DqnTrainer(stateSize, actions, new DqnOptions { HiddenLayers = shape.Hidden, BatchSize = shape.Batch }, seed: 7);
        var policy = trainer.ExportPolicy();

        // Acting: the run's episodes, ε 0.3, with the sink the episode activity fills.
        var rng = new Rng(3);
        var sink = new List<Experience>(shape.Steps);
        var span = Math.Max(1, market.Train.LastStartIndex - shape.Steps + 1 - market.Train.FirstStartIndex);
        long steps = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(1) || steps < 4 * shape.Steps)
        {
            sink.Clear();
            steps += EpisodeRunner.Run(market.Train, market.Train.FirstStartIndex + rng.NextInt(span), shape.Steps, policy, 0.3, rng, sink).Steps;
        }

        var stepsPerSecond = steps / clock.Elapsed.TotalSeconds;

        // Learning: updates on random batches (the learner section's method), after a warm-up.
        var batches = Enumerable.Range(0, 16).Select(i => BenchData.RandomExperiences((ulong)(900 + i), shape.Batch, stateSize, actions)).ToArray();
        for (var i = 0; i < 30; i++)
        {
            trainer.Update(batches[i % batches.Length]);
        }

        var timed = shape.Hidden.Sum() > 100 ? 300 : 1000;
        clock.Restart();
        for (var i = 0; i < timed; i++)
        {
            trainer.Update(batches[i % batches.Length]);
        }

        var updateMicros = clock.Elapsed.TotalMicroseconds / timed;

        // Evaluation: what the Evaluate activity computes (rule selection on validation, agent, buy-and-hold, flat, 20 random, rule, oracle).
        var reference = ReferencePolicies.For(SyntheticMarkets.Trend, FeatureSpec.Default, market.Normalizer);
        EvaluationReport Evaluate(TradingEnvironment environment, int draws) =>
            Evaluator.Evaluate(policy, environment, randomSeeds: 20, seed: 42, referencePolicy: reference, bestRule: SimpleRules.SelectOnValidation(market.Validation), bootstrapDraws: draws);
        Evaluate(market.Validation, 0);
        clock.Restart();
        const int Evaluations = 5;
        for (var i = 0; i < Evaluations; i++)
        {
            Evaluate(market.Validation, 0);
        }

        var evaluationSeconds = clock.Elapsed.TotalSeconds / Evaluations;
        clock.Restart();
        Evaluate(market.Test, StationaryBootstrap.DefaultDraws);
        var testSeconds = clock.Elapsed.TotalSeconds;
        var total = (shape.EnvSteps / stepsPerSecond) + (shape.TotalUpdates * updateMicros / 1e6) + (shape.Iterations * evaluationSeconds) + testSeconds;
        return new Floor(total, stepsPerSecond, updateMicros, evaluationSeconds, testSeconds, stateSize, actions);
    }

    private static async Task<PeerRun> RunPeerAsync(BenchContext context, string python, Shape shape)
    {
        string[] arguments =
        [
            .. new[] { ("--iterations", shape.Iterations), ("--episodes", shape.Episodes), ("--steps", shape.Steps), ("--updates", shape.Updates), ("--batch", shape.Batch) }
                .SelectMany(a => new[] { a.Item1, a.Item2.ToString(CultureInfo.InvariantCulture) }),
            "--hidden", string.Join(',', shape.Hidden),
        ];
        Console.WriteLine($"[{Section}] the PyTorch peer, {shape.Label}…");
        var (process, report) = await PythonScript.RunAsync(python, "pytorch_peer.py", arguments, Path.Combine(context.Artifacts, $"peer-{Slug(shape)}-pytorch.log"));
        return new PeerRun(process, report);
    }

    private static async Task<LineageRun> RunLineageAsync(BenchContext context, string cli, string connectionString, Shape shape, string backend)
    {
        var workDir = Path.Combine(Path.GetTempPath(), $"lineage-bench-peer-{Environment.ProcessId}-{Slug(shape)}-{backend.ToLowerInvariant()}");
        Directory.CreateDirectory(workDir);
        try
        {
            var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workDir };
            info.ArgumentList.Add(cli);
            info.ArgumentList.Add("train");
            var config = new JsonObject
            {
                ["iterations"] = shape.Iterations,
                ["episodesPerIteration"] = shape.Episodes,
                ["stepsPerEpisode"] = shape.Steps,
                ["updatesPerIteration"] = shape.Updates,
                ["maxParallelEpisodes"] = shape.Episodes,
                ["dqn"] = new JsonObject { ["hiddenLayers"] = new JsonArray([.. shape.Hidden.Select(h => (JsonNode)h)]), ["batchSize"] = shape.Batch },
            };
            var configFile = Path.Combine(workDir, "run.json");
            await File.WriteAllTextAsync(configFile, config.ToJsonString());
            foreach (var argument in new[]
                     {
                         "--config", configFile, "--storage", connectionString, "--backend", backend, "--task-hub", $"peer{Slug(shape).Replace("-", "", StringComparison.Ordinal)}",
                         "--run-id", $"peer-{Slug(shape)}-{backend.ToLowerInvariant()}-{Environment.ProcessId}", "--no-promote", "--out", Path.Combine(workDir, "runs"),
                     })
            {
                info.ArgumentList.Add(argument);
            }

            var log = Path.Combine(context.Artifacts, $"peer-{Slug(shape)}-{backend.ToLowerInvariant()}.log");
            Console.WriteLine($"[{Section}] lineage train, {shape.Label}, {backend}…");
            var result = await TimedProcess.RunAsync(info, log);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"`lineage train` ({shape.Label}, {backend}) exited with {result.ExitCode}; output in {log}.");
            }

            return new LineageRun(result, EndToEndSection.ReadPhases(workDir));
        }
        finally
        {
            Directory.Delete(workDir, recursive: true);
        }
    }

    private static void Report(BenchContext context, Shape shape, string backend, LineageRun lineage, PeerRun? peer, Floor floor, double peerTarget, double floorTarget)
    {
        var wall = lineage.Process.Wall.TotalSeconds;
        var label = shape.Describe(floor.StateSize, floor.Actions);
        var phases = lineage.Phases is { } p
            ? string.Create(CultureInfo.InvariantCulture, $"Lineage: process start {p.GetValueOrDefault("processStart"):F2} s, Durable runtime start {p.GetValueOrDefault("runtimeStart"):F2} s, training {p.GetValueOrDefault("training"):F2} s, report {p.GetValueOrDefault("report"):F2} s")
            : "Lineage wrote no timings.json";
        if (peer is not null)
        {
            var peerWall = peer.Process.Wall.TotalSeconds;
            var r = peer.Report;
            context.Results.Add(new Figure(
                Section, $"{label}, {backend}: `lineage train` wall time", wall, "s",
                "the single-process PyTorch peer, whole process", peerWall,
                $"≤ {peerTarget.ToString(CultureInfo.InvariantCulture)}× the peer", wall <= peerTarget * peerWall,
                string.Create(CultureInfo.InvariantCulture,
                    $"{phases}. Peer: imports {(double)r["imports_s"]!:F2} s, acting {(double)r["acting_s"]!:F2} s, learning {(double)r["learning_s"]!:F2} s, evaluation {(double)r["evaluation_s"]!:F2} s; {(long)r["env_steps"]!:N0} env steps, {(long)r["updates"]!:N0} updates, {(int)r["evaluations"]!} evaluations")));
        }

        context.Results.Add(new Figure(
            Section, $"{label}, {backend}: `lineage train` wall time against its compute floor", wall, "s",
            "its acting + learning + evaluation compute alone, in-process", floor.Seconds,
            $"≤ {floorTarget.ToString(CultureInfo.InvariantCulture)}× the floor", wall <= floorTarget * floor.Seconds,
            string.Create(CultureInfo.InvariantCulture,
                $"floor = {shape.EnvSteps:N0} steps at {floor.StepsPerSecond:N0}/s + {shape.TotalUpdates:N0} updates at {floor.UpdateMicros:F0} µs + {shape.Iterations} validation evaluations at {floor.EvaluationSeconds * 1000:F1} ms + the test evaluation with the bootstrap {floor.TestSeconds * 1000:F0} ms; the gate's evaluations are not in it")));
        if (lineage.Phases?.GetValueOrDefault("firstTrainStep") is > 0 and var first)
        {
            context.Results.Add(new Figure(
                Section, $"{label}, {backend}: cold start, process start to the first completed TrainStep", first, "s",
                Target: "≤ 5 s", MeetsTarget: first <= 5,
                Note: string.Create(CultureInfo.InvariantCulture,
                    $"includes the runtime's load and JIT, the Durable runtime's start, the first iteration's {shape.Episodes} episodes, the replay append and the first TrainStep with libtorch's load (the acting path does not load libtorch)")));
        }

        var rss = lineage.Process.PeakRssBytes / 1e6;
        context.Results.Add(new Figure(
            Section, $"{label}, {backend}: peak RSS of the worker process", rss, "MB",
            peer is null ? null : "the PyTorch peer's peak RSS", peer is null ? null : peer.Process.PeakRssBytes / 1e6,
            "≤ 500 MB", rss <= 500));
        var gbSeconds = GigabyteSecondsPerMillionSteps(wall, shape.EnvSteps);
        context.Results.Add(new Figure(
            Section, $"{label}, {backend}: GB-seconds per million env steps at {InstanceGigabytes * 1000:F0} MB", gbSeconds, "GB-s",
            peer is null ? null : "the peer, on the same instance", peer is null ? null : GigabyteSecondsPerMillionSteps(peer.Process.Wall.TotalSeconds, shape.EnvSteps),
            Note: "what Flex Consumption bills for the run: instance memory × wall time, here per million environment steps"));
    }

    private static double GigabyteSecondsPerMillionSteps(double seconds, long envSteps) => InstanceGigabytes * seconds / (envSteps / 1e6);

    /// <summary>The peer's learner against pytorch_update.py's update on the same net and batch, measured now: within 10 %.</summary>
    private static async Task CheckPeerLearnerAsync(BenchContext context, Shape shape, PeerRun peer)
    {
        var net = (string)peer.Report["net"]!;
        var reference = await LearnerSection.PyTorchAsync(context, [(net, shape.Batch, 1)], LearnerSection.Passive);
        if (!reference.TryGetValue((net, shape.Batch, 1), out var micros))
        {
            return;
        }

        var peerMicros = (double)peer.Report["update_us"]!;
        context.Results.Add(new Figure(
            Section, $"the peer's learner update, {net}, batch {shape.Batch}, 1 thread (mean inside the peer's run)", peerMicros, "µs",
            "pytorch_update.py, same net and batch (median)", micros,
            "within 10 % of pytorch_update.py", Math.Abs((peerMicros / micros) - 1) <= 0.10,
            "the peer's updates interleave with its acting and evaluation (cold caches); pytorch_update.py times back-to-back updates on 16 fixed batches"));
    }

    private static string Slug(Shape shape) => shape.Label.Split(' ')[0];
}
