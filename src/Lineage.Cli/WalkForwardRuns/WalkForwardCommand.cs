using System.CommandLine;
using System.Globalization;
using Lineage.Core.MarketData;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Runs;
using Spectre.Console;

namespace Lineage.Cli.WalkForwardRuns;

/// <summary>`lineage walkforward`: expanding-window folds over one series, each an ordinary training run; out-of-sample per fold and overall.</summary>
internal static class WalkForwardCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "Dataset reference (spy, synthetic:trend, dataset:{name}, blob:datasets/...)", DefaultValueFactory = _ => "synthetic:trend" };
        var folds = new Option<int>("--folds") { Description = "Number of folds (test blocks tiling the end of the series)", DefaultValueFactory = _ => 5 };
        var embargo = new Option<int?>("--embargo") { Description = "Bars between each validation block and its test block; default and minimum: the feature window + 1" };
        var testBars = new Option<int?>("--test-bars") { Description = "Bars per test block (default: --test-fraction of the series, shared by the folds)" };
        var testFraction = new Option<double>("--test-fraction") { Description = "Share of the series all test blocks cover together", DefaultValueFactory = _ => 0.5 };
        var validationFraction = new Option<double>("--validation-fraction") { Description = "Bars per validation block, as a share of the series", DefaultValueFactory = _ => 0.1 };
        var syntheticBars = new Option<int?>("--synthetic-bars") { Description = "Bars of the one generated series a synthetic dataset is folded over" };
        var config = new Option<FileInfo?>("--config") { Description = "A JSON training run (the HTTP body) as the base of every fold" };
        var iterations = new Option<int?>("--iterations") { Description = "Override the base run's iterations" };
        var episodes = new Option<int?>("--episodes") { Description = "Override the base run's episodes per iteration" };
        var steps = new Option<int?>("--steps") { Description = "Override the base run's steps per episode" };
        var updates = new Option<int?>("--updates") { Description = "Override the base run's learner updates per iteration" };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of every fold's run (and of a synthetic market's series)" };
        var name = new Option<string?>("--name") { Description = "Name (folder under --out); default from dataset, seed and time" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for walk-forward reports", DefaultValueFactory = _ => new DirectoryInfo("walkforward") };
        var command = new Command("walkforward", "Walk-forward evaluation: expanding-window folds, each trained, selected on its validation block and tested once on its own block; out-of-sample returns against buy-and-hold and the best simple rule, per fold and concatenated.")
        {
            dataset, folds, embargo, testBars, testFraction, validationFraction, syntheticBars, config, iterations, episodes, steps, updates, seed, name, output,
        };
        CommonOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (await CommonOptions.ReadConfigAsync(parse.GetValue(config), ct) is not { } baseRun)
            {
                return 2;
            }

            var chosenDataset = parse.GetResult(dataset) is { Implicit: false } || parse.GetValue(config) is null ? parse.GetValue(dataset)! : baseRun.Dataset;
            baseRun = baseRun with
            {
                Dataset = chosenDataset,
                SyntheticBars = parse.GetValue(syntheticBars) ?? baseRun.SyntheticBars,
                Iterations = parse.GetValue(iterations) ?? baseRun.Iterations,
                EpisodesPerIteration = parse.GetValue(episodes) ?? baseRun.EpisodesPerIteration,
                StepsPerEpisode = parse.GetValue(steps) ?? baseRun.StepsPerEpisode,
                UpdatesPerIteration = parse.GetValue(updates) ?? baseRun.UpdatesPerIteration,
                Seed = parse.GetValue(seed) ?? baseRun.Seed,
            };
            var options = new WalkForwardOptions
            {
                Folds = parse.GetValue(folds),
                EmbargoBars = parse.GetValue(embargo),
                TestBars = parse.GetValue(testBars),
                TestFraction = parse.GetValue(testFraction),
                ValidationFraction = parse.GetValue(validationFraction),
                Features = baseRun.Features,
            };
            if (options.Folds is < 1 or > 50)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--folds:[/] must be 1..50, got {options.Folds}.");
                return 2;
            }

            var planName = parse.GetValue(name)
                ?? string.Create(CultureInfo.InvariantCulture, $"{Experiments.ExperimentMarkets.ShortName(baseRun.Dataset)}-s{baseRun.Seed}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            var commandLine = "lineage " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
            return await RunAsync(new WalkForwardPlan(planName, baseRun, options), CommonOptions.Read(parse), parse.GetValue(output)!, commandLine, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(WalkForwardPlan plan, CommonSettings settings, DirectoryInfo output, string commandLine, CancellationToken cancellationToken)
    {
        var errors = TrainingRunValidator.Validate(plan.BaseRun with { RunId = "wf-check" });
        if (errors.Count > 0)
        {
            AnsiConsole.MarkupLine("[red]The base training run is invalid:[/]");
            foreach (var error in errors)
            {
                AnsiConsole.MarkupLineInterpolated($"  [yellow]{error.Field}[/]: {error.Message}");
            }

            return 2;
        }

        using var loggerFactory = CommonOptions.CreateLoggerFactory(settings);
        await using var runtime = await CommonOptions.StartRuntimeAsync(settings, loggerFactory, cancellationToken);
        PriceSeries series;
        IReadOnlyList<WalkForwardFold> folds;
        WalkForwardPlan resolved;
        try
        {
            var (baseRun, whole, layout) = await WalkForwardRunner.LayOutAsync(runtime, plan, cancellationToken);
            (resolved, series, folds) = (plan with { BaseRun = baseRun }, whole, layout);
        }
        catch (ArgumentException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Cannot lay out the folds:[/] {ex.Message}");
            return 2;
        }

        var folder = Directory.CreateDirectory(Path.Combine(output.FullName, plan.Name));
        Console.WriteLine(Text($"Walk-forward {plan.Name} on {resolved.BaseRun.Dataset} ({series.Count} bars, {series.Times[0]:yyyy-MM-dd} – {series.Times[^1]:yyyy-MM-dd}): {folds.Count} folds, test blocks of {folds[0].TestBars} bars, validation {folds[0].ValidationBars}, embargo {folds[0].EmbargoBars}; {resolved.BaseRun.Iterations} iterations × {resolved.BaseRun.EpisodesPerIteration} episodes × {resolved.BaseRun.StepsPerEpisode} steps per fold, seed {resolved.BaseRun.Seed}"));
        var results = await WalkForwardRunner.RunAsync(
            runtime,
            resolved,
            series,
            folds,
            folder,
            (fold, run) => Console.WriteLine(Text(
                $"Fold {fold.Index + 1}/{folds.Count} ({run.RunId}): train [0, {fold.TrainBars}) {series.Times[0]:yyyy-MM-dd} – {series.Times[fold.TrainBars - 1]:yyyy-MM-dd}, validate [{fold.ValidationStart}, {fold.ValidationEnd}), embargo {fold.EmbargoBars}, test [{fold.TestStart}, {fold.TestEnd}) {series.Times[fold.TestStart]:yyyy-MM-dd} – {series.Times[fold.TestEnd - 1]:yyyy-MM-dd} …")),
            r => Console.WriteLine(Text(
                $"Fold {r.Fold + 1}/{folds.Count} {r.Status} in {r.Seconds:F0}s: test return agent {WalkForwardReport.P(r.Agent?.Return)}, buy & hold {WalkForwardReport.P(r.BuyAndHold?.Return)}, {r.BestRule?.Name ?? "best rule"} {WalkForwardReport.P(r.BestRule?.Return)}")),
            cancellationToken);
        var overall = WalkForwardRunner.Overall(results, series.BarsPerYear, resolved.BaseRun.BootstrapDraws, resolved.BaseRun.Seed);
        await WalkForwardReport.WriteAsync(folder, resolved, series, folds, results, overall, commandLine, cancellationToken);
        Print(results, overall, resolved);
        Console.WriteLine($"Report: {Path.Combine(folder.FullName, WalkForwardReport.Markdown)}");
        return results.All(r => r.Status == nameof(RunState.Completed)) ? 0 : 1;
    }

    /// <summary>Plain aligned text, not a Spectre table: it stays one row per fold in a log or a pipe (80 columns there).</summary>
    private static void Print(IReadOnlyList<FoldResult> results, WalkForwardOverall? overall, WalkForwardPlan plan)
    {
        Console.WriteLine(Text($"Walk-forward out-of-sample, after fees {plan.BaseRun.Arena.FeeBps:G} bps + slippage {plan.BaseRun.Arena.SlippageBps:G} bps per fill, cash at {plan.BaseRun.Arena.CashRate:P2} a year; Sharpe annualised; rule chosen on each fold's validation block"));
        Console.WriteLine(Row("fold", "test window", "bars", "agent", "SR", "b&h", "SR", "best rule", "rule", "SR", "status"));
        foreach (var r in results)
        {
            Console.WriteLine(Row(
                Text($"{r.Fold}"),
                Text($"{r.TestFrom:yyyy-MM-dd} – {r.TestTo:yyyy-MM-dd}"),
                Text($"{r.TestEnd - r.TestStart}"),
                WalkForwardReport.P(r.Agent?.Return),
                WalkForwardReport.F(r.Agent?.Sharpe),
                WalkForwardReport.P(r.BuyAndHold?.Return),
                WalkForwardReport.F(r.BuyAndHold?.Sharpe),
                r.BestRule?.Name ?? "—",
                WalkForwardReport.P(r.BestRule?.Return),
                WalkForwardReport.F(r.BestRule?.Sharpe),
                r.Status));
        }

        if (overall is null)
        {
            Console.WriteLine("No fold completed: no out-of-sample series.");
            return;
        }

        Console.WriteLine(Row(
            "all",
            Text($"{overall.From:yyyy-MM-dd} – {overall.To:yyyy-MM-dd}"),
            Text($"{overall.Bars}"),
            WalkForwardReport.P(overall.Agent.Return),
            WalkForwardReport.F(overall.Agent.Sharpe),
            WalkForwardReport.P(overall.BuyAndHold.Return),
            WalkForwardReport.F(overall.BuyAndHold.Sharpe),
            "(each fold's)",
            WalkForwardReport.P(overall.BestRule.Return),
            WalkForwardReport.F(overall.BestRule.Sharpe),
            Text($"{overall.Folds} folds concatenated")));
        if (overall.Bootstrap is { } b)
        {
            foreach (var e in b.Baselines)
            {
                Console.WriteLine(Text(
                    $"Overall agent − {e.Baseline}: excess return {e.ExcessReturn.Point:P1} [{e.ExcessReturn.Lower:P1}, {e.ExcessReturn.Upper:P1}], excess Sharpe {e.ExcessSharpe.Point:F2} [{e.ExcessSharpe.Lower:F2}, {e.ExcessSharpe.Upper:F2}] ({b.Confidence:P0} paired stationary bootstrap, {b.Draws} draws)"));
            }
        }
    }

    private static string Row(string fold, string window, string bars, string agent, string agentSharpe, string hold, string holdSharpe, string rule, string ruleReturn, string ruleSharpe, string status) =>
        Text($"{fold,-4} {window,-23} {bars,5} {agent,9} {agentSharpe,6} {hold,9} {holdSharpe,6}  {rule,-24} {ruleReturn,9} {ruleSharpe,6}  {status}");

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
