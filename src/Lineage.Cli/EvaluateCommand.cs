using System.CommandLine;
using System.Globalization;
using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Training;
using Spectre.Console;

namespace Lineage.Cli;

/// <summary>`lineage evaluate`: score a run's checkpoint greedily on a split against the baselines.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var runId = new Option<string>("--run-id") { Description = "The run whose checkpoint to score", Required = true };
        var checkpoint = new Option<long?>("--checkpoint") { Description = "Checkpoint update number; default the run's latest" };
        var split = new Option<string>("--split") { Description = "validation or test", DefaultValueFactory = _ => Splits.Test };
        split.AcceptOnlyFromAmong(Splits.Validation, Splits.Test);
        var command = new Command("evaluate", "Score a checkpoint on a dataset split against buy-and-hold, flat, random and (synthetic) the reference policy.")
        {
            runId, checkpoint, split,
        };
        CommonOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var settings = CommonOptions.Read(parse);
            using var loggerFactory = CommonOptions.CreateLoggerFactory(settings);
            await using var runtime = await CommonOptions.StartRuntimeAsync(settings, loggerFactory, ct, runWorker: false);
            var id = parse.GetValue(runId)!;
            if (Lineage.Storage.RunId.Validate(id) is { } error)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--run-id:[/] {error}");
                return 2;
            }

            var update = parse.GetValue(checkpoint);
            if (update is null)
            {
                var latest = (await runtime.Workspace.Checkpoints(id).ListAsync(ct)).MaxBy(c => c.Update);
                if (latest is null)
                {
                    AnsiConsole.MarkupLineInterpolated($"[red]Run '{id}' has no checkpoints in this storage.[/]");
                    return 2;
                }

                update = latest.Update;
            }

            var record = await runtime.Workspace.GetRunAsync(id, ct);
            var data = await runtime.Workspace.GetDataAsync(record, ct);
            var policy = await runtime.Workspace.GetPolicyAsync(id, update.Value, ct);
            var name = parse.GetValue(split)!;
            var report = EvaluateActivity.Evaluate(policy, data, name, record.Run.Dataset, record.Run.Seed, record.Run.BootstrapDraws);
            var scored = data.Scored(name);
            var table = new Table().Title(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{id} checkpoint {update} on {name} ({Markup.Escape(report.SeriesName)}, {scored.Times[0]:yyyy-MM-dd} – {scored.Times[^1]:yyyy-MM-dd}, {report.Steps} per-bar returns)"))
                .AddColumns("policy", "return", "Sharpe", "max drawdown", "trades");
            // Exposure in a table of its own, so neither table wraps at 80 columns.
            var exposure = new Table().Title("time in market and correlation with buy & hold (same bars)")
                .AddColumns("policy", "long %", "short %", "mean |exposure|", "corr w/ b&h");
            void Row(string name, Lineage.Core.Trading.AgentMetrics m, string correlation = "—")
            {
                table.AddRow(name, P(m.Roi), F(m.Sharpe), P(m.MaxDrawdown), m.Trades.ToString(CultureInfo.InvariantCulture));
                exposure.AddRow(name, Exposure.Percent(m.TimeLong), Exposure.Percent(m.TimeShort), m.MeanAbsExposure is { } x ? F(x) : "—", correlation);
            }

            Row("agent (greedy)", report.Agent, Exposure.Correlation(report.CorrelationWithBuyAndHold));
            Row("buy & hold*", report.BuyAndHold, "1");
            Row("flat", report.Flat);
            table.AddRow("random (20 seeds)", $"{P(report.Random.MeanRoi)} ± {P(report.Random.StdRoi)}", F(report.Random.MeanSharpe), P(report.Random.MeanMaxDrawdown), "");
            if (report.BestRule is { } rule)
            {
                Row($"best rule: {Markup.Escape(rule.Name)} (chosen on validation)", rule.Metrics);
            }

            if (report.Reference is { } reference)
            {
                Row("reference policy", reference);
            }

            if (report.Oracle is { } oracle)
            {
                Row("oracle (knows the generator's state)", oracle);
            }

            AnsiConsole.Write(table);
            AnsiConsole.Write(exposure);
            if (Exposure.Describe(report.Agent.TimeLong, report.Agent.TimeShort, report.Agent.MeanAbsExposure, report.CorrelationWithBuyAndHold) is { } agent)
            {
                AnsiConsole.WriteLine("Agent: " + agent + ".");
            }

            if (report.Bootstrap is { } bootstrap)
            {
                foreach (var excess in bootstrap.Baselines)
                {
                    AnsiConsole.WriteLine(Uncertainty.Excess(excess.Baseline, excess.ExcessReturn, excess.ExcessSharpe, bootstrap.Confidence));
                }

                AnsiConsole.WriteLine(Uncertainty.Method(bootstrap.Bars, bootstrap.Draws, bootstrap.BlockLength));
            }

            AnsiConsole.MarkupLine("* buy-and-hold on the bundled price files excludes dividends.");
            return 0;
        });
        return command;
    }

    private static string P(double value) => value.ToString("P2", CultureInfo.InvariantCulture);

    private static string F(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
}
