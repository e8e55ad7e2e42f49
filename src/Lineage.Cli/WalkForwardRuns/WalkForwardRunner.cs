using System.Globalization;
using System.Text.Json;
using Lineage.Hosting;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.WalkForwards;
using Lineage.Storage;
using Spectre.Console;

namespace Lineage.Cli.WalkForwardRuns;

/// <summary>
/// Runs a walk-forward as the orchestration every host runs (<see cref="WalkForwardOrchestrator"/>: each fold a
/// sub-orchestration of the training orchestrator) on the local runtime, prints each fold as it starts and ends, then
/// writes the report from the summary the orchestration stored. The same entrance as <c>POST /api/walkforwards</c>.
/// </summary>
internal static class WalkForwardRunner
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    /// <summary>Writes the report into <paramref name="folder"/> (created once the walk-forward finished). Exit code: 0 all folds completed, 1 some did not (or the walk-forward failed), 2 refused (400 or 409).</summary>
    public static async Task<(int Exit, WalkForwardSummary? Summary)> RunAsync(
        LocalRuntime runtime, WalkForwardRequest request, DirectoryInfo folder, string commandLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(folder);
        var service = runtime.Runs.WalkForwards;
        var response = await service.StartAsync(request, cancellationToken);
        if (response.Body is not WalkForwardAccepted accepted)
        {
            PrintRefusal(response);
            return (2, null);
        }

        var run = request.Run;
        Console.WriteLine(Text($"Walk-forward {accepted.WalkForwardId}{(accepted.Resume ? " (resumed)" : "")} on {accepted.Dataset} ({accepted.SeriesBars} bars, {accepted.SeriesFrom:yyyy-MM-dd} – {accepted.SeriesTo:yyyy-MM-dd}): {accepted.Folds.Count} folds, test blocks of {accepted.Folds[0].Fold.TestBars} bars, validation {accepted.Folds[0].Fold.ValidationBars}, embargo {accepted.Folds[0].Fold.EmbargoBars}; {run.Iterations} iterations × {run.EpisodesPerIteration} episodes × {run.StepsPerEpisode} steps per fold, seed {run.Seed}, up to {request.MaxParallelFolds} fold(s) at once"));
        var view = await FollowAsync(service, accepted, cancellationToken);
        if (view.Status != nameof(RunState.Completed) || await service.ReadSummaryAsync(request.WalkForwardId, cancellationToken) is not { } summary)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Walk-forward {request.WalkForwardId} {view.Status}:[/] {view.Failure ?? "no summary was written"}");
            return (1, null);
        }

        folder.Create();
        var runsFolder = new DirectoryInfo(Path.Combine(folder.FullName, "runs"));
        foreach (var fold in summary.Folds)
        {
            var instance = await runtime.Durable.GetAsync(fold.RunId, cancellationToken);
            await RunReport.WriteAsync(runtime.Workspace, fold.RunId, instance is null ? null : RunService.ToView(instance), runsFolder, cancellationToken);
        }

        var series = await Orchestration.Datasets.DatasetLoader.LoadWholeSeriesAsync(
            summary.Request.Run with { Dataset = summary.Dataset }, runtime.Workspace.Container, WalkForwardPlanner.MinTrainBars(summary.Request.Run), cancellationToken);
        await WalkForwardReport.WriteAsync(folder, summary, series.Times, commandLine, cancellationToken);
        WalkForwardReport.Print(summary);
        Console.WriteLine($"Report: {Path.Combine(folder.FullName, WalkForwardReport.Markdown)}");
        return (summary.Folds.All(f => f.Completed) ? 0 : 1, summary);
    }

    /// <summary>Polls the walk-forward's status, printing a line when a fold starts (its bars and dates) and when it ends.</summary>
    private static async Task<WalkForwardStatusView> FollowAsync(WalkForwardService service, WalkForwardAccepted accepted, CancellationToken cancellationToken)
    {
        var printed = new Dictionary<int, string>();
        var started = new HashSet<int>();
        var folds = accepted.Folds.ToDictionary(f => f.Fold.Index);
        while (true)
        {
            var view = await service.GetViewAsync(accepted.WalkForwardId, cancellationToken)
                ?? throw new InvalidOperationException($"Walk-forward '{accepted.WalkForwardId}' disappeared from this host's store.");
            foreach (var fold in view.Progress?.Folds ?? [])
            {
                if (printed.TryGetValue(fold.Fold, out var last) && last == fold.Status)
                {
                    continue;
                }

                printed[fold.Fold] = fold.Status;
                if (fold.Status == FoldStatuses.Pending)
                {
                    continue;
                }

                var w = folds[fold.Fold];
                var f = w.Fold;
                if (started.Add(f.Index))
                {
                    // Printed once, even when the fold started and ended between two polls.
                    Console.WriteLine(Text(
                        $"Fold {f.Index + 1}/{folds.Count} ({w.RunId}): train [0, {f.TrainBars}) {w.TrainFrom:yyyy-MM-dd} – {w.TrainTo:yyyy-MM-dd}, validate [{f.ValidationStart}, {f.ValidationEnd}), embargo {f.EmbargoBars}, test [{f.TestStart}, {f.TestEnd}) {w.TestFrom:yyyy-MM-dd} – {w.TestTo:yyyy-MM-dd} …"));
                }

                if (fold.Status != FoldStatuses.Running)
                {
                    Console.WriteLine(Text(
                        $"Fold {f.Index + 1}/{folds.Count} {fold.Status}{(fold.Reused ? " (scored by an earlier attempt, not trained again)" : "")}: test return agent {WalkForwardReport.P(fold.AgentReturn)}, buy & hold {WalkForwardReport.P(fold.BuyAndHoldReturn)}, best rule {WalkForwardReport.P(fold.BestRuleReturn)}"));
                }
            }

            if (!RunStates.IsActive(Enum.Parse<RunState>(view.Status)))
            {
                return view;
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }

    private static void PrintRefusal(ApiResponse response)
    {
        if (response.Body is ErrorBody error)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]The walk-forward was not started ({response.Outcome}):[/] {error.Error}");
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

        AnsiConsole.MarkupLineInterpolated($"[red]The walk-forward was not started ({response.Outcome}):[/] {JsonSerializer.Serialize(response.Body, LineageJson.Options)}");
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
