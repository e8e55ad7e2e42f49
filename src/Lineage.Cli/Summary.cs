using System.Globalization;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Training;
using Spectre.Console;

namespace Lineage.Cli;

internal static class Summary
{
    public static void Print(RunStatusView view, TimeSpan elapsed, DirectoryInfo folder, string container)
    {
        var table = new Table().Title($"Run {view.RunId}: {view.Status}").AddColumns("", "value");
        table.AddRow("wall time", elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture));
        if (view.Failure is not null)
        {
            table.AddRow("failure", Markup.Escape(view.Failure));
        }

        var result = view.Result;
        if (result is not null)
        {
            table.AddRow("iterations completed", result.IterationsCompleted.ToString(CultureInfo.InvariantCulture));
            table.AddRow("final checkpoint", string.Create(CultureInfo.InvariantCulture, $"update {result.FinalCheckpoint} ({container}/runs/{view.RunId}/checkpoints/)"));
            if (result.LastTrain is { } train)
            {
                table.AddRow("last loss / mean Q", string.Create(CultureInfo.InvariantCulture, $"{train.MeanLoss:F5} / {train.MeanQ:F3}"));
            }

            AddEvaluation(table, "best validation", result.BestValidation);
            AddEvaluation(table, "test (selected checkpoint)", result.Test);
            foreach (var note in result.Notes.TakeLast(5))
            {
                table.AddRow("note", Markup.Escape(note));
            }
        }

        table.AddRow("report", Markup.Escape(Path.Combine(folder.FullName, "summary.md")));
        AnsiConsole.Write(table);
    }

    private static void AddEvaluation(Table table, string label, Orchestration.Training.EvaluateOutput? e)
    {
        if (e is null)
        {
            return;
        }

        var rule = e.BestRuleName is { } name ? string.Create(CultureInfo.InvariantCulture, $", best rule {Markup.Escape(name)} (chosen on validation) {e.BestRuleReturn:P2} (Sharpe {e.BestRuleSharpe:F2})") : "";
        var reference = e.ReferenceReturn is { } r ? string.Create(CultureInfo.InvariantCulture, $", reference {r:P2}") : "";
        var holdSharpe = e.BuyAndHoldSharpe is { } hs ? string.Create(CultureInfo.InvariantCulture, $" (Sharpe {hs:F2})") : "";
        var oracle = e.OracleReturn is { } o ? string.Create(CultureInfo.InvariantCulture, $", oracle (knows the generator's state) {o:P2}") : "";
        var floor = e.AgentHitFloorAt is { } bar ? string.Create(CultureInfo.InvariantCulture, $", hit the floor at bar {bar}, then cash") : "";
        table.AddRow(label, string.Create(CultureInfo.InvariantCulture,
            $"agent {e.AgentReturn:P2} (Sharpe {e.AgentSharpe:F2}, max DD {e.AgentMaxDrawdown:P1}, {e.AgentTrades} trades{floor}) | buy&hold {e.BuyAndHoldReturn:P2}{holdSharpe}, flat {e.FlatReturn:P2}, random {e.RandomMeanReturn:P2} ± {e.RandomStdReturn:P2}{rule}{reference}{oracle} (same bars, after fees)"));
        if (Exposure.Describe(e.AgentTimeLong, e.AgentTimeShort, e.AgentMeanAbsExposure, e.CorrelationWithBuyAndHold) is { } exposure)
        {
            table.AddRow("", Markup.Escape("agent " + exposure));
        }

        if (e.Bootstrap is { } b)
        {
            table.AddRow("", Markup.Escape($"{Uncertainty.Excess("b&h", b.ExcessReturnVsBuyAndHold, b.ExcessSharpeVsBuyAndHold, b.Confidence)} {Uncertainty.Method(b.Bars, b.Draws, b.BlockLength)}"));
            if (b.ExcessReturnVsBestRule is { } ruleReturn && b.ExcessSharpeVsBestRule is { } ruleSharpe)
            {
                table.AddRow("", Markup.Escape($"{Uncertainty.Excess("best rule", ruleReturn, ruleSharpe, b.Confidence)} (same draws)"));
            }
        }
    }
}
