using System.Globalization;
using Lineage.Core.Episodes;
using ScottPlot;

namespace Lineage.Cli;

/// <summary>PNG plots of a run: learning curves, evaluation returns, test equity against baselines, actions.</summary>
internal static class Plots
{
    public const int Width = 1000;
    public const int Height = 460;

    private static readonly Color AgentColor = Colors.C0;
    private static readonly Color BuyAndHoldColor = Colors.C1;
    private static readonly Color RandomColor = Colors.Gray;
    private static readonly Color ReferenceColor = Colors.C2;
    private static readonly Color FlatColor = Colors.Black;

    public static IReadOnlyList<string> Write(DirectoryInfo folder, RunArtifacts artifacts)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(artifacts);
        var written = new List<string>();
        var losses = artifacts.Metrics.SelectMany(m => m.LossPerUpdate).Select(v => (double)v).ToArray();
        if (losses.Length > 0)
        {
            var meanQ = artifacts.Metrics.SelectMany(m => m.MeanQPerUpdate).Select(v => (double)v).ToArray();
            written.Add(Save(PerUpdate(losses, "TD loss per update", "loss", logScale: true), folder, "loss.png"));
            written.Add(Save(PerUpdate(meanQ, "Mean Q of the sampled batch per update", "mean Q", logScale: false), folder, "mean-q.png"));
        }

        var validation = artifacts.Validation.Where(v => v.Iteration is not null).ToList();
        if (validation.Count > 0)
        {
            written.Add(Save(EvaluationReturns(validation), folder, "validation.png"));
        }

        if (artifacts.Test is { } test)
        {
            written.Add(Save(TestEquity(test), folder, "test-equity.png"));
            written.Add(Save(Actions(test.Report), folder, "test-actions.png"));
        }

