using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Lineage.Hosting;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Populations;
using Lineage.Orchestration.Runs;
using Lineage.Storage;
using Spectre.Console;

namespace Lineage.Cli.PopulationRuns;

/// <summary>
/// `lineage population`: population-based training as one orchestration on the local runtime (each member a sub-orchestration
/// of the training orchestrator); `lineage population show` prints a population's tree from storage.
/// </summary>
internal static class PopulationCommand
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "Dataset reference (spy, synthetic:trend, dataset:{name}, blob:datasets/...)", DefaultValueFactory = _ => "synthetic:trend" };
        var config = new Option<FileInfo?>("--config") { Description = "A JSON training run (the HTTP body) as the base of every member" };
        var space = new Option<FileInfo?>("--search-space") { Description = "A JSON search space (learningRate, gamma, targetUpdateInterval, batchSize, epsilonDecayFraction ranges); default: the built-in one" };
        var members = new Option<int>("--members") { Description = "Members of the population", DefaultValueFactory = _ => 8 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds (exploit and explore after each but the last)", DefaultValueFactory = _ => 5 };
        var perRound = new Option<int>("--iterations-per-round") { Description = "Training iterations of every member per round", DefaultValueFactory = _ => 4 };
        var episodes = new Option<int?>("--episodes") { Description = "Override the base run's episodes per iteration" };
        var steps = new Option<int?>("--steps") { Description = "Override the base run's steps per episode" };
        var updates = new Option<int?>("--updates") { Description = "Override the base run's learner updates per iteration" };
        var seed = new Option<ulong>("--seed") { Description = "The population's seed (hyperparameter draws, exploit and explore, the members' run seeds)", DefaultValueFactory = _ => 42 };
        var quantile = new Option<double>("--exploit-quantile") { Description = "Share of members that exploit after a round (the bottom) and that donate (the top)", DefaultValueFactory = _ => 0.25 };
        var parallel = new Option<int>("--parallel-members") { Description = $"Members trained at once (1..{PopulationRequestValidator.MaxParallelMembers})", DefaultValueFactory = _ => 2 };
        var name = new Option<string?>("--name") { Description = "Name (folder under --out); default from dataset, seed and time" };
        var id = new Option<string?>("--id") { Description = "Population id (member k runs as {id}-m{k}); default the --name as a run-id slug" };
        var resume = new Option<bool>("--resume") { Description = "Continue the population with this id from its lineage record (same settings required)" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for population reports", DefaultValueFactory = _ => new DirectoryInfo("populations") };
        var command = new Command("population", "Population-based training as one orchestration: members with hyperparameters drawn from a search space train in rounds; after each round the weakest copy a strong member's weights, optimizer and replay and explore; the best on validation is tested once and gated, every member counted as a trial.")
        {
            dataset, config, space, members, rounds, perRound, episodes, steps, updates, seed, quantile, parallel, name, id, resume, output,
        };
        CommonOptions.AddTo(command);
        command.Subcommands.Add(Show());
        command.SetAction(async (parse, ct) =>
        {
            if (await CommonOptions.ReadConfigAsync(parse.GetValue(config), ct) is not { } baseRun || await ReadSpaceAsync(parse.GetValue(space), ct) is not { } searchSpace)
            {
                return 2;
            }

            baseRun = baseRun with
            {
                RunId = "",
                Dataset = parse.GetResult(dataset) is { Implicit: false } || parse.GetValue(config) is null ? parse.GetValue(dataset)! : baseRun.Dataset,
                EpisodesPerIteration = parse.GetValue(episodes) ?? baseRun.EpisodesPerIteration,
                StepsPerEpisode = parse.GetValue(steps) ?? baseRun.StepsPerEpisode,
                UpdatesPerIteration = parse.GetValue(updates) ?? baseRun.UpdatesPerIteration,
            };
            var planName = parse.GetValue(name)
                ?? string.Create(CultureInfo.InvariantCulture, $"{Experiments.ExperimentMarkets.ShortName(baseRun.Dataset)}-pbt-s{parse.GetValue(seed)}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            var request = new PopulationRequest
            {
                PopulationId = parse.GetValue(id) ?? IdFor(planName),
                Run = baseRun,
                Members = parse.GetValue(members),
                Rounds = parse.GetValue(rounds),
                IterationsPerRound = parse.GetValue(perRound),
                SearchSpace = searchSpace,
                ExploitQuantile = parse.GetValue(quantile),
                Seed = parse.GetValue(seed),
                MaxParallelMembers = parse.GetValue(parallel),
                Resume = parse.GetValue(resume),
            };
            var commandLine = "lineage " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
            return await RunAsync(request, planName, CommonOptions.Read(parse), parse.GetValue(output)!, commandLine, ct);
        });
        return command;
    }

    /// <summary>A population id from a report name: a run-id slug short enough for its member run ids.</summary>
    public static string IdFor(string name) => Experiments.ExperimentMarkets.Slug(name, PopulationBlobs.MaxIdLength) is { Length: > 0 } slug ? slug : "population";

    private static Command Show()
    {
        var id = new Option<string>("--id") { Description = "The population id", Required = true };
        var command = new Command("show", "Print a population's family tree (each round's ranking, exploits and explores, every member's line of descent) from storage.") { id };
        CommonOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var populationId = parse.GetValue(id)!;
            if (PopulationBlobs.Validate(populationId) is { } error)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{error}[/]");
                return 2;
            }

            var settings = CommonOptions.Read(parse);
            using var loggerFactory = CommonOptions.CreateLoggerFactory(settings);
            await using var runtime = await CommonOptions.StartRuntimeAsync(settings, loggerFactory, ct, runWorker: false);
            var view = await runtime.Runs.Populations.GetViewAsync(populationId, ct);
            if (view?.Lineage is not { } record)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]Population '{populationId}' has no lineage record in container {settings.Container}.[/]");
                return 1;
            }

            Console.WriteLine(Text($"Population {populationId}: {view.Status}"));
            Console.Write(PopulationReport.Tree(record, view.Result));
            return 0;
        });
        return command;
    }

    public static async Task<int> RunAsync(PopulationRequest request, string name, CommonSettings settings, DirectoryInfo output, string commandLine, CancellationToken cancellationToken)
    {
        // Refuse bad input before starting storage and a Durable backend (the runtime's own start validates again).
        var errors = PopulationRequestValidator.Validate(request);
        if (errors.Count > 0)
        {
            AnsiConsole.MarkupLine("[red]The population is invalid:[/]");
            foreach (var error in errors)
            {
                AnsiConsole.MarkupLineInterpolated($"  [yellow]{error.Field}[/]: {error.Message}");
            }

            return 2;
        }

        using var loggerFactory = CommonOptions.CreateLoggerFactory(settings);
        await using var runtime = await CommonOptions.StartRuntimeAsync(settings, loggerFactory, cancellationToken);
        return await RunAsync(runtime, request, new DirectoryInfo(Path.Combine(output.FullName, name)), commandLine, cancellationToken);
    }

    /// <summary>Starts the population, follows its rounds, prints the tree and writes the report. Exit code: 0 completed, 1 not, 2 refused.</summary>
    public static async Task<int> RunAsync(LocalRuntime runtime, PopulationRequest request, DirectoryInfo folder, string commandLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(request);
        var service = runtime.Runs.Populations;
        var response = await service.StartAsync(request, cancellationToken);
        if (response.Body is not PopulationAccepted accepted)
        {
            PrintRefusal(response);
            return 2;
        }

        var run = request.Run;
        Console.WriteLine(Text(
            $"Population {accepted.PopulationId}{(accepted.Resume ? " (resumed)" : "")} on {accepted.Dataset}: {request.Members} members × {request.Rounds} rounds × {request.IterationsPerRound} iterations ({run.EpisodesPerIteration} episodes × {run.StepsPerEpisode} steps, {run.UpdatesPerIteration} updates an iteration), seed {request.Seed}, up to {request.MaxParallelMembers} member(s) at once"));
        var view = await FollowAsync(service, request.PopulationId, cancellationToken);
        if (view.Lineage is { } record)
        {
            Console.Write(PopulationReport.Tree(record, view.Result));
            await PopulationReport.WriteAsync(folder, request, record, view.Result, runtime.Storage.Container, commandLine, cancellationToken);
            Console.WriteLine($"Report: {Path.Combine(folder.FullName, PopulationReport.Markdown)}");
        }

        if (view.Result is { Test: { } test } result)
        {
            var table = new Table().Title($"Population {request.PopulationId}: {view.Status}").AddColumns("", "value");
            table.AddRow("candidate", Markup.Escape(Text($"member {result.Best!.Member} ({result.Best.RunId}, update {result.Best.CheckpointUpdate}), validation {PopulationReport.P(result.Best.ValidationReturn)}")));
            Summary.AddEvaluation(table, "test (candidate, once)", test);
            if (result.Promotion is { } promotion)
            {
                table.AddRow("gate", Markup.Escape($"{promotion.Model}: {promotion.Reason}"));
            }

            AnsiConsole.Write(table);
            return 0;
        }

        AnsiConsole.MarkupLineInterpolated($"[red]Population {request.PopulationId} {view.Status}:[/] {view.Failure ?? string.Join(" ", view.Result?.Notes ?? [])}");
        return 1;
    }

    /// <summary>Polls the population, printing a line as each round starts and as each member's status changes.</summary>
    private static async Task<PopulationStatusView> FollowAsync(PopulationService service, string populationId, CancellationToken cancellationToken)
    {
        var printed = new Dictionary<(int Round, int Member), string>();
        var round = -1;
        while (true)
        {
            var view = await service.GetViewAsync(populationId, cancellationToken)
                ?? throw new InvalidOperationException($"Population '{populationId}' disappeared from this host's store.");
            if (view.Progress is { } progress)
            {
                if (progress.Round != round && progress.Members.Count > 0)
                {
                    round = progress.Round;
                    Console.WriteLine(Text($"Round {round + 1}/{progress.Rounds}: {progress.Phase}"));
                }

                foreach (var member in progress.Members)
                {
                    if (!printed.TryGetValue((progress.Round, member.Member), out var last) || last != member.Status)
                    {
                        printed[(progress.Round, member.Member)] = member.Status;
                        Console.WriteLine(Text($"  m{member.Member} ({member.RunId}, generation {member.Generation}): {member.Status}"));
                    }
                }
            }

            if (!RunStates.IsActive(Enum.Parse<RunState>(view.Status)))
            {
                return view;
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }

    private static async Task<PopulationSearchSpace?> ReadSpaceAsync(FileInfo? file, CancellationToken cancellationToken)
    {
        if (file is null)
        {
            return new PopulationSearchSpace();
        }

        try
        {
            return JsonSerializer.Deserialize<PopulationSearchSpace>(await File.ReadAllTextAsync(file.FullName, cancellationToken), LineageJson.Strict) ?? new PopulationSearchSpace();
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Cannot read --search-space:[/] {ex.Message}");
            return null;
        }
    }

    private static void PrintRefusal(ApiResponse response)
    {
        if (response.Body is ErrorBody error)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]The population was not started ({response.Outcome}):[/] {error.Error}");
            foreach (var field in error.Fields)
            {
                AnsiConsole.MarkupLineInterpolated($"  [yellow]{field.Field}[/]: {field.Message}");
            }

            if (response.Outcome == ApiOutcome.Conflict && error.Error.Contains("\"resume\": true", StringComparison.Ordinal))
            {
                AnsiConsole.MarkupLine("With the CLI: [yellow]--resume[/], with the same [yellow]--id[/] (or [yellow]--name[/]) and settings.");
            }

            return;
        }

        AnsiConsole.MarkupLineInterpolated($"[red]The population was not started ({response.Outcome}):[/] {JsonSerializer.Serialize(response.Body, LineageJson.Options)}");
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
