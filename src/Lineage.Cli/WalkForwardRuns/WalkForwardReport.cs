using System.Globalization;
using System.Text;
using System.Text.Json;
using Lineage.Core.MarketData;
using Lineage.Storage;
using ScottPlot;

namespace Lineage.Cli.WalkForwardRuns;

/// <summary>Writes a walk-forward evaluation's walkforward.json, walkforward.md and walkforward.png.</summary>
internal static class WalkForwardReport
{
    public const string Json = "walkforward.json";
    public const string Markdown = "walkforward.md";
    public const string Plot = "walkforward.png";

    private static readonly JsonSerializerOptions Indented = new(LineageJson.Options) { WriteIndented = true };

    public static async Task WriteAsync(
        DirectoryInfo folder,
        WalkForwardPlan plan,
        Core.MarketData.PriceSeries series,
        IReadOnlyList<WalkForwardFold> folds,
        IReadOnlyList<FoldResult> results,
        WalkForwardOverall? overall,
        string command,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(series);
        var document = new
        {
            plan.Name,
            Command = command,
            Dataset = plan.BaseRun.Dataset,
            SeriesBars = series.Count,
            SeriesFrom = series.Times[0],
            SeriesTo = series.Times[^1],
            series.BarsPerYear,
            Fees = new { plan.BaseRun.Arena.FeeBps, plan.BaseRun.Arena.SlippageBps },
            series.PriceBasis,
            plan.BaseRun.Arena.CashRate,
            Layout = folds,
            plan.BaseRun,
            Folds = results,
            Overall = overall,
        };
        await using (var stream = File.Create(Path.Combine(folder.FullName, Json)))
        {
            await JsonSerializer.SerializeAsync(stream, document, Indented, cancellationToken);
        }

        await File.WriteAllTextAsync(Path.Combine(folder.FullName, Markdown), Summary(plan, series, results, overall, command), cancellationToken);
        if (overall is not null)
        {
            Plots.Save(Equity(plan, results), folder, Plot);
        }
    }

    public static string Summary(WalkForwardPlan plan, Core.MarketData.PriceSeries series, IReadOnlyList<FoldResult> results, WalkForwardOverall? overall, string command)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(results);
        var arena = plan.BaseRun.Arena;
        var md = new StringBuilder();
        md.AppendLine(Text($"# Walk-forward: {plan.Name}"));
        md.AppendLine();
        md.AppendLine(Text($"`{command}`"));
        md.AppendLine();
        md.AppendLine(Text($"Dataset `{plan.BaseRun.Dataset}`: {series.Count} bars, {series.Times[0]:yyyy-MM-dd} – {series.Times[^1]:yyyy-MM-dd}. {results.Count} expanding-window folds: each trains on every bar before its validation block, selects its checkpoint there, skips an embargo of {(results.Count > 0 ? results[0].EmbargoBars : 0)} bars, then scores its test block once. Test blocks tile the end of the series; each fold starts in cash. Returns and Sharpe (annualised, {series.BarsPerYear:F0} bars/year) after fees ({arena.FeeBps:G} bps per fill) and slippage ({arena.SlippageBps:G} bps). Prices: {series.PriceBasis}; cash earns {arena.CashRate:P2} a year. The best simple rule is chosen on each fold's validation block only."));
        md.AppendLine();
        md.AppendLine("| fold | test window | bars | train bars | agent return | agent Sharpe | buy & hold return | buy & hold Sharpe | best rule (validation) | rule return | rule Sharpe | status |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|");
        foreach (var r in results)
        {
            md.AppendLine(Text($"| {r.Fold} | {r.TestFrom:yyyy-MM-dd} – {r.TestTo:yyyy-MM-dd} | {r.TestEnd - r.TestStart} | {r.TrainBars} | {P(r.Agent?.Return)} | {F(r.Agent?.Sharpe)} | {P(r.BuyAndHold?.Return)} | {F(r.BuyAndHold?.Sharpe)} | {r.BestRule?.Name ?? "—"} | {P(r.BestRule?.Return)} | {F(r.BestRule?.Sharpe)} | {r.Status} |"));
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
    private static ScottPlot.Plot Equity(WalkForwardPlan plan, IReadOnlyList<FoldResult> results)
    {
        var done = results.Where(r => r.Agent is not null).OrderBy(r => r.TestStart).ToList();
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
        plot.Title(Text($"Walk-forward out-of-sample equity ({plan.BaseRun.Dataset}, {done.Count} folds, {done[0].TestFrom:yyyy-MM-dd} – {done[^1].TestTo:yyyy-MM-dd}), growth of 1"));
        plot.XLabel("bar of the series (dotted: fold boundaries; each fold starts in cash)");
        plot.YLabel("equity / initial capital");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    internal static string P(double? value) => value is { } v ? v.ToString("P1", CultureInfo.InvariantCulture) : "—";

    internal static string F(double? value) => value is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "—";

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
