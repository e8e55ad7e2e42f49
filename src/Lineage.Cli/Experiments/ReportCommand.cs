using System.CommandLine;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Spectre.Console;

namespace Lineage.Cli.Experiments;

/// <summary>`lineage report`: (re)write a run's report folder from what the run stored in blobs.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var runId = new Option<string>("--run-id") { Description = "The run to report on", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the run report", DefaultValueFactory = _ => new DirectoryInfo("runs") };
        var command = new Command("report", "Write a run's report folder (summary.md with tables, PNG plots, metrics CSV/JSON) from its stored metrics and evaluations.")
        {
            runId, output,
        };
        CommonOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var id = parse.GetValue(runId)!;
            if (Storage.RunId.Validate(id) is { } error)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--run-id:[/] {error}");
                return 2;
            }

            var settings = CommonOptions.Read(parse);
            using var loggerFactory = CommonOptions.CreateLoggerFactory(settings);
            await using var runtime = await CommonOptions.StartRuntimeAsync(settings, loggerFactory, ct, runWorker: false);
            if (await runtime.Workspace.ReadJsonAsync<Orchestration.Training.RunRecord>(RunBlobs.Record(id), ct) is null)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]Run '{id}' has no stored record[/] in container {runtime.Storage.Container.Name}; was it trained against this storage (--storage / --azurite-folder)?");
                return 3;
            }

            // A live Durable status when the backend still has the instance (azurestorage); otherwise the one stored at the end of training.
            var status = await runtime.Runs.GetStatusAsync(id, ct);
            var view = status is { Outcome: ApiOutcome.Ok, Body: RunStatusView live } ? live : null;
            var folder = await RunReport.WriteAsync(runtime.Workspace, id, view, parse.GetValue(output)!, ct);
            AnsiConsole.MarkupLineInterpolated($"Report: {Path.Combine(folder.FullName, "summary.md")}");
            return 0;
        });
        return command;
    }
}
