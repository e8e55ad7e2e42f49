using System.Globalization;
using System.Text;
using System.Text.Json;
using Lineage.Orchestration.WalkForwards;
using Lineage.Storage;
using ScottPlot;

namespace Lineage.Cli.WalkForwardRuns;

/// <summary>Writes a walk-forward evaluation's walkforward.json, walkforward.md and walkforward.png.</summary>
internal static class WalkForwardReport
{
    public const string Json = "walkforward.json";
    public const string Markdown = "walkforward.md";
    public const string Plot = "walkforward.png";
    public const string Csv = "walkforward.csv";

    private static readonly JsonSerializerOptions Indented = new(LineageJson.Options) { WriteIndented = true };

    /// <summary>
    /// walkforward.json (the orchestration's summary as stored, per-bar returns included, and the command), walkforward.md,
    /// walkforward.csv (one row per out-of-sample bar) and walkforward.png.
    /// </summary>
    /// <param name="times">The folded series' bar times, for the CSV's dates.</param>
    public static async Task WriteAsync(DirectoryInfo folder, WalkForwardSummary summary, IReadOnlyList<DateTimeOffset> times, string command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(times);
        var document = new
        {
            Name = folder.Name,
            Command = command,
            summary.WalkForwardId,
            summary.Dataset,
            summary.SeriesBars,
            summary.SeriesFrom,
            summary.SeriesTo,
            summary.BarsPerYear,
            Fees = new { summary.FeeBps, summary.SlippageBps },
            summary.PriceBasis,
            summary.CashRate,
            summary.Layout,
            BaseRun = summary.Request.Run,
            summary.Request,
            summary.Folds,
            summary.Overall,
            summary.FinishedAt,
        };
        await using (var stream = File.Create(Path.Combine(folder.FullName, Json)))
        {
            await JsonSerializer.SerializeAsync(stream, document, Indented, cancellationToken);
        }

        await File.WriteAllTextAsync(Path.Combine(folder.FullName, Markdown), Summary(folder.Name, summary, command), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, Csv), PerBarCsv(summary, times), cancellationToken);
        if (summary.Overall is not null)
        {
            Plots.Save(Equity(summary), folder, Plot);
        }
    }

    /// <summary>One row per out-of-sample bar of the completed folds: each policy's return over that bar and its growth of 1 so far.</summary>
    public static string PerBarCsv(WalkForwardSummary summary, IReadOnlyList<DateTimeOffset> times)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(times);
        var csv = new StringBuilder("fold,bar,time,agent_return,buy_and_hold_return,best_rule_return,agent_equity,buy_and_hold_equity,best_rule_equity\n");
        var (agent, hold, rule) = (1.0, 1.0, 1.0);
        foreach (var fold in summary.Folds.Where(f => f.Completed).OrderBy(f => f.TestStart))
        {
            for (var i = 0; i < fold.AgentReturns.Length; i++)
            {
                agent *= 1 + fold.AgentReturns[i];
                hold *= 1 + fold.BuyAndHoldReturns[i];
                rule *= 1 + fold.BestRuleReturns[i];
                var bar = fold.TestStart + i;
                csv.AppendLine(Text($"{fold.Fold},{bar},{(bar < times.Count ? times[bar].ToString("O", CultureInfo.InvariantCulture) : "")},{fold.AgentReturns[i]:R},{fold.BuyAndHoldReturns[i]:R},{fold.BestRuleReturns[i]:R},{agent:R},{hold:R},{rule:R}"));
            }
        }

        return csv.ToString();
    }

    public static string Summary(string name, WalkForwardSummary summary, string command)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var results = summary.Folds;
        var overall = summary.Overall;
        var md = new StringBuilder();
        md.AppendLine(Text($"# Walk-forward: {name}"));
        md.AppendLine();
        md.AppendLine(Text($"`{command}`"));
        md.AppendLine();
        md.AppendLine(Text($"Walk-forward `{summary.WalkForwardId}` (one Durable orchestration; fold k ran as run `{summary.WalkForwardId}-f{{k}}`) on dataset `{summary.Dataset}`: {summary.SeriesBars} bars, {summary.SeriesFrom:yyyy-MM-dd} – {summary.SeriesTo:yyyy-MM-dd}. {results.Count} expanding-window folds: each trains on every bar before its validation block, selects its checkpoint there, skips an embargo of {(results.Count > 0 ? results[0].EmbargoBars : 0)} bars, then scores its test block once. Test blocks tile the end of the series; each fold starts in cash. Returns and Sharpe (annualised, {summary.BarsPerYear:F0} bars/year) after fees ({summary.FeeBps:G} bps per fill) and slippage ({summary.SlippageBps:G} bps). Prices: {summary.PriceBasis}; cash earns {summary.CashRate:P2} a year. The best simple rule is chosen on each fold's validation block only; it warms up on the bars before each block (never a later bar), so agent, buy-and-hold and rule are scored over exactly the same test bars."));
        md.AppendLine();
        md.AppendLine("| fold | test window | bars | train bars | agent return | agent Sharpe | buy & hold return | buy & hold Sharpe | best rule (validation) | rule return | rule Sharpe | status |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|");
        foreach (var r in results)
        {
            md.AppendLine(Text($"| {r.Fold} | {r.TestFrom:yyyy-MM-dd} – {r.TestTo:yyyy-MM-dd} | {r.TestEnd - r.TestStart} | {r.TrainBars} | {P(r.Agent?.Return)} | {F(r.Agent?.Sharpe)} | {P(r.BuyAndHold?.Return)} | {F(r.BuyAndHold?.Sharpe)} | {r.BestRule?.Name ?? "—"} | {P(r.BestRule?.Return)} | {F(r.BestRule?.Sharpe)} | {r.Status}{(r.Failure is { } f ? ": " + f.Replace("|", "/", StringComparison.Ordinal) : "")} |"));
        }

        md.AppendLine();
        if (overall is null)
        {
            md.AppendLine("No fold completed: there is no out-of-sample series.");
            return md.ToString();
        }

        md.AppendLine(Text($"## Overall: {overall.Folds} folds' test blocks concatenated ({overall.Bars} bars, {overall.From:yyyy-MM-dd} – {overall.To:yyyy-MM-dd})"));
        md.AppendLine();
        md.AppendLine("| policy | return | Sharpe | max drawdown |");
        md.AppendLine("|---|---:|---:|---:|");
        foreach (var line in new[] { overall.Agent, overall.BuyAndHold, overall.BestRule })
        {
            md.AppendLine(Text($"| {line.Name} | {line.Return:P1} | {line.Sharpe:F2} | {line.MaxDrawdown:P1} |"));
        }

        if (overall.Bootstrap is { } b)
        {
            md.AppendLine();
            md.AppendLine(Text($"Agent minus baseline over the concatenated bars, paired stationary block bootstrap ({b.Draws} draws, mean block {b.BlockLength:F1} bars, {b.Confidence:P0} interval; the window is one path, so this is market-path uncertainty, not training-seed noise):"));
            md.AppendLine();
            foreach (var e in b.Baselines)
            {
                md.AppendLine(Text($"- vs {e.Baseline}: excess return {e.ExcessReturn.Point:P1} [{e.ExcessReturn.Lower:P1}, {e.ExcessReturn.Upper:P1}], excess Sharpe {e.ExcessSharpe.Point:F2} [{e.ExcessSharpe.Lower:F2}, {e.ExcessSharpe.Upper:F2}]"));
            }
        }

        md.AppendLine();
        md.AppendLine(Text($"![walk-forward equity]({Plot})"));
        return md.ToString();
    }

    /// <summary>Growth of 1 over the concatenated test blocks, one line per policy, fold boundaries marked.</summary>
    private static ScottPlot.Plot Equity(WalkForwardSummary summary)
    {
        var done = summary.Folds.Where(r => r.Completed).OrderBy(r => r.TestStart).ToList();
        var plot = new ScottPlot.Plot();
        var xs = new List<double>();
        var lines = new (string Name, Func<FoldResult, double[]> Returns, Color Color, float Width)[]
        {
            ("buy & hold", r => r.BuyAndHoldReturns, Colors.C1, 1.5f),
            ("best simple rule (per fold)", r => r.BestRuleReturns, Colors.C2, 1.5f),
            ("agent (greedy)", r => r.AgentReturns, Colors.C0, 2.5f),
        };
        foreach (var (name, returns, color, width) in lines)
        {
            xs.Clear();
            var ys = new List<double>();
            var equity = 1.0;
            foreach (var fold in done)
            {
                var rs = returns(fold);
                for (var i = 0; i < rs.Length; i++)
                {
                    equity *= 1 + rs[i];
                    xs.Add(fold.TestStart + i);
                    ys.Add(equity);
                }
            }

            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
            line.MarkerSize = 0;
            line.LineWidth = width;
            line.LegendText = Text($"{name} ({equity - 1:P1})");
        }

        foreach (var fold in done.Skip(1))
        {
            plot.Add.VerticalLine(fold.TestStart, 1, Colors.Gray, LinePattern.Dotted);
        }

        plot.Add.HorizontalLine(1, 1, Colors.Black, LinePattern.Dashed).LegendText = "flat";
        plot.Title(Text($"Walk-forward out-of-sample equity ({summary.Dataset}, {done.Count} folds, {done[0].TestFrom:yyyy-MM-dd} – {done[^1].TestTo:yyyy-MM-dd}), growth of 1"));
        plot.XLabel("bar of the series (dotted: fold boundaries; each fold starts in cash)");
        plot.YLabel("equity / initial capital");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    /// <summary>Plain aligned text, not a Spectre table: it stays one row per fold in a log or a pipe.</summary>
    public static void Print(WalkForwardSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        Console.WriteLine(Text($"Walk-forward out-of-sample, after fees {summary.FeeBps:G} bps + slippage {summary.SlippageBps:G} bps per fill, cash at {summary.CashRate:P2} a year; Sharpe annualised; rule chosen on each fold's validation block, warmed up on the bars before each block"));
        Console.WriteLine(Row("fold", "test window", "bars", "agent", "SR", "b&h", "SR", "best rule", "rule", "SR", "status"));
        foreach (var r in summary.Folds)
        {
            Console.WriteLine(Row(
                Text($"{r.Fold}"),
                Text($"{r.TestFrom:yyyy-MM-dd} – {r.TestTo:yyyy-MM-dd}"),
                Text($"{r.TestEnd - r.TestStart}"),
                P(r.Agent?.Return),
                F(r.Agent?.Sharpe),
                P(r.BuyAndHold?.Return),
                F(r.BuyAndHold?.Sharpe),
                r.BestRule?.Name ?? "—",
                P(r.BestRule?.Return),
                F(r.BestRule?.Sharpe),
                r.Status));
        }

        if (summary.Overall is not { } overall)
        {
            Console.WriteLine("No fold completed: no out-of-sample series.");
            return;
        }

        Console.WriteLine(Row(
            "all",
            Text($"{overall.From:yyyy-MM-dd} – {overall.To:yyyy-MM-dd}"),
            Text($"{overall.Bars}"),
            P(overall.Agent.Return),
            F(overall.Agent.Sharpe),
            P(overall.BuyAndHold.Return),
            F(overall.BuyAndHold.Sharpe),
            "(each fold's)",
            P(overall.BestRule.Return),
            F(overall.BestRule.Sharpe),
            Text($"{overall.Folds} folds concatenated")));
        if (overall.Bootstrap is { } b)
        {
            foreach (var e in b.Baselines)
            {
                Console.WriteLine(Text(
                    $"Overall agent − {e.Baseline}: excess return {e.ExcessReturn.Point:P1} [{e.ExcessReturn.Lower:P1}, {e.ExcessReturn.Upper:P1}], excess Sharpe {e.ExcessSharpe.Point:F2} [{e.ExcessSharpe.Lower:F2}, {e.ExcessSharpe.Upper:F2}] ({b.Confidence:P0} paired stationary bootstrap, {b.Draws} draws)"));
            }
        }
    }

    private static string Row(string fold, string window, string bars, string agent, string agentSharpe, string hold, string holdSharpe, string rule, string ruleReturn, string ruleSharpe, string status) =>
        Text($"{fold,-4} {window,-23} {bars,5} {agent,9} {agentSharpe,6} {hold,9} {holdSharpe,6}  {rule,-24} {ruleReturn,9} {ruleSharpe,6}  {status}");

    internal static string P(double? value) => value is { } v ? v.ToString("P1", CultureInfo.InvariantCulture) : "—";

    internal static string F(double? value) => value is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "—";

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
