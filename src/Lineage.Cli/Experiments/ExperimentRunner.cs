using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Lineage.Hosting;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Runs;
using Lineage.Storage;

namespace Lineage.Cli.Experiments;

/// <summary>
/// What to run: every variant on every market for every agent seed, each a full training run. On a synthetic market
/// each run is also repeated for every market seed (<see cref="MarketSeeds"/>: the generated train, validation and test
/// paths); a file dataset has one path, so its runs are one per agent seed whatever <see cref="MarketSeeds"/> holds.
/// </summary>
internal sealed record ExperimentPlan(
    string Name,
    IReadOnlyList<string> Markets,
    IReadOnlyList<ExperimentVariant> Variants,
    IReadOnlyList<ulong> Seeds,
    TrainingRun BaseRun,
    bool ValidationOnly)
{
    /// <summary>Seeds of the synthetic markets' generated paths; default one path, market seed 1.</summary>
    public IReadOnlyList<ulong> MarketSeeds { get; init; } = [1];

    public int RunCount => Markets.Sum(m => MarketSeedsFor(m).Count) * Variants.Count * Seeds.Count;

    /// <summary>The market seeds a market is run with: <see cref="MarketSeeds"/> on a synthetic market, one null (its one path) on a file dataset.</summary>
    public IReadOnlyList<ulong?> MarketSeedsFor(string market) =>
        ExperimentMarkets.IsSynthetic(market) ? [.. MarketSeeds.Select(s => (ulong?)s)] : [null];

    /// <summary>The run of one variant, market, agent seed and (synthetic markets) market seed; its id names all four and the experiment's stamp.</summary>
    public TrainingRun RunFor(ExperimentVariant variant, string market, ulong seed, string stamp, ulong? marketSeed = null)
    {
        ArgumentNullException.ThrowIfNull(variant);
        var path = marketSeed is { } m ? string.Create(CultureInfo.InvariantCulture, $"-m{m}") : "";
        var runId = string.Create(CultureInfo.InvariantCulture, $"x-{ExperimentMarkets.Slug(variant.Name, 14)}-{ExperimentMarkets.Slug(ExperimentMarkets.ShortName(ExperimentMarkets.Dataset(market)), 14)}{path}-s{seed}-{stamp}");
        // The variant sees the market it runs on (the universe variant trains beside it on the other names).
        var run = variant.Apply(BaseRun with { Dataset = ExperimentMarkets.Dataset(market) });
        return run with
        {
            // The experiment's signal-to-noise scales the markets that have a signal; the random walk and files run without it.
            SyntheticSignalToNoise = TakesSignalToNoise(market) ? run.SyntheticSignalToNoise : null,
            Seed = seed,
            MarketSeed = marketSeed,
            RunId = runId,
            Resume = false,
        };
    }

    /// <summary>Whether a market is generated with a signal a signal-to-noise ratio scales (trend, meanrev).</summary>
    public static bool TakesSignalToNoise(string market) =>
        ExperimentMarkets.Dataset(market) is var dataset && dataset.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal)
        && Core.MarketData.SyntheticMarkets.KindsWithSignal.Contains(dataset[DatasetReferences.Synthetic.Length..], StringComparer.Ordinal);

    /// <summary>Every run of the plan in the order they are run: market, variant, market seed, agent seed.</summary>
    public IReadOnlyList<(ExperimentVariant Variant, string Market, TrainingRun Run)> Runs(string stamp) =>
    [
        .. from market in Markets
           from variant in Variants
           from marketSeed in MarketSeedsFor(market)
           from seed in Seeds
           select (variant, market, RunFor(variant, market, seed, stamp, marketSeed)),
    ];

    /// <summary>A run-id stamp: the experiment's start time, to the second.</summary>
    public static string NewStamp() => DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);

    /// <summary>Why the plan cannot run, checked before its first run starts: each invalid run and any run id used twice; empty when it can.</summary>
    public IReadOnlyList<string> Problems(string stamp)
    {
        var runs = Runs(stamp);
        var problems = runs
            .Select(r => (r.Variant, r.Market, r.Run, Errors: TrainingRunValidator.Validate(r.Run)))
            .Where(r => r.Errors.Count > 0)
            .Select(r => string.Create(CultureInfo.InvariantCulture,
                $"Variant '{r.Variant.Name}' on '{r.Market}' seed {r.Run.Seed}{(r.Run.MarketSeed is { } m ? $" market seed {m}" : "")} is not a valid run: {string.Join("; ", r.Errors.Select(e => $"{e.Field}: {e.Message}"))}."))
            .ToList();
        problems.AddRange(runs.GroupBy(r => r.Run.RunId).Where(g => g.Count() > 1).Select(g => $"Run id '{g.Key}' would be used by {g.Count()} runs."));
        return problems;
    }
}

