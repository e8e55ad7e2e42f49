using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Lineage.Hosting;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Runs;
using Lineage.Storage;

namespace Lineage.Cli.Experiments;

/// <summary>What to run: every variant on every market for every seed, each a full training run.</summary>
internal sealed record ExperimentPlan(
    string Name,
    IReadOnlyList<string> Markets,
    IReadOnlyList<ExperimentVariant> Variants,
    IReadOnlyList<ulong> Seeds,
    TrainingRun BaseRun,
    bool ValidationOnly)
{
    public int RunCount => Markets.Count * Variants.Count * Seeds.Count;

    public TrainingRun RunFor(ExperimentVariant variant, string market, ulong seed, string stamp)
    {
        ArgumentNullException.ThrowIfNull(variant);
        var runId = string.Create(CultureInfo.InvariantCulture, $"x-{ExperimentMarkets.Slug(variant.Name, 14)}-{ExperimentMarkets.Slug(ExperimentMarkets.ShortName(ExperimentMarkets.Dataset(market)), 14)}-s{seed}-{stamp}");
        return variant.Apply(BaseRun) with
        {
            Dataset = ExperimentMarkets.Dataset(market),
            Seed = seed,
            RunId = runId,
            Resume = false,
        };
    }
}

/// <summary>
/// Runs an experiment through the real pipeline: each (variant, market, seed) is a training run on the
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
        var stamp = DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        var runsFolder = new DirectoryInfo(Path.Combine(folder.FullName, "runs"));
        foreach (var market in plan.Markets)
        {
            foreach (var variant in plan.Variants)
            {
                foreach (var seed in plan.Seeds)
                {
                    var run = plan.RunFor(variant, market, seed, stamp);
                    var errors = TrainingRunValidator.Validate(run);
                    if (errors.Count > 0)
                    {
                        throw new ArgumentException($"Variant '{variant.Name}' on '{market}' seed {seed} is not a valid run: " +
                            string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
                    }

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
            }
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
            plan.BaseRun,
            plan.ValidationOnly,
            Results = plan.ValidationOnly ? results.Select(r => r with { Test = null }).ToList() : results,
        };
        await using var stream = File.Create(Path.Combine(folder.FullName, "results.json"));
        await JsonSerializer.SerializeAsync(stream, document, Indented, cancellationToken);
    }
}
