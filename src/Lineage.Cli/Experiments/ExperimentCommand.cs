using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Lineage.Orchestration.Api;
using Spectre.Console;

namespace Lineage.Cli.Experiments;

/// <summary>`lineage experiment`: N agent seeds (× M market seeds on synthetic markets) per variant and market through the real pipeline, aggregated with 95% CIs.</summary>
internal static class ExperimentCommand
{
    public static Command Create()
    {
        var markets = new Option<string[]>("--market")
        {
            Description = "Markets (repeat or comma-separate): trend, meanrev, randomwalk, a bundled series (spy, googl, aapl, msft, c, brent, natgas, usdjpy, gbpusd, usdcad, usdchf daily; eurusd hourly), or any dataset reference",
            DefaultValueFactory = _ => ["trend"],
            AllowMultipleArgumentsPerToken = true,
        };
        var variants = new Option<string[]>("--variant")
        {
            Description = $"Variants to compare on the same seeds (repeat or comma-separate): {string.Join(", ", ExperimentVariants.All.Select(v => v.Name))}",
            DefaultValueFactory = _ => [ExperimentVariants.Default],
            AllowMultipleArgumentsPerToken = true,
        };
        var seeds = new Option<int>("--seeds") { Description = "Agent seeds (network initialisation, exploration, replay sampling) per variant, market and market seed", DefaultValueFactory = _ => 5 };
        var firstSeed = new Option<ulong>("--first-seed") { Description = "Seeds are first-seed, first-seed + 1, ...", DefaultValueFactory = _ => 1 };
        var marketSeeds = new Option<int>("--market-seeds") { Description = "Synthetic markets: generated market paths (train/validation/test series) per agent seed; file datasets are one path and ignore it", DefaultValueFactory = _ => 1 };
        var firstMarketSeed = new Option<ulong>("--first-market-seed") { Description = "Market seeds are first-market-seed, first-market-seed + 1, ...", DefaultValueFactory = _ => 1 };
        var config = new Option<FileInfo?>("--config") { Description = "A JSON training run (the HTTP body) as the base of every variant" };
        var iterations = new Option<int?>("--iterations") { Description = "Override the base run's iterations" };
        var episodes = new Option<int?>("--episodes") { Description = "Override the base run's episodes per iteration" };
        var steps = new Option<int?>("--steps") { Description = "Override the base run's steps per episode" };
        var updates = new Option<int?>("--updates") { Description = "Override the base run's learner updates per iteration" };
        var name = new Option<string?>("--name") { Description = "Experiment name (folder under --out); default from markets, variants and time" };
        var model = new Option<string?>("--model") { Description = "Model whose trials the runs are recorded as (one market only); default the one named after each market's dataset" };
        var promote = new Option<bool>("--promote") { Description = "Let the gate promote the runs' candidates; by default they are recorded as trials of the model and never change its champion" };
        var validationOnly = new Option<bool>("--validation-only") { Description = "Tuning mode: report validation scores only, never the test split" };
        var walkForward = new Option<bool>("--walk-forward")
        {
            Description = "Instead of one train/validation/test split per run, evaluate every variant × market × seed walk-forward (as `lineage walkforward`, one orchestration each; folds never promote)",
        };
        var folds = new Option<int>("--folds") { Description = "With --walk-forward: folds per walk-forward", DefaultValueFactory = _ => 5 };
        var parallelFolds = new Option<int>("--parallel-folds") { Description = "With --walk-forward: folds trained at once", DefaultValueFactory = _ => 1 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for experiment reports", DefaultValueFactory = _ => new DirectoryInfo("experiments") };
        var snr = CommonOptions.SignalToNoise("It applies to the trend and meanrev markets; randomwalk and files run without it.");
        var command = new Command("experiment", "Train N seeds per variant and market through the real pipeline; report test scores against baselines with 95% confidence intervals (or, with --walk-forward, each walk-forward).")
        {
            markets, variants, seeds, firstSeed, marketSeeds, firstMarketSeed, config, iterations, episodes, steps, updates, snr, model, promote, name, validationOnly, walkForward, folds, parallelFolds, output,
        };
        CommonOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (await CommonOptions.ReadConfigAsync(parse.GetValue(config), ct) is not { } baseRun)
            {
                return 2;
            }

            baseRun = baseRun with
            {
                Iterations = parse.GetValue(iterations) ?? baseRun.Iterations,
                EpisodesPerIteration = parse.GetValue(episodes) ?? baseRun.EpisodesPerIteration,
                StepsPerEpisode = parse.GetValue(steps) ?? baseRun.StepsPerEpisode,
                UpdatesPerIteration = parse.GetValue(updates) ?? baseRun.UpdatesPerIteration,
                SyntheticSignalToNoise = parse.GetValue(snr) ?? baseRun.SyntheticSignalToNoise,
                Model = parse.GetValue(model) ?? baseRun.Model,
                // An experiment never replaces a champion unless asked: today's nightly champion stays.
                Promote = parse.GetValue(promote),
            };
            var marketList = Split(parse.GetValue(markets)!);
            if (baseRun.Model is not null && marketList.Count > 1)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--model:[/] '{baseRun.Model}' would mix the trials of {marketList.Count} markets in one model; give one --market, or leave --model out.");
                return 2;
            }

            var variantNames = Split(parse.GetValue(variants)!);
            var unknown = variantNames.Where(v => ExperimentVariants.Find(v) is null).ToList();
            if (unknown.Count > 0)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--variant:[/] unknown '{string.Join("', '", unknown)}'; expected {string.Join(", ", ExperimentVariants.All.Select(v => v.Name))}.");
                return 2;
            }