/// <summary>
/// Runs an experiment through the real pipeline: each (variant, market, market seed, seed) is a training run on the
/// local runtime (Durable orchestration, blob replay, checkpoints, validation selection, one test score).
/// Runs go one after another; each fans out its own episodes.
/// </summary>
internal static class ExperimentRunner
{
    private static readonly JsonSerializerOptions Indented = new(LineageJson.Options) { WriteIndented = true };

    /// <summary>Starts one run on the local runtime and waits for its end: its final status and the seconds it took.</summary>
    /// <exception cref="InvalidOperationException">The run was not accepted (the body says why).</exception>
    public static async Task<(RunStatusView View, double Seconds)> RunToEndAsync(LocalRuntime runtime, TrainingRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(run);
        var clock = Stopwatch.StartNew();
        var response = await runtime.Runs.StartAsync(run, cancellationToken);
        if (response.Outcome != ApiOutcome.Accepted)
        {
            throw new InvalidOperationException($"Run '{run.RunId}' did not start ({response.Outcome}): {JsonSerializer.Serialize(response.Body, LineageJson.Options)}");
        }

        var final = await runtime.Durable.WaitForCompletionAsync(run.RunId, TimeSpan.FromMilliseconds(200), null, cancellationToken);
        return (RunService.ToView(final), clock.Elapsed.TotalSeconds);
    }

    public static async Task<IReadOnlyList<SeedResult>> RunAsync(
        LocalRuntime runtime,
        ExperimentPlan plan,
        DirectoryInfo folder,
        Action<SeedResult> onResult,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(onResult);
        var results = new List<SeedResult>();
        var stamp = ExperimentPlan.NewStamp();
        var runsFolder = new DirectoryInfo(Path.Combine(folder.FullName, "runs"));
        var runs = plan.Runs(stamp);
        if (plan.Problems(stamp) is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join(" ", problems));
        }

        foreach (var (variant, market, run) in runs)
        {
            var (view, seconds) = await RunToEndAsync(runtime, run, cancellationToken);
            var artifacts = await RunArtifacts.LoadAsync(runtime.Workspace, run.RunId, cancellationToken);
            if (!plan.ValidationOnly)
            {
                await RunReport.WriteAsync(runtime.Workspace, run.RunId, view, runsFolder, cancellationToken);
            }

            var result = SeedResult.From(variant.Name, market, run, view.Status, seconds, artifacts);
            results.Add(result);
            onResult(result);
            await WriteResultsAsync(folder, plan, results, cancellationToken);
        }

        return results;
    }

    public static async Task WriteResultsAsync(DirectoryInfo folder, ExperimentPlan plan, IReadOnlyList<SeedResult> results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(plan);
        var document = new
        {
            plan.Name,
            plan.Markets,
            Variants = plan.Variants.Select(v => new { v.Name, v.Description }),
            plan.Seeds,
            plan.MarketSeeds,
            // Market seeds vary the generated paths of synthetic markets only; a file dataset is one path.
            MarketSeedsApplyTo = plan.Markets.Where(ExperimentMarkets.IsSynthetic),
            plan.BaseRun,
            plan.ValidationOnly,
            Results = plan.ValidationOnly ? results.Select(r => r with { Test = null }).ToList() : results,
        };
        await using var stream = File.Create(Path.Combine(folder.FullName, "results.json"));
        await JsonSerializer.SerializeAsync(stream, document, Indented, cancellationToken);
    }
}
