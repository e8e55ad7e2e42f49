using System.Globalization;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Training;
using Spectre.Console;

namespace Lineage.Cli;

internal static class Summary
{
    public static void Print(RunStatusView view, TimeSpan elapsed, DirectoryInfo folder, string container, PhaseTimings? timings = null)
    {
        var table = new Table().Title($"Run {view.RunId}: {view.Status}").AddColumns("", "value");
        table.AddRow("wall time", elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture));
        if (timings is not null)
        {
            table.AddRow("where the time went", Markup.Escape(timings.Describe()));
        }

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

    internal static void AddEvaluation(Table table, string label, Orchestration.Training.EvaluateOutput? e)
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

/// <summary>
/// A local run's wall time in phases, so the fixed costs (process start, Azurite, the runtime, the report) show apart from
/// the training itself (the orchestration from its start request to its end: acting, learning, evaluation, the gate).
/// </summary>
internal sealed record PhaseTimings(TimeSpan ProcessStart, TimeSpan Azurite, TimeSpan Runtime, TimeSpan Training, TimeSpan Report)
{
    /// <summary>The report folder's file with these phases in seconds (what the benchmark reads).</summary>
    public const string FileName = "timings.json";

    /// <summary>
    /// From the process's start to its first completed training step (the cold start: runtime load, Azurite, the Durable
    /// runtime, the first iteration's episodes and its TrainStep with libtorch's load); null when no step completed.
    /// </summary>
    public TimeSpan? FirstTrainStep { get; init; }

    public IReadOnlyDictionary<string, double> ToSeconds()
    {
        var seconds = new Dictionary<string, double>
        {
            ["processStart"] = ProcessStart.TotalSeconds,
            ["azuriteStart"] = Azurite.TotalSeconds,
            ["runtimeStart"] = Runtime.TotalSeconds,
            ["training"] = Training.TotalSeconds,
            ["report"] = Report.TotalSeconds,
        };
        if (FirstTrainStep is { } first)
        {
            seconds["firstTrainStep"] = first.TotalSeconds;
        }

        return seconds;
    }

    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"process start {ProcessStart.TotalSeconds:F1} s, Azurite start {Azurite.TotalSeconds:F1} s, Durable runtime start {Runtime.TotalSeconds:F1} s, training {Training.TotalSeconds:F1} s (the orchestration: acting, learning, evaluation, gate), report {Report.TotalSeconds:F1} s{(FirstTrainStep is { } first ? $"; first training step done {first.TotalSeconds:F1} s after process start" : "")}");
}