            var seedCount = parse.GetValue(seeds);
            if (seedCount is < 1 or > 100)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--seeds:[/] must be 1..100, got {seedCount}.");
                return 2;
            }

            var marketSeedCount = parse.GetValue(marketSeeds);
            if (marketSeedCount is < 1 or > 100)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--market-seeds:[/] must be 1..100, got {marketSeedCount}.");
                return 2;
            }

            var first = parse.GetValue(firstSeed);
            var experimentName = parse.GetValue(name)
                ?? string.Create(CultureInfo.InvariantCulture, $"{string.Join("+", marketList.Select(ExperimentMarkets.ShortName))}-{string.Join("+", variantNames)}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            var plan = new ExperimentPlan(
                experimentName,
                marketList,
                [.. variantNames.Select(v => ExperimentVariants.Find(v)!)],
                [.. Enumerable.Range(0, seedCount).Select(i => first + (ulong)i)],
                baseRun,
                parse.GetValue(validationOnly)) { MarketSeeds = [.. Enumerable.Range(0, marketSeedCount).Select(i => parse.GetValue(firstMarketSeed) + (ulong)i)] };
            var commandLine = "lineage " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
            if (parse.GetValue(walkForward))
            {
                if (plan.ValidationOnly || parse.GetValue(promote) || parse.GetValue(model) is not null)
                {
                    AnsiConsole.MarkupLine("[red]--walk-forward:[/] folds are scored out of sample once and never promote; --validation-only, --promote and --model do not apply.");
                    return 2;
                }

                return await RunWalkForwardsAsync(plan, parse.GetValue(folds), parse.GetValue(parallelFolds), CommonOptions.Read(parse), parse.GetValue(output)!, commandLine, ct);
            }

            return await RunAsync(plan, CommonOptions.Read(parse), parse.GetValue(output)!, commandLine, ct);
        });
        return command;
    }

    private static List<string> Split(IEnumerable<string> values) =>
        [.. values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal)];

    private static async Task<int> RunAsync(ExperimentPlan plan, CommonSettings settings, DirectoryInfo output, string commandLine, CancellationToken cancellationToken)
    {
        if (plan.Problems(ExperimentPlan.NewStamp()) is { Count: > 0 } problems)
        {
            foreach (var problem in problems)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{problem}[/]");
            }

            return 2;
        }

        var folder = Directory.CreateDirectory(Path.Combine(output.FullName, plan.Name));
        using var loggerFactory = CommonOptions.CreateLoggerFactory(settings);
        AnsiConsole.MarkupLineInterpolated($"[bold]Experiment[/] [cyan]{plan.Name}[/]: {plan.RunCount} runs ({string.Join(", ", plan.Markets)} × {string.Join(", ", plan.Variants.Select(v => v.Name))} × seeds {string.Join(", ", plan.Seeds)}{(plan.Markets.Any(ExperimentMarkets.IsSynthetic) ? $"; synthetic markets × market seeds {string.Join(", ", plan.MarketSeeds)}" : "")}){(plan.ValidationOnly ? ", validation only" : "")}{(plan.BaseRun.SyntheticSignalToNoise is { } s ? $"; signal-to-noise {s} on {string.Join(", ", plan.Markets.Where(ExperimentPlan.TakesSignalToNoise).DefaultIfEmpty("no market (trend and meanrev only)"))}" : "")}");
        if (plan.Markets.Where(m => !ExperimentMarkets.IsSynthetic(m)).ToList() is { Count: > 0 } files)
        {
            AnsiConsole.MarkupLineInterpolated($"{string.Join(", ", files)}: a file is one market path, so market seeds do not apply: one run per agent seed{(plan.MarketSeeds.Count > 1 ? $" (not × {plan.MarketSeeds.Count} market seeds)" : "")}; its path uncertainty is each run's block bootstrap.");
        }

        AnsiConsole.MarkupLineInterpolated($"Each run's candidate is recorded as a trial of {(plan.BaseRun.Model is { } m ? $"model '{m}'" : "the model named after its market's dataset")}; {(plan.BaseRun.Promote ? "the gate may promote it (--promote)" : "it never changes the champion (no --promote)")}.");
        await using var runtime = await CommonOptions.StartRuntimeAsync(settings, loggerFactory, cancellationToken);
        var results = await ExperimentRunner.RunAsync(runtime, plan, folder, r => Print(r, plan.ValidationOnly), cancellationToken);
        await ExperimentReport.WriteAsync(folder, plan, results, commandLine, cancellationToken);
        foreach (var table in ExperimentConsole.Tables(plan, results))
        {
            AnsiConsole.Write(table);
        }

        AnsiConsole.MarkupLineInterpolated($"Report: {Path.Combine(folder.FullName, "summary.md")}");
        return results.All(r => r.Status == nameof(RunState.Completed)) ? 0 : 1;
    }

    /// <summary>
    /// `experiment --walk-forward`: the experiment's variant × market × seed grid, each a walk-forward orchestration (the
    /// default fold layout, <paramref name="folds"/> folds) reported under {out}/{name}/{walk-forward id}/ as `lineage walkforward` reports.
    /// </summary>
    private static async Task<int> RunWalkForwardsAsync(ExperimentPlan plan, int folds, int parallelFolds, CommonSettings settings, DirectoryInfo output, string commandLine, CancellationToken cancellationToken)
    {
        var stamp = DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        var requests = new List<Orchestration.WalkForwards.WalkForwardRequest>();
        foreach (var market in plan.Markets)
        {
            foreach (var variant in plan.Variants)
            {
                foreach (var seed in plan.Seeds)
                {
                    var run = plan.RunFor(variant, market, seed, stamp);
                    requests.Add(new Orchestration.WalkForwards.WalkForwardRequest
                    {
                        WalkForwardId = WalkForwardRuns.WalkForwardCommand.IdFor(string.Create(CultureInfo.InvariantCulture, $"wf-{variant.Name}-{ExperimentMarkets.ShortName(run.Dataset)}-s{seed}-{stamp}")),
                        Run = run with { RunId = "", Promote = false },
                        Folds = folds,
                        MaxParallelFolds = parallelFolds,
                    });
                }
            }
        }

        foreach (var error in requests.SelectMany(Orchestration.WalkForwards.WalkForwardRequestValidator.Validate).DistinctBy(e => e.Field + e.Message))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{error.Field}:[/] {error.Message}");
        }

        if (requests.Any(r => Orchestration.WalkForwards.WalkForwardRequestValidator.Validate(r).Count > 0))
        {
            return 2;
        }

        AnsiConsole.MarkupLineInterpolated($"[bold]Experiment[/] [cyan]{plan.Name}[/], walk-forward: {requests.Count} walk-forwards of {folds} folds ({string.Join(", ", plan.Markets)} × {string.Join(", ", plan.Variants.Select(v => v.Name))} × seeds {string.Join(", ", plan.Seeds)})");
        using var loggerFactory = CommonOptions.CreateLoggerFactory(settings);
        await using var runtime = await CommonOptions.StartRuntimeAsync(settings, loggerFactory, cancellationToken);
        var exit = 0;
        foreach (var request in requests)
        {
            var folder = new DirectoryInfo(Path.Combine(output.FullName, plan.Name, request.WalkForwardId));
            var (code, _) = await WalkForwardRuns.WalkForwardRunner.RunAsync(runtime, request, folder, commandLine, cancellationToken);
            exit = Math.Max(exit, code);
        }

        return exit;
    }

    private static void Print(SeedResult r, bool validationOnly)
    {
        var s = ExperimentReport.Scored(r, validationOnly);
        var figures = s is null
            ? "no evaluation"
            : string.Create(CultureInfo.InvariantCulture,
                $"{(validationOnly ? "validation" : "test")} return {s.Return:P1} (b&h {s.BuyAndHold:P1}, random {s.RandomMean:P1}{(s.Reference is { } rf ? $", reference {rf:P1}" : "")}{(s.Oracle is { } o ? $", oracle {o:P1}" : "")}) score {(s.Score is { } sc ? sc.ToString("F2", CultureInfo.InvariantCulture) : "—")}, Sharpe {s.Sharpe:F2}, max DD {s.MaxDrawdown:P1}, {s.Trades} trades");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Variant,-15} {r.Market,-10} {(r.MarketSeed is { } ms ? $"market seed {ms,-3} " : "")}seed {r.Seed,-3} {r.Status,-9} {r.Seconds,5:F0}s it {r.SelectedIteration}: {figures}"));
    }
}
