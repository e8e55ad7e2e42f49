using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Lineage.Hosting;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Runs;
using Lineage.Storage;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Lineage.Cli;

/// <summary>`lineage train`: start (or resume) a run on the local host and follow it to the end.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "a bundled series (spy, googl, aapl, msft, c, brent, natgas, usdjpy, gbpusd, usdcad, usdchf daily; eurusd hourly) | dataset:<name>[@<version>] (pushed with `lineage dataset push`) | synthetic:trend | synthetic:meanrev | synthetic:randomwalk | blob:datasets/<name>/<file>.csv", DefaultValueFactory = _ => "synthetic:trend" };
        var iterations = new Option<int?>("--iterations") { Description = "Iterations (episodes fan-out + train step each); default 20" };
        var episodes = new Option<int?>("--episodes") { Description = "Episodes per iteration; default 8" };
        var episodesPerActivity = new Option<int?>("--episodes-per-activity") { Description = "Episodes one actor activity plays in turn (each its own seed and shard: the same run); default 1" };
        var steps = new Option<int?>("--steps") { Description = "Steps per episode; default 256" };
        var updates = new Option<int?>("--updates") { Description = "Learner updates per iteration; default 256" };
        var seed = new Option<ulong?>("--seed") { Description = "Seed for everything random; default 42" };
        var runId = new Option<string?>("--run-id") { Description = "Run id (lowercase letters, digits, hyphens); default <dataset>-<seed>-<time>" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run from its latest checkpoint" };
        var model = new Option<string?>("--model") { Description = "Model whose champion the run's candidate competes for; default the one named after the dataset" };
        var noPromote = new Option<bool>("--no-promote") { Description = "Record the run's candidate as a trial of its model, but never change the champion" };
        var config = new Option<FileInfo?>("--config") { Description = "A JSON training run (the HTTP body); command-line options override it" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the run report", DefaultValueFactory = _ => new DirectoryInfo("runs") };
        var snr = CommonOptions.SignalToNoise("A random walk or a file refuses it.");
        var universe = new Option<string?>("--universe")
        {
            Description = "Comma-separated file datasets that train the run beside --dataset (each episode samples an asset; each cut at the end of the run's training split, with its own normaliser); validation, test and the gate stay on --dataset",
        };
        var command = new Command("train", "Train a DQN trading agent: the Durable orchestration on the local host, state in Azurite.")
        {
            dataset, universe, iterations, episodes, episodesPerActivity, steps, updates, seed, snr, runId, resume, model, noPromote, config, output,
        };
        CommonOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (await CommonOptions.ReadConfigAsync(parse.GetValue(config), ct) is not { } run)
            {
                return 2;
            }

            var chosenSeed = parse.GetValue(seed) ?? run.Seed;
            var chosenDataset = parse.GetResult(dataset) is { Implicit: false } || parse.GetValue(config) is null ? parse.GetValue(dataset)! : run.Dataset;
            run = run with
            {
                Dataset = chosenDataset,
                Iterations = parse.GetValue(iterations) ?? run.Iterations,
                EpisodesPerIteration = parse.GetValue(episodes) ?? run.EpisodesPerIteration,
                EpisodesPerActivity = parse.GetValue(episodesPerActivity) ?? run.EpisodesPerActivity,
                StepsPerEpisode = parse.GetValue(steps) ?? run.StepsPerEpisode,
                UpdatesPerIteration = parse.GetValue(updates) ?? run.UpdatesPerIteration,
                Seed = chosenSeed,
                SyntheticSignalToNoise = parse.GetValue(snr) ?? run.SyntheticSignalToNoise,
                Universe = parse.GetValue(universe) is { } members
                    ? [.. members.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
                    : run.Universe,
                Resume = parse.GetValue(resume) || run.Resume,
                Model = parse.GetValue(model) ?? run.Model,
                Promote = run.Promote && !parse.GetValue(noPromote),
                RunId = parse.GetValue(runId) ?? (string.IsNullOrEmpty(run.RunId) ? DefaultRunId(chosenDataset, chosenSeed) : run.RunId),
            };
            return await RunAsync(run, CommonOptions.Read(parse), parse.GetValue(output)!, ct);
        });
        return command;
    }

    public static string DefaultRunId(string dataset, ulong seed)
    {
        var name = new string([.. dataset.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);
        name = string.Join('-', name.Split('-', StringSplitOptions.RemoveEmptyEntries));
        if (name.Length > 30)
        {
            name = name[..30].TrimEnd('-');
        }

        return string.Create(CultureInfo.InvariantCulture, $"{name}-{seed}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
    }

    /// <summary>From the process's start to the command's (the runtime's load and JIT); zero where the OS does not say.</summary>
    private static TimeSpan ProcessStartup(DateTime commandStarted)
    {
        try
        {
            var since = commandStarted - System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime();
            return since > TimeSpan.Zero ? since : TimeSpan.Zero;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return TimeSpan.Zero;
        }
    }

    private static async Task<int> RunAsync(TrainingRun run, CommonSettings settings, DirectoryInfo output, CancellationToken cancellationToken)
    {
        var errors = TrainingRunValidator.Validate(run);
        if (errors.Count > 0)
        {
            AnsiConsole.MarkupLine("[red]The training run is invalid:[/]");
            foreach (var error in errors)
            {
                AnsiConsole.MarkupLineInterpolated($"  [yellow]{error.Field}[/]: {error.Message}");
            }

            return 2;
        }

        using var loggerFactory = CommonOptions.CreateLoggerFactory(settings);
        AnsiConsole.MarkupLineInterpolated($"[bold]Lineage[/] run [cyan]{run.RunId}[/] on [cyan]{run.Dataset}[/]: {run.Iterations} iterations × {run.EpisodesPerIteration} episodes × {run.StepsPerEpisode} steps, {run.UpdatesPerIteration} updates/iteration, seed {run.Seed}{(run.SyntheticSignalToNoise is { } s ? $", signal-to-noise {s}" : "")}{(run.Universe is { Count: > 0 } u ? $", training universe {string.Join(", ", u)}" : "")}");
        AnsiConsole.MarkupLineInterpolated($"Durable backend [cyan]{settings.Backend}[/], storage {(settings.Storage is null ? "the project's Azurite (" + settings.AzuriteFolder + ")" : "given connection string")}");

        // Ctrl+C or SIGTERM while the runtime starts cancels the start-up; once the run is started it asks the run
        // to stop after its current step, and the command ends with the Stopped summary and exit code 128 + signal.
        using var signal = new StopSignal();
        using var startup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, signal.Token);
        var started = DateTime.UtcNow;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var firstTrainStep = new FirstTrainStep(clock);
        LocalRuntime startedRuntime;
        try
        {
            startedRuntime = await CommonOptions.StartRuntimeAsync(settings, loggerFactory, startup.Token);
        }
        catch (OperationCanceledException) when (signal.ExitCode is { } code)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]{StopSignal.Name(await signal.Received)} before the run started: nothing was trained.[/]");
            return code;
        }

        await using var runtime = startedRuntime;
        var runtimeReady = clock.Elapsed;
        var response = await runtime.Runs.StartAsync(run, cancellationToken);
        if (response.Outcome != ApiOutcome.Accepted)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Cannot start run ({response.Outcome}):[/] {JsonSerializer.Serialize(response.Body, LineageJson.Options)}");
            return response.Outcome == ApiOutcome.Conflict ? 3 : 2;
        }

        var stopping = signal.Received.ContinueWith(
            received =>
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]{StopSignal.Name(received.Result)}: Stopping after the current step… (send it again to abort immediately)[/]");
                return runtime.Runs.StopAsync(run.RunId, CancellationToken.None);
            },
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default).Unwrap();
        var final = await ProgressView.FollowAsync(runtime.Durable, run, cancellationToken);
        var view = RunService.ToView(final);
        var trained = clock.Elapsed;
        var folder = await RunReport.WriteAsync(runtime.Workspace, run.RunId, view, output, cancellationToken);
        var elapsed = clock.Elapsed;
        var processStartup = ProcessStartup(started);
        var timings = new PhaseTimings(processStartup, runtime.AzuriteStartup, runtimeReady - runtime.AzuriteStartup, trained - runtimeReady, elapsed - trained)
        {
            FirstTrainStep = processStartup + firstTrainStep.At,
        };
        await File.WriteAllTextAsync(
            Path.Combine(folder.FullName, PhaseTimings.FileName), JsonSerializer.Serialize(timings.ToSeconds(), LineageJson.Options), cancellationToken);
        Summary.Print(view, elapsed, folder, runtime.Storage.Container.Name, timings);
        if (signal.ExitCode is { } signalled && view.Status == nameof(RunState.Stopped))
        {
            await stopping;
            return signalled;
        }

        return RunStates.EndedWell(Enum.Parse<RunState>(view.Status)) ? 0 : 1;
    }
}
