using System.CommandLine;
using System.Globalization;
using System.Text;
using Lineage.Cli.Experiments;
using Lineage.Core.Statistics;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Experiments;
using Lineage.Orchestration.Runs;
using Lineage.Storage;
using Spectre.Console;

namespace Lineage.Cli;

/// <summary>
/// `lineage nightly`: the nightly timer's run, night after night, on the local host. Night n starts exactly what the
/// Functions app's timer starts on that day (<see cref="NightlyOptions.ToTrainingRun"/>: resume the fixed run id, the
/// night's seed) and the gate decides on its candidate; the command reports every decision and the promotion rate
/// with its exact 95 % interval. On the random-walk market, where no policy has an edge, every promotion is a false one.
/// </summary>
internal static class NightlyCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "The nightly dataset (as Lineage:Nightly:Dataset)", DefaultValueFactory = _ => "synthetic:randomwalk" };
        var nights = new Option<int>("--nights") { Description = "Consecutive nights to run", DefaultValueFactory = _ => 20 };
        var iterations = new Option<int>("--iterations") { Description = "Iterations per night (Lineage:Nightly:Iterations)", DefaultValueFactory = _ => 10 };
        var seed = new Option<ulong>("--seed") { Description = "The base seed night n's seed derives from", DefaultValueFactory = _ => 42 };
        var runId = new Option<string>("--run-id") { Description = "The nightly run id", DefaultValueFactory = _ => "nightly-sim" };
        var firstNight = new Option<DateOnly?>("--first-night") { Description = "The first night's date (yyyy-MM-dd); default: nights days before today" };
        var maxAge = new Option<double?>("--max-data-age-days") { Description = "Freshness limit for a file dataset (default 4, as the timer's); synthetic markets are generated and never stale" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for nights.csv", DefaultValueFactory = _ => new DirectoryInfo("nightly") };
        var command = new Command("nightly", "Run the nightly retraining for N consecutive nights locally and report each gate decision and the promotion rate with its 95 % interval.")
        {
            dataset, nights, iterations, seed, runId, firstNight, maxAge, output,
        };
        CommonOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var count = parse.GetValue(nights);
            if (count is < 1 or > 365)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--nights:[/] must be 1..365, got {count}.");
                return 2;
            }

            var options = new NightlyOptions
            {
                Dataset = parse.GetValue(dataset)!,
                Iterations = parse.GetValue(iterations),
                Seed = parse.GetValue(seed),
                RunId = parse.GetValue(runId)!,
                MaxDataAgeDays = parse.GetValue(maxAge) ?? new NightlyOptions().MaxDataAgeDays,
            };
            var start = parse.GetValue(firstNight) ?? DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1 - count);
            return await RunAsync(options, start, count, CommonOptions.Read(parse), parse.GetValue(output)!, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(NightlyOptions options, DateOnly start, int nights, CommonSettings settings, DirectoryInfo output, CancellationToken cancellationToken)
    {
        var probe = options.ToTrainingRun(DateTimeOffset.UtcNow);
        var errors = TrainingRunValidator.Validate(probe);
        if (errors.Count > 0)
        {
            AnsiConsole.MarkupLine("[red]The nightly run is invalid:[/]");
            foreach (var error in errors)
            {
                AnsiConsole.MarkupLineInterpolated($"  [yellow]{error.Field}[/]: {error.Message}");
            }

            return 2;
        }

        using var loggerFactory = CommonOptions.CreateLoggerFactory(settings);
        await using var runtime = await CommonOptions.StartRuntimeAsync(settings, loggerFactory, cancellationToken);
        AnsiConsole.MarkupLineInterpolated(
            $"[bold]Nightly[/] run [cyan]{options.RunId}[/] on [cyan]{options.Dataset}[/]: {nights} nights from {start:yyyy-MM-dd}, {options.Iterations} iterations a night, base seed {options.Seed}; model '{ModelNames.ForDataset(options.Dataset)}'.");
        var rows = new List<NightRow>();
        var folder = Directory.CreateDirectory(output.FullName);
        for (var i = 0; i < nights; i++)
        {
            var day = start.AddDays(i);
            var firing = new DateTimeOffset(day.ToDateTime(new TimeOnly(2, 0)), TimeSpan.Zero);
            var run = options.ToTrainingRun(firing);
            var (view, seconds) = await ExperimentRunner.RunToEndAsync(runtime, run, cancellationToken);
            var final = await runtime.Workspace.ReadJsonAsync<RunFinal>(RunBlobs.Final(run.RunId), cancellationToken);
            // A night that produced no candidate (no update) leaves the previous night's final record: not this night's decision.
            var decision = view.Status == nameof(RunState.Completed) && final is not null && rows.All(r => r.Update != final.Decision.Update) ? final.Decision : null;
            var row = new NightRow(
                day, run.Seed, view.Status, seconds, decision?.Update, decision?.Promoted, decision?.FailedTest,
                decision?.VsBuyAndHold?.Sharpe, decision?.VsBuyAndHold?.Dsr, decision?.VsBuyAndHold?.Trials,
                decision?.Candidate.Return, decision?.BuyAndHold?.Return, decision?.WindowStart, decision?.WindowEnd, decision?.Reason ?? view.Failure);
            rows.Add(row);
            var outcome = decision is null
                ? "no decision"
                : string.Create(CultureInfo.InvariantCulture, $"update {decision.Update}: {(decision.Promoted ? "PROMOTED" : "kept")} — excess SR {decision.VsBuyAndHold?.Sharpe:F3}/bar, DSR {decision.VsBuyAndHold?.Dsr:F3} (N = {decision.VsBuyAndHold?.Trials}), return {decision.Candidate.Return:P1} vs b&h {decision.BuyAndHold?.Return:P1}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"night {i + 1,2} {day:yyyy-MM-dd} seed {run.Seed,-20} {view.Status,-9} {seconds,4:F0}s {outcome}"));
            await WriteCsvAsync(folder, rows, cancellationToken);
        }

        var decided = rows.Where(r => r.Promoted is not null).ToList();
        if (decided.Count == 0)
        {
            AnsiConsole.MarkupLine("[red]No night reached the gate.[/]");
            return 1;
        }

        var promoted = decided.Count(r => r.Promoted == true);
        var interval = BinomialInterval.ClopperPearson(promoted, decided.Count);
        var window = decided[^1];
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Promoted {promoted}/{decided.Count} ({interval.Rate:P0}; exact 95 % CI [{interval.Low:P1}, {interval.High:P1}], Clopper-Pearson) on the model's promotion window {window.WindowStart:yyyy-MM-dd} to {window.WindowEnd:yyyy-MM-dd}, after fees; {rows.Count - decided.Count} night(s) without a decision."));
        AnsiConsole.MarkupLineInterpolated($"Nights: {Path.Combine(folder.FullName, "nights.csv")}");
        return rows.All(r => r.Status == nameof(RunState.Completed)) ? 0 : 1;
    }

    private static async Task WriteCsvAsync(DirectoryInfo folder, IReadOnlyList<NightRow> rows, CancellationToken cancellationToken)
    {
        static string F(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "";
        var text = new StringBuilder("night,seed,status,seconds,update,promoted,failed_test,excess_sharpe_per_bar,dsr,trials,candidate_return,buy_and_hold_return,window_start,window_end,reason\n");
        foreach (var r in rows)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{r.Night:yyyy-MM-dd},{r.Seed},{r.Status},{r.Seconds:F1},{r.Update},{r.Promoted},{r.FailedTest},{F(r.ExcessSharpe)},{F(r.Dsr)},{r.Trials},{F(r.CandidateReturn)},{F(r.BuyAndHoldReturn)},{r.WindowStart:yyyy-MM-dd},{r.WindowEnd:yyyy-MM-dd},\"{r.Reason?.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n");
        }

        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "nights.csv"), text.ToString(), cancellationToken);
    }

    private sealed record NightRow(
        DateOnly Night,
        ulong Seed,
        string Status,
        double Seconds,
        long? Update,
        bool? Promoted,
        string? FailedTest,
        double? ExcessSharpe,
        double? Dsr,
        int? Trials,
        double? CandidateReturn,
        double? BuyAndHoldReturn,
        DateTimeOffset? WindowStart,
        DateTimeOffset? WindowEnd,
        string? Reason);
}
