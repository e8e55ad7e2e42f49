using System.CommandLine;
using System.Globalization;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.WalkForwards;
using Lineage.Storage;
using Spectre.Console;

namespace Lineage.Cli.WalkForwardRuns;

/// <summary>
/// `lineage walkforward`: expanding-window folds over one series, run as the walk-forward orchestration (each fold a
/// sub-orchestration of the training orchestrator) on the local runtime; out-of-sample per fold and overall.
/// </summary>
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
        var parallel = new Option<int>("--parallel-folds") { Description = $"Folds trained at once (1..{WalkForwardRequestValidator.MaxParallelFolds})", DefaultValueFactory = _ => 1 };
        var name = new Option<string?>("--name") { Description = "Name (folder under --out); default from dataset, seed and time" };
        var id = new Option<string?>("--id") { Description = "Walk-forward id (fold k runs as {id}-f{k}); default the --name as a run-id slug" };
        var resume = new Option<bool>("--resume") { Description = "Continue the walk-forward with this id: scored folds are kept, unfinished ones resume (same settings required)" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for walk-forward reports", DefaultValueFactory = _ => new DirectoryInfo("walkforward") };
        var command = new Command("walkforward", "Walk-forward evaluation as one orchestration: expanding-window folds, each trained, selected on its validation block and tested once on its own block; out-of-sample returns against buy-and-hold and the best simple rule, per fold and concatenated.")
        {
            dataset, folds, embargo, testBars, testFraction, validationFraction, syntheticBars, config, iterations, episodes, steps, updates, seed, parallel, name, id, resume, output,
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
                RunId = "",
                Dataset = chosenDataset,
                SyntheticBars = parse.GetValue(syntheticBars) ?? baseRun.SyntheticBars,
                Iterations = parse.GetValue(iterations) ?? baseRun.Iterations,
                EpisodesPerIteration = parse.GetValue(episodes) ?? baseRun.EpisodesPerIteration,
                StepsPerEpisode = parse.GetValue(steps) ?? baseRun.StepsPerEpisode,
                UpdatesPerIteration = parse.GetValue(updates) ?? baseRun.UpdatesPerIteration,
                Seed = parse.GetValue(seed) ?? baseRun.Seed,
            };
            var planName = parse.GetValue(name)
                ?? string.Create(CultureInfo.InvariantCulture, $"{Experiments.ExperimentMarkets.ShortName(baseRun.Dataset)}-s{baseRun.Seed}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            var request = new WalkForwardRequest
            {
                WalkForwardId = parse.GetValue(id) ?? IdFor(planName),
                Run = baseRun,
                Folds = parse.GetValue(folds),
                EmbargoBars = parse.GetValue(embargo),
                TestBars = parse.GetValue(testBars),
                TestFraction = parse.GetValue(testFraction),
                ValidationFraction = parse.GetValue(validationFraction),
                MaxParallelFolds = parse.GetValue(parallel),
                Resume = parse.GetValue(resume),
            };
            var commandLine = "lineage " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
            return await RunAsync(request, planName, CommonOptions.Read(parse), parse.GetValue(output)!, commandLine, ct);
        });
        return command;
    }

    /// <summary>A walk-forward id from a report name: a run-id slug short enough for its fold run ids.</summary>
    public static string IdFor(string name) => Experiments.ExperimentMarkets.Slug(name, WalkForwardBlobs.MaxIdLength) is { Length: > 0 } slug ? slug : "walkforward";

    /// <summary>Starts the walk-forward on the local runtime, waits for it, writes the report under <paramref name="output"/>/<paramref name="name"/>.</summary>
    public static async Task<int> RunAsync(WalkForwardRequest request, string name, CommonSettings settings, DirectoryInfo output, string commandLine, CancellationToken cancellationToken)
    {
        // Refuse bad input before starting storage and a Durable backend (the runtime's own start validates again).
        var errors = WalkForwardRequestValidator.Validate(request);
        if (errors.Count > 0)
        {
            Print(errors);
            return 2;
        }

        using var loggerFactory = CommonOptions.CreateLoggerFactory(settings);
        await using var runtime = await CommonOptions.StartRuntimeAsync(settings, loggerFactory, cancellationToken);
        var (exit, _) = await WalkForwardRunner.RunAsync(runtime, request, new DirectoryInfo(Path.Combine(output.FullName, name)), commandLine, cancellationToken);
        return exit;
    }

    private static void Print(IReadOnlyList<FieldError> errors)
    {
        AnsiConsole.MarkupLine("[red]The walk-forward is invalid:[/]");
        foreach (var error in errors)
        {
            AnsiConsole.MarkupLineInterpolated($"  [yellow]{error.Field}[/]: {error.Message}");
        }
    }
}