        return written;
    }

    /// <summary>Raw values (faint) and a moving average (bold): a noisy per-update series stays readable.</summary>
    public static Plot PerUpdate(double[] values, string title, string yLabel, bool logScale)
    {
        var plot = new Plot();
        var xs = Enumerable.Range(1, values.Length).Select(i => (double)i).ToArray();
        var ys = logScale ? values.Select(v => Math.Log10(Math.Max(v, 1e-8))).ToArray() : values;
        var raw = plot.Add.ScatterLine(xs, ys);
        raw.Color = AgentColor.WithAlpha(0.25);
        raw.LegendText = "per update";
        var window = Math.Max(1, values.Length / 50);
        var smooth = plot.Add.ScatterLine(xs, MovingAverage(ys, window));
        smooth.Color = AgentColor;
        smooth.LineWidth = 2.5f;
        smooth.LegendText = string.Create(CultureInfo.InvariantCulture, $"moving average ({window} updates)");
        plot.Title(title);
        plot.XLabel("update");
        if (logScale)
        {
            plot.YLabel(yLabel + " (log scale)");
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => Math.Pow(10, y).ToString("G3", CultureInfo.InvariantCulture),
            };
        }
        else
        {
            plot.YLabel(yLabel);
        }

        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static Plot EvaluationReturns(IReadOnlyList<RunEvaluation> validation)
    {
        var plot = new Plot();
        var xs = validation.Select(v => (double)v.Iteration!.Value).ToArray();
        var randomMean = validation.Select(v => v.Report.Random.MeanRoi * 100).ToArray();
        var randomSd = validation.Select(v => v.Report.Random.StdRoi * 100).ToArray();
        var band = plot.Add.FillY(xs, randomMean.Zip(randomSd, (m, s) => m - s).ToArray(), randomMean.Zip(randomSd, (m, s) => m + s).ToArray());
        band.FillColor = RandomColor.WithAlpha(0.2);
        band.LineWidth = 0;
        Line(plot, xs, randomMean, "random (mean ± sd)", RandomColor, markers: false);
        Line(plot, xs, validation.Select(v => v.Report.BuyAndHold.Roi * 100), "buy & hold", BuyAndHoldColor, markers: false);
        if (validation.All(v => v.Report.Reference is not null))
        {
            Line(plot, xs, validation.Select(v => v.Report.Reference!.Roi * 100), "reference policy", ReferenceColor, markers: false);
        }

        var agent = Line(plot, xs, validation.Select(v => v.Report.Agent.Roi * 100), "agent (greedy)", AgentColor, markers: true);
        agent.LineWidth = 2.5f;
        plot.Add.HorizontalLine(0, 1, FlatColor, LinePattern.Dashed).LegendText = "flat";
        plot.Title("Validation return after fees at each evaluation");
        plot.XLabel("iteration");
        IntegerTicks(plot);
        plot.YLabel("return %");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static Plot TestEquity(RunEvaluation test)
    {
        var r = test.Report;
        var plot = new Plot();
        var capital = r.EquityCurve.Length > 0 ? r.EquityCurve[0] : 1;
        Line(plot, null, r.BuyAndHoldEquityCurve.Select(e => e / capital), Label("buy & hold", r.BuyAndHold.Roi), BuyAndHoldColor, markers: false);
        var agent = Line(plot, null, r.EquityCurve.Select(e => e / capital), Label("agent (greedy)", r.Agent.Roi), AgentColor, markers: false);
        agent.LineWidth = 2.5f;
        plot.Add.HorizontalLine(1, 1, FlatColor, LinePattern.Dashed).LegendText = Label("flat", r.Flat.Roi);
        var random = plot.Add.HorizontalLine(1 + r.Random.MeanRoi, 1, RandomColor, LinePattern.Dotted);
        random.LegendText = string.Create(CultureInfo.InvariantCulture, $"random, final mean ({r.Random.MeanRoi:P1} ± {r.Random.StdRoi:P1})");
        if (r.Reference is { } reference)
        {
            var refLine = plot.Add.HorizontalLine(1 + reference.Roi, 1, ReferenceColor, LinePattern.Dotted);
            refLine.LegendText = Label("reference, final", reference.Roi);
        }

        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Test split equity ({r.SeriesName}, checkpoint {test.Update}), growth of 1"));
        plot.XLabel("bar");
        plot.YLabel("equity / initial capital");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static Plot Actions(EvaluationReport report)
    {
        var plot = new Plot();
        var names = report.ActionNames?.ToArray() ?? ["Hold", "Buy", "Sell", "Close"];
        var total = Math.Max(1, report.ActionCounts.Sum());
        var bars = report.ActionCounts.Select((count, i) => new Bar
        {
            Position = i,
            Value = count,
            FillColor = Colors.Category10[i % Colors.Category10.Length],
            Label = string.Create(CultureInfo.InvariantCulture, $"{count} ({(double)count / total:P0})"),
        }).ToList();
        var series = plot.Add.Bars(bars);
        series.ValueLabelStyle.FontSize = 14;
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, names.Length).Select(i => (double)i)], names);
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Test split: actions of the greedy agent ({total} steps, {report.Agent.Trades} trades)"));
        plot.YLabel("steps");
        return plot;
    }

    public static ScottPlot.Plottables.Scatter Line(Plot plot, double[]? xs, IEnumerable<double> ys, string label, Color color, bool markers)
    {
        ArgumentNullException.ThrowIfNull(plot);
        var y = ys.ToArray();
        var x = xs ?? Enumerable.Range(0, y.Length).Select(i => (double)i).ToArray();
        var line = plot.Add.Scatter(x, y, color);
        line.MarkerSize = markers ? 6 : 0;
        line.LegendText = label;
        return line;
    }

    /// <summary>Iterations are whole numbers: no 0.2-step ticks on short runs.</summary>
    public static void IntegerTicks(Plot plot)
    {
        ArgumentNullException.ThrowIfNull(plot);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
    }

    public static double[] MovingAverage(double[] values, int window)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new double[values.Length];
        var sum = 0.0;
        for (var i = 0; i < values.Length; i++)
        {
            sum += values[i];
            if (i >= window)
            {
                sum -= values[i - window];
            }

            result[i] = sum / Math.Min(i + 1, window);
        }

        return result;
    }

    /// <summary>The test window's returns of the agent and buy-and-hold, and the agent's edge, against the cost per fill.</summary>
    public static Plot FeeSweep(IReadOnlyList<FeeSweepPoint> sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var plot = new Plot();
        var xs = sweep.Select(p => p.CostBps).ToArray();
        Line(plot, xs, sweep.Select(p => p.BuyAndHoldReturn * 100), "buy & hold", BuyAndHoldColor, markers: true);
        Line(plot, xs, sweep.Select(p => p.AgentReturn * 100), "agent (greedy)", AgentColor, markers: true).LineWidth = 2.5f;
        Line(plot, xs, sweep.Select(p => p.ExcessReturn * 100), "agent − buy & hold", ReferenceColor, markers: true);
        plot.Add.HorizontalLine(0, 1, FlatColor, LinePattern.Dashed).LegendText = "no edge";
        plot.Title("Test window return against the cost per fill (commission + slippage)");
        plot.XLabel("cost per fill, bps");
        plot.YLabel("return %");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    public static string Save(Plot plot, DirectoryInfo folder, string name)
    {
        ArgumentNullException.ThrowIfNull(plot);
        ArgumentNullException.ThrowIfNull(folder);
        plot.SavePng(Path.Combine(folder.FullName, name), Width, Height);
        return name;
    }

    private static string Label(string name, double roi) => string.Create(CultureInfo.InvariantCulture, $"{name} ({roi:P1})");
}
