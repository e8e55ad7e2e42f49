using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Datasets;
using Lineage.Storage;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Lineage.Cli;

/// <summary>
/// `lineage data push|list`, `lineage promote`, `lineage rollback`, `lineage decide`, `lineage runs list|show|prune`:
/// the model lifecycle over the same storage (and the same <see cref="ModelsService"/>) as the HTTP API.
/// </summary>
internal static class ModelCommands
{
    private static readonly JsonSerializerOptions Indented = new(LineageJson.Options) { WriteIndented = true };

    public static Command Data()
    {
        var file = new Argument<FileInfo>("file") { Description = "CSV file: Date,Open,High,Low,Close,Volume or Date,Close" };
        var name = new Option<string>("--name") { Description = "Dataset name (lowercase letters, digits, hyphens); runs use it as dataset:<name>", Required = true };
        var by = ByOption();
        var push = new Command("push", "Validate a CSV and upload it as the next version of a dataset (datasets/<name>/<version>.csv).") { file, name, by };
        CommonOptions.AddTo(push);
        push.SetAction((parse, ct) => WithModelsAsync(parse, async (models, token) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]file:[/] {path.FullName} does not exist.");
                return 2;
            }

            var response = await models.PushDatasetAsync(parse.GetValue(name)!, await File.ReadAllBytesAsync(path.FullName, token), parse.GetValue(by)!, token);
            if (response.Body is DatasetPushResult result)
            {
                var v = result.Version;
                AnsiConsole.MarkupLineInterpolated(
                    $"{(result.Created ? "Pushed" : "Unchanged (same content as the newest version)")}: [cyan]{v.Name}[/] version [cyan]{v.Version}[/] ({v.Rows} rows, {v.FirstBar:yyyy-MM-dd} → {v.LastBar:yyyy-MM-dd}, sha256 {v.Sha256[..12]}) at {v.BlobName}. Train on it with --dataset dataset:{v.Name}");
                return 0;
            }

            return Fail(response);
        }, ct));

        var listName = new Option<string>("--name") { Description = "Dataset name", Required = true };
        var list = new Command("list", "List a dataset's versions.") { listName };
        CommonOptions.AddTo(list);
        list.SetAction((parse, ct) => WithModelsAsync(parse, async (models, token) =>
        {
            var versions = await models.Datasets.ListAsync(parse.GetValue(listName)!, token);
            var table = new Table().AddColumns("version", "rows", "first bar", "last bar", "sha256", "uploaded (UTC)", "by");
            foreach (var v in versions)
            {
                table.AddRow(I(v.Version), I(v.Rows), Day(v.FirstBar), Day(v.LastBar), v.Sha256[..12], v.UploadedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), Markup.Escape(v.UploadedBy));
            }

            AnsiConsole.Write(table);
            return 0;
        }, ct));

        return new Command("data", "Versioned datasets in blob storage.") { push, list };
    }

    public static Command Promote()
    {
        var model = ModelOption();
        var runId = new Option<string>("--run-id") { Description = "Run whose checkpoint becomes champion", Required = true };
        var checkpoint = new Option<long?>("--checkpoint") { Description = "Checkpoint update; default the run's best by validation score, else its latest" };
        var by = ByOption();
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the model's history)" };
        var command = new Command("promote", "Make a run's checkpoint the model's champion by hand (logged with who and why).") { model, runId, checkpoint, by, reason };
        CommonOptions.AddTo(command);
        command.SetAction((parse, ct) => WithModelsAsync(parse, async (models, token) => Show(await models.PromoteAsync(
            parse.GetValue(model)!,
            new PromoteRequest { RunId = parse.GetValue(runId)!, Checkpoint = parse.GetValue(checkpoint), By = parse.GetValue(by)!, Reason = parse.GetValue(reason) },
            token)), ct));
        return command;
    }

    public static Command Rollback()
    {
        var model = ModelOption();
        var by = ByOption();
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the model's history)" };
        var command = new Command("rollback", "Restore the champion the current one replaced (logged with who and why).") { model, by, reason };
        CommonOptions.AddTo(command);
        command.SetAction((parse, ct) => WithModelsAsync(parse, async (models, token) => Show(await models.RollbackAsync(
            parse.GetValue(model)!, new RollbackRequest { By = parse.GetValue(by)!, Reason = parse.GetValue(reason) }, token)), ct));
        return command;
    }

    public static Command Decide()
    {
        var dataset = new Option<string>("--dataset") { Description = "dataset:<name> (newest version), blob:datasets/<name>/<file>.csv, or spy|googl|eurusd", Required = true };
        var model = new Option<string?>("--model") { Description = "Model whose champion decides; default the dataset's name" };
        var position = new Option<string?>("--position") { Description = "Current position: the exposure in [-1, 1] (0.5 = half long) for a target-exposure champion, -1, 0 or 1 for a classic one; default flat (0)" };
        var entry = new Option<string?>("--entry-price") { Description = "Entry price of the current position, for unrealised PnL (default 0 PnL)" };
        var json = new Option<bool>("--json") { Description = "Print the full decision as JSON" };
        var command = new Command("decide", "The champion's action and Q-values for the latest bar of a dataset (no torch, checkpoint only).") { dataset, model, position, entry, json };
        CommonOptions.AddTo(command);
        command.SetAction((parse, ct) => WithModelsAsync(parse, async (models, token) =>
        {
            var response = await models.DecideAsync(parse.GetValue(dataset), parse.GetValue(model), parse.GetValue(position), parse.GetValue(entry), token);
            if (response.Body is NoChampionAnswer none)
            {
                // The HTTP route's 404: no champion, what to do instead and why. Exit code 2, as for every refusal.
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(none, Indented));
                }
                else
                {
                    AnsiConsole.MarkupLineInterpolated($"Model [cyan]{none.Model}[/] has [yellow]no champion[/]: action [bold yellow]{none.Action}[/], exposure {none.Exposure} ({none.Fallback}, Lineage:Models:WithoutChampion).");
                    AnsiConsole.MarkupLineInterpolated($"Why: {none.Why}");
                }

                return 2;
            }

            if (response.Body is not ChampionDecision d)
            {
                return Fail(response);
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(d, Indented));
                return 0;
            }

            AnsiConsole.MarkupLineInterpolated($"Model [cyan]{d.Model}[/] (champion: run {d.Champion.RunId} update {d.Champion.Update}) on {d.ResolvedDataset}");
            AnsiConsole.MarkupLineInterpolated($"Bar {d.Bar.Index} at {d.Bar.Time:u}, close {d.Bar.Close.ToString("G", CultureInfo.InvariantCulture)}; position {d.Position.ToString("G", CultureInfo.InvariantCulture)}{(d.AssumedFlat ? " (assumed flat)" : "")}, unrealised PnL {d.UnrealizedPnl.ToString("P2", CultureInfo.InvariantCulture)}");
            AnsiConsole.MarkupLineInterpolated($"Action: [bold yellow]{d.Action}[/]   Q: {string.Join("  ", d.QValues.Select(q => $"{q.Action} {q.Q.ToString("F4", CultureInfo.InvariantCulture)}"))}");
            return 0;
        }, ct));
        return command;
    }

    public static Command Runs()
    {
        var list = new Command("list", "Runs in storage with dataset version, fingerprint, code version, test Sharpe and promotion.");
        CommonOptions.AddTo(list);
        list.SetAction((parse, ct) => WithModelsAsync(parse, async (models, token) =>
        {
            var runs = await models.Experiments.ListAsync(token);
            var table = new Table().AddColumns("run", "dataset", "v", "data", "code", "seed", "iters", "test Sharpe", "promoted", "champion", "active (UTC)");
            foreach (var r in runs)
            {
                table.AddRow(
                    Markup.Escape(r.RunId),
                    Markup.Escape(r.DatasetReference ?? r.Dataset ?? "?"),
                    r.DatasetVersion is { } v ? I(v) : "",
                    r.DataFingerprint is { } f ? f[..Math.Min(8, f.Length)] : "",
                    Markup.Escape(ShortCode(r.CodeVersion)),
                    r.Seed?.ToString(CultureInfo.InvariantCulture) ?? "",
                    r.Iterations is { } n ? I(n) : "",
                    r.TestSharpe?.ToString("F3", CultureInfo.InvariantCulture) ?? "",
                    r.Promoted is { } p ? (p ? "yes" : "no") : "",
                    r.IsChampion ? "yes" : "",
                    r.LastActive.ToString("MM-dd HH:mm", CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(table);
            return 0;
        }, ct));

        var id = new Argument<string>("run-id") { Description = "Run id" };
        var show = new Command("show", "A run's experiment record (configuration, code version, dataset, seeds), metrics per iteration and final evaluation, as JSON.") { id };
        CommonOptions.AddTo(show);
        show.SetAction((parse, ct) => WithModelsAsync(parse, async (models, token) =>
        {
            var response = await models.ShowRunAsync(parse.GetValue(id)!, token);
            if (response.Outcome != ApiOutcome.Ok)
            {
                return Fail(response);
            }

            Console.WriteLine(JsonSerializer.Serialize(response.Body, Indented));
            return 0;
        }, ct));

        var prune = new Command("prune", "Apply the retention rule now: keep the most recently active runs (Lineage:Models:KeepRuns), recent ones and champions; delete the rest.");
        CommonOptions.AddTo(prune);
        prune.SetAction((parse, ct) => WithModelsAsync(parse, async (models, token) =>
        {
            var report = await models.Experiments.ApplyRetentionAsync(token);
            AnsiConsole.MarkupLineInterpolated($"Kept {report.Kept.Count} run(s), kept {report.ProtectedAsChampion.Count} as champions ({string.Join(", ", report.ProtectedAsChampion)}), deleted {report.Deleted.Count} ({string.Join(", ", report.Deleted)}).");
            return 0;
        }, ct));

        return new Command("runs", "Experiment records of runs.") { list, show, prune };
    }

    private static Option<string> ModelOption() => new("--model") { Description = "Model name (the dataset name a run trains on: dataset:<name> → <name>)", Required = true };

    private static Option<string> ByOption() => new("--by")
    {
        Description = "Who is doing this (kept in the model's history); default <user>@<machine>",
        DefaultValueFactory = _ => $"{Environment.UserName}@{Environment.MachineName} (cli)",
    };

    private static async Task<int> WithModelsAsync(ParseResult parse, Func<ModelsService, CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        var settings = CommonOptions.Read(parse);
        using var loggerFactory = CommonOptions.CreateLoggerFactory(settings);
        await using var runtime = await CommonOptions.StartRuntimeAsync(settings, loggerFactory, cancellationToken, runWorker: false);
        return await action(runtime.Services.GetRequiredService<ModelsService>(), cancellationToken);
    }

    private static int Show(ApiResponse response)
    {
        if (response.Body is ChampionPointer pointer)
        {
            var c = pointer.LastChange;
            AnsiConsole.MarkupLineInterpolated($"Model [cyan]{pointer.Model}[/]: champion is now run [cyan]{pointer.Champion.RunId}[/] update {pointer.Champion.Update} (change #{c.Sequence}, {c.Action} by {c.By}: {c.Reason}); {pointer.Previous.Count} previous champion(s) kept for rollback.");
            return 0;
        }

        return Fail(response);
    }

    private static int Fail(ApiResponse response)
    {
        if (response.Body is ErrorBody error)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{error.Error}[/]");
            foreach (var field in error.Fields)
            {
                AnsiConsole.MarkupLineInterpolated($"  [red]{field.Field}:[/] {field.Message}");
            }
        }

        // Every refusal is the caller's to fix (a bad name, a missing run, a conflict): exit code 2, as for bad options.
        return 2;
    }

    private static string ShortCode(string? version) =>
        version is null ? "" : version.IndexOf('+', StringComparison.Ordinal) is var plus and >= 0 && version.Length > plus + 8 ? version[(plus + 1)..(plus + 8)] : version;

    private static string Day(DateTimeOffset time) => time.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
