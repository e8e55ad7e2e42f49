using Lineage.Core.Episodes;
using Lineage.Orchestration.Activities;
using ScottPlot;

namespace Lineage.Cli;

/// <summary>PNG plots of a run: learning curves, evaluation returns, test equity against baselines, actions.</summary>
internal static class Plots
{
    private const int Width = 900;
    private const int Height = 420;

    public static IReadOnlyList<string> Write(DirectoryInfo folder, IReadOnlyList<IterationMetrics> metrics, IReadOnlyList<(string Name, EvaluationReport Report)> evaluations)
    {
        var written = new List<string>();
        var losses = metrics.SelectMany(m => m.LossPerUpdate).Select(v => (double)v).ToArray();
        if (losses.Length > 0)
        {
            var plot = new Plot();
            var xs = Enumerable.Range(1, losses.Length).Select(i => (double)i).ToArray();
            var loss = plot.Add.ScatterLine(xs, losses);
            loss.LegendText = "loss";
            var meanQ = plot.Add.ScatterLine(xs, metrics.SelectMany(m => m.MeanQPerUpdate).Select(v => (double)v).ToArray());
            meanQ.LegendText = "mean Q";
            meanQ.Axes.YAxis = plot.Axes.Right;
            plot.Title("Learner: loss (left) and mean Q (right) per update");
            plot.XLabel("update");
            plot.ShowLegend();
            written.Add(Save(plot, folder, "learning.png"));
        }

        var validation = evaluations.Where(e => e.Name.EndsWith("-validation", StringComparison.Ordinal)).ToList();
        if (validation.Count > 0)
        {
            var plot = new Plot();
            var xs = Enumerable.Range(1, validation.Count).Select(i => (double)i).ToArray();
            Line(plot, xs, validation.Select(v => v.Report.Agent.Roi * 100), "agent (greedy)");
            Line(plot, xs, validation.Select(v => v.Report.BuyAndHold.Roi * 100), "buy & hold");
            Line(plot, xs, validation.Select(v => v.Report.Random.MeanRoi * 100), "random (mean)");
            if (validation.All(v => v.Report.Reference is not null))
            {
                Line(plot, xs, validation.Select(v => v.Report.Reference!.Roi * 100), "reference policy");
            }

            plot.Title("Validation return (%) at each evaluation");
            plot.XLabel("evaluation #");
            plot.YLabel("return %");
            plot.ShowLegend();
            written.Add(Save(plot, folder, "validation.png"));
        }

        if (evaluations.LastOrDefault(e => e.Name.EndsWith("-test", StringComparison.Ordinal)) is { Report: { } test })
        {
            var plot = new Plot();
            Line(plot, null, test.EquityCurve, "agent (greedy)");
            Line(plot, null, test.BuyAndHoldEquityCurve, "buy & hold");
            plot.Title($"Test split equity: {test.SeriesName}");
            plot.XLabel("bar");
            plot.YLabel("equity");
            plot.ShowLegend();
            written.Add(Save(plot, folder, "test-equity.png"));

            var actions = new Plot();
            var bars = actions.Add.Bars(test.ActionCounts.Select(c => (double)c).ToArray());
            actions.Axes.Bottom.SetTicks([0, 1, 2, 3], ["Hold", "Buy", "Sell", "Close"]);
            _ = bars;
            actions.Title("Test split: actions taken by the greedy agent");
            written.Add(Save(actions, folder, "test-actions.png"));
        }

        return written;
    }

    private static void Line(Plot plot, double[]? xs, IEnumerable<double> ys, string label)
    {
        var y = ys.ToArray();
        var x = xs ?? Enumerable.Range(0, y.Length).Select(i => (double)i).ToArray();
        var line = plot.Add.ScatterLine(x, y);
        line.LegendText = label;
    }

    private static string Save(Plot plot, DirectoryInfo folder, string name)
    {
        plot.SavePng(Path.Combine(folder.FullName, name), Width, Height);
        return name;
    }
}
