using System.Diagnostics;
using System.Globalization;
using Lineage.Benchmarks.Harness;
using Lineage.Benchmarks.Micro;
using Lineage.CartPole;
using Lineage.Core.Randomness;
using Lineage.Core.Replay;
using Lineage.Learning;

namespace Lineage.Benchmarks.Sections;

/// <summary>
/// End to end: the default main job (`lineage train`, the built CLI, its own Azurite, embedded Durable
/// backend) timed from process start to exit, and DQN solving CartPole-v1.
/// </summary>
public sealed class EndToEndSection : IBenchSection
{
    // The default job's shape (TrainingRun defaults): 20 iterations × 8 episodes × 256 steps, 256 updates each.
    private const int DefaultIterations = 20;
    private const int Episodes = 8;
    private const int Steps = 256;
    private const int Updates = 256;

    public string Name => "e2e";

    public async Task RunAsync(BenchContext context)
    {
        await MainJobAsync(context);
        await CartPoleAsync(context);
    }

    private static async Task MainJobAsync(BenchContext context)
    {
        var cli = Path.Combine(context.RepoRoot, "src", "Lineage.Cli", "bin", "Release", "net10.0", "linux-x64", "lineage.dll");
        if (!File.Exists(cli))
        {
            throw new FileNotFoundException($"The main job's binary {cli} is missing: build it with `dotnet build src/Lineage.Cli -c Release` (bench/run.sh does).");
        }

        var iterations = context.Quick ? 5 : DefaultIterations;
        var workDir = Path.Combine(Path.GetTempPath(), $"lineage-bench-e2e-{Environment.ProcessId}");
        Directory.CreateDirectory(workDir);
        try
        {
            var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workDir };
            info.ArgumentList.Add(cli);
            info.ArgumentList.Add("train");
            if (context.Quick)
            {
                info.ArgumentList.Add("--iterations");
                info.ArgumentList.Add(iterations.ToString(CultureInfo.InvariantCulture));
            }

            var log = Path.Combine(context.Artifacts, "e2e-main-job.log");
            var (wall, peak, _, _, exitCode) = await TimedProcess.RunAsync(info, log);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"`lineage train` exited with {exitCode}; output in {log}.");
            }

            var steps = (long)iterations * Episodes * Steps;
            var updates = (long)iterations * Updates;
            var ideal = IdealComputeSeconds(context, steps, updates);
            var job = context.Quick ? $"quick main job ({iterations} of the default {DefaultIterations} iterations)" : "default main job";
            context.Results.Add(new Figure(
                "End to end", $"{job}: `lineage train`, wall time", wall.TotalSeconds, "s",
                ideal is null ? null : "its acting + learning alone (this run's micro figures)", ideal,
                Note: string.Create(CultureInfo.InvariantCulture,
                    $"{steps:N0} env steps + {updates:N0} updates: {steps / wall.TotalSeconds:N0} env steps/s overall (the prototype: ~200); peak RSS {peak / 1e6:F0} MB; includes process start, Azurite start, data prep, evaluation and the report; `dotnet run` adds its build check")));
            if (ReadPhases(workDir) is { } phases && phases.TryGetValue("training", out var training))
            {
                // The job's own account of its wall time: the orchestration alone against the same compute floor, the fixed costs apart.
                context.Results.Add(new Figure(
                    "End to end", $"{job}: the training orchestration alone (start request to end)", training, "s",
                    ideal is null ? null : "its acting + learning alone (this run's micro figures)", ideal,
                    Note: string.Create(CultureInfo.InvariantCulture,
                        $"fixed costs of the same process, apart: process start {phases.GetValueOrDefault("processStart"):F2} s, Azurite start {phases.GetValueOrDefault("azuriteStart"):F2} s, Durable runtime start {phases.GetValueOrDefault("runtimeStart"):F2} s, report {phases.GetValueOrDefault("report"):F2} s (the job's timings.json)")));
            }
        }
        finally
        {
            Directory.Delete(workDir, recursive: true);
        }
    }

    /// <summary>The phases `lineage train` wrote beside its report (timings.json), or null if it wrote none.</summary>
    internal static Dictionary<string, double>? ReadPhases(string workDir)
    {
        var file = Directory.EnumerateFiles(workDir, "timings.json", SearchOption.AllDirectories).FirstOrDefault();
        return file is null ? null : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(file));
    }

    /// <summary>Seconds the job's acting and learning would take at this run's micro-benchmark rates, with no storage or orchestration.</summary>
    private static double? IdealComputeSeconds(BenchContext context, long steps, long updates) =>
        context.Metrics.TryGetValue(ActingSection.PlainStepsPerSecondKey, out var stepsPerSecond)
        && context.Metrics.TryGetValue(LearnerSection.DefaultUpdateMicrosKey, out var updateMicros)
            ? (steps / stepsPerSecond) + (updates * updateMicros / 1e6)
            : null;

    private static async Task CartPoleAsync(BenchContext context)
    {
        var options = new CartPoleTrainingOptions();
        var seeds = context.Quick ? new ulong[] { 1 } : [1, 2, 3];
        var runs = seeds.Select(seed => (Seed: seed, Result: CartPoleDqn.Train(options, seed))).ToList();
        var solved = runs.Where(r => r.Result.Solved).ToList();
        var median = runs.OrderBy(r => r.Result.Elapsed).ElementAt(runs.Count / 2).Result;

        // Baseline: the same number of learner updates alone (same net, batch, optimizer), so the ratio shows what acting, replay and evaluation add.
        using var trainer = new DqnTrainer(CartPoleEnvironment.StateSize, CartPoleEnvironment.ActionCount, options.Dqn, seed: 71);
        var batches = Enumerable.Range(0, 16).Select(i => BenchData.RandomExperiences((ulong)(700 + i), options.Dqn.BatchSize, CartPoleEnvironment.StateSize, CartPoleEnvironment.ActionCount)).ToArray();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < median.Updates; i++)
        {
            trainer.Update(batches[i % batches.Length]);
        }

        var learnerOnly = clock.Elapsed;
        context.Results.Add(new Figure(
            "End to end", $"DQN solves CartPole-v1 (mean greedy return ≥ {options.SolvedScore} over {options.EvalEpisodes} episodes), median of {runs.Count} seed(s)", median.Elapsed.TotalSeconds, "s",
            $"its {median.Updates:N0} learner updates alone", learnerOnly.TotalSeconds,
            Note: $"solved {solved.Count}/{runs.Count}; " + string.Join("; ", runs.Select(r => string.Create(CultureInfo.InvariantCulture,
                $"seed {r.Seed}: {(r.Result.Solved ? "solved" : "NOT solved")} in {r.Result.Elapsed.TotalSeconds:F1} s, {r.Result.EnvSteps:N0} env steps, {r.Result.Updates:N0} updates")))));
        await CartPolePeerAsync(context, trainer, learnerOnly.TotalMicroseconds / Math.Max(1, median.Updates));
    }

    /// <summary>
    /// CartPole-v1 per env step and per learner update against the PyTorch peer (cartpole_peer.py, same net and
    /// hyperparameters): an env step is an ε-greedy action (the plain-C# policy's forward when greedy), the step and the
    /// replay write, at ε 0.5 on both sides.
    /// </summary>
    private static async Task CartPolePeerAsync(BenchContext context, DqnTrainer trainer, double updateMicros)
    {
        const double Epsilon = 0.5;
        var steps = context.Quick ? 20_000 : 100_000;
        var policy = trainer.ExportPolicy();
        var env = new CartPoleEnvironment();
        var rng = new Rng(1);
        var written = new Experience[steps];
        var state = env.Reset(rng);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++)
        {
            var action = rng.NextDouble() < Epsilon ? rng.NextInt(CartPoleEnvironment.ActionCount) : policy.GreedyAction(state);
            var t = env.Step(action);
            written[i] = new Experience(state, action, t.Reward, t.State, t.Terminated, t.Truncated);
            state = t.Terminated || t.Truncated ? env.Reset(rng) : t.State;
        }

        var stepMicros = clock.Elapsed.TotalMicroseconds / steps;
        var python = LearnerSection.FindPythonWithTorch();
        if (python is null)
        {
            context.Results.Note("End to end", "PyTorch is not installed: the CartPole peer (cartpole_peer.py) was skipped.");
            return;
        }

        var (_, report) = await PythonScript.RunAsync(
            python.Value.Path,
            "cartpole_peer.py",
            ["--steps", (steps / 5).ToString(CultureInfo.InvariantCulture), "--updates", context.Quick ? "200" : "1000", "--epsilon", Epsilon.ToString(CultureInfo.InvariantCulture)],
            Path.Combine(context.Artifacts, "cartpole-peer.log"));
        var peerStep = (double)report["step_us"]!;
        var peerUpdate = (double)report["update_us"]!;
        context.Results.Add(new Figure(
            "End to end", $"CartPole-v1: time per env step (ε-greedy action at ε {Epsilon}, step, replay write)", stepMicros, "µs",
            "the PyTorch peer (cartpole_peer.py), same net", peerStep, "≤ 0.5× the peer", stepMicros <= 0.5 * peerStep,
            "Lineage acts with the plain-C# policy (no torch); the peer with a batch-1 torch forward, as a single-process DQN does"));
        context.Results.Add(new Figure(
            "End to end", "CartPole-v1: time per learner update (4-256-256-2, batch 64, the zoo's hyperparameters)", updateMicros, "µs",
            "the PyTorch peer, same update", peerUpdate, "≤ 0.5× the peer", updateMicros <= 0.5 * peerUpdate,
            "Lineage: DqnTrainer.Update on random batches (this section's baseline above); the peer: dqn_torch.DqnLearner without double DQN, batches from its replay"));
    }
}
