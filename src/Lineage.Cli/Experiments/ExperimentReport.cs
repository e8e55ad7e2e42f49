using System.Globalization;
using System.Text;
using ScottPlot;

namespace Lineage.Cli.Experiments;

/// <summary>Whether one of the issue's targets was met, with the numbers it was judged on.</summary>
internal sealed record TargetCheck(string Variant, string Market, string Target, string Measured, bool Met);

/// <summary>
/// Aggregates an experiment's seeds (mean and 95% t-interval), checks the targets, and writes the
/// experiment's summary.md and comparison plots.
/// </summary>
internal static class ExperimentReport
{
    public const double ScoreTarget = 0.8;

    /// <summary>Random walk: the agent may lose at most this much against flat (fees of a few exploratory trades).</summary>
    public const double RandomWalkReturnBound = 0.02;

    /// <summary>Random walk: at most this many trades on the whole test episode (~800 bars).</summary>
    public const int RandomWalkTradeCap = 20;

    public static SplitResult? Scored(SeedResult r, bool validationOnly) => validationOnly ? r.Validation : r.Test;

    public static IReadOnlyList<TargetCheck> Targets(IReadOnlyList<SeedResult> results, bool validationOnly)
    {
        var checks = new List<TargetCheck>();
        foreach (var group in results.GroupBy(r => (r.Variant, r.Market)))
        {
            var scored = group.Select(r => Scored(r, validationOnly)).OfType<SplitResult>().ToList();
            if (scored.Count == 0)
            {
                continue;
            }

            var (variant, market) = group.Key;
            var split = validationOnly ? "validation" : "test";
            switch (market)
            {
                case "trend" or "meanrev":
                {
                    var score = MeanInterval.Of([.. scored.Select(s => s.Score ?? double.NaN)]);
                    checks.Add(new(variant, market, string.Create(CultureInfo.InvariantCulture, $"normalised {split} score ≥ {ScoreTarget}"), Ci(score, "F2"), score.Mean >= ScoreTarget));
                    var edge = MeanInterval.Of([.. scored.Select(s => s.Return - s.BuyAndHold)]);
                    checks.Add(new(variant, market, $"{split} return above buy-and-hold", Ci(edge, "P1") + " (agent − buy & hold)", edge.Mean > 0));
                    break;
                }

                case "randomwalk":
                {
                    var edge = MeanInterval.Of([.. scored.Select(s => s.Return - s.Flat)]);
                    checks.Add(new(variant, market, string.Create(CultureInfo.InvariantCulture, $"{split} return ≥ flat − {RandomWalkReturnBound:P0}"), Ci(edge, "P2") + " (agent − flat)", edge.Mean >= -RandomWalkReturnBound));
                    var trades = MeanInterval.Of([.. scored.Select(s => (double)s.Trades)]);
                    checks.Add(new(variant, market, string.Create(CultureInfo.InvariantCulture, $"trades per {split} episode ≤ {RandomWalkTradeCap}"), string.Create(CultureInfo.InvariantCulture, $"{Ci(trades, "F1")}, max {scored.Max(s => s.Trades)}"), trades.Mean <= RandomWalkTradeCap));
                    checks.Add(new(variant, market, "no significant edge: 95% CI of (agent − flat) includes 0", Ci(edge, "P2"), edge.Contains(0)));
                    break;
                }
            }
        }

        return checks;
    }

    public static string Ci(MeanInterval m, string format) =>
        m.Count < 2
            ? m.Mean.ToString(format, CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{m.Mean.ToString(format, CultureInfo.InvariantCulture)} [{m.Low.ToString(format, CultureInfo.InvariantCulture)}, {m.High.ToString(format, CultureInfo.InvariantCulture)}]");

    public static async Task<IReadOnlyList<string>> WriteAsync(DirectoryInfo folder, ExperimentPlan plan, IReadOnlyList<SeedResult> results, string command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(results);
        var plots = new List<string>();
        foreach (var market in plan.Markets)
        {
            var forMarket = results.Where(r => r.Market == market).ToList();
            if (forMarket.Count > 0)
            {
                plots.AddRange(WritePlots(folder, market, forMarket, plan.ValidationOnly));
            }
        }

        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "summary.md"), Markdown(plan, results, command, plots), cancellationToken);
        return plots;
    }

    private static string Markdown(ExperimentPlan plan, IReadOnlyList<SeedResult> results, string command, IReadOnlyList<string> plots)
    {
        var split = plan.ValidationOnly ? "validation" : "test";
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Experiment {plan.Name}");
        md.AppendLine();
        md.AppendLine("```");
        md.AppendLine(command);
        md.AppendLine("```");
        md.AppendLine();
        var b = plan.BaseRun;
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Seeds {string.Join(", ", plan.Seeds)}; per run {b.Iterations} iterations × {b.EpisodesPerIteration} episodes × {b.StepsPerEpisode} steps, {b.UpdatesPerIteration} updates/iteration, evaluation every {b.EvaluateEvery}; " +
            $"base reward {b.Reward.Kind} × {b.Reward.Scale}; γ {b.Dqn.Gamma}, lr {b.Dqn.LearningRate}, batch {b.Dqn.BatchSize}, {b.Dqn.Optimizer}/{b.Dqn.Loss}, target update {b.Dqn.TargetUpdateInterval}; " +
            $"ε {b.Epsilon.Start}→{b.Epsilon.End} over {b.Epsilon.DecayFraction:P0} of the run; fees {b.Arena.FeeBps} bps per fill.");
        md.AppendLine();
        foreach (var variant in plan.Variants)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- **{variant.Name}**: {variant.Description}.");
        }

        md.AppendLine();
        md.AppendLine(plan.ValidationOnly
            ? "**Tuning mode (validation only)**: every figure below is on the validation series; test scores are not shown."
            : "Every figure below is on the **test** series, scored once per run for the checkpoint chosen on validation.");
        md.AppendLine("Each cell: mean over seeds [95% confidence interval, Student's t]. Score = (agent − random) / (reference − random) on return after fees: 0 is the random policy, 1 the reference policy.");
        md.AppendLine();

        var checks = Targets(results, plan.ValidationOnly);
        if (checks.Count > 0)
        {
            md.AppendLine("## Targets");
            md.AppendLine();
            md.AppendLine("| variant | market | target | measured | met |");
            md.AppendLine("|---|---|---|---|---|");
            foreach (var c in checks)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {c.Variant} | {c.Market} | {c.Target} | {c.Measured} | {(c.Met ? "yes" : "**no**")} |");
            }

            md.AppendLine();
        }

        foreach (var market in plan.Markets)
        {
            var forMarket = results.Where(r => r.Market == market).ToList();
            if (forMarket.Count == 0)
            {
                continue;
            }

            md.AppendLine(CultureInfo.InvariantCulture, $"## {market} ({split})");
            md.AppendLine();
            md.AppendLine("| policy | seeds | return | Sharpe | max drawdown | trades | score | agent − buy & hold |");
            md.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var variant in plan.Variants)
            {
                var s = forMarket.Where(r => r.Variant == variant.Name).Select(r => Scored(r, plan.ValidationOnly)).OfType<SplitResult>().ToList();
                if (s.Count == 0)
                {
                    continue;
                }

                var hasScore = s.All(x => x.Score is not null);
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| agent: {variant.Name} | {s.Count} | {Ci(Of(s, x => x.Return), "P1")} | {Ci(Of(s, x => x.Sharpe), "F2")} | {Ci(Of(s, x => x.MaxDrawdown), "P1")} | {Ci(Of(s, x => x.Trades), "F1")} | {(hasScore ? Ci(Of(s, x => x.Score!.Value), "F2") : "—")} | {Ci(Of(s, x => x.Return - x.BuyAndHold), "P1")} |");
            }

            // Baselines depend on the series only; variants share seeds, so take them once per seed.
            var series = forMarket.GroupBy(r => r.Seed).Select(g => Scored(g.First(), plan.ValidationOnly)).OfType<SplitResult>().ToList();
            if (series.Count > 0)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| buy & hold | {series.Count} | {Ci(Of(series, x => x.BuyAndHold), "P1")} | {Ci(Of(series, x => x.BuyAndHoldSharpe), "F2")} | {Ci(Of(series, x => x.BuyAndHoldMaxDrawdown), "P1")} | 1 | {(series.All(x => x.Reference is not null) ? Ci(Of(series, x => Scores.Normalized(x.BuyAndHold, x.RandomMean, x.Reference)!.Value), "F2") : "—")} | 0 |");
                md.AppendLine(CultureInfo.InvariantCulture, $"| flat | {series.Count} | {Ci(Of(series, x => x.Flat), "P1")} | 0 | 0 | 0 | {(series.All(x => x.Reference is not null) ? Ci(Of(series, x => Scores.Normalized(x.Flat, x.RandomMean, x.Reference)!.Value), "F2") : "—")} | {Ci(Of(series, x => x.Flat - x.BuyAndHold), "P1")} |");
                md.AppendLine(CultureInfo.InvariantCulture, $"| random (20 runs per seed) | {series.Count} | {Ci(Of(series, x => x.RandomMean), "P1")} | — | — | — | 0 | {Ci(Of(series, x => x.RandomMean - x.BuyAndHold), "P1")} |");
                if (series.All(x => x.Reference is not null))
                {
                    md.AppendLine(CultureInfo.InvariantCulture, $"| reference policy | {series.Count} | {Ci(Of(series, x => x.Reference!.Value), "P1")} | — | — | — | 1 | {Ci(Of(series, x => x.Reference!.Value - x.BuyAndHold), "P1")} |");
                }
            }

            md.AppendLine();
            md.AppendLine("Per seed:");
            md.AppendLine();
            md.AppendLine("| variant | seed | run | selected (iteration/update) | return | Sharpe | max DD | trades | buy & hold | random | reference | score | wall s |");
            md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var r in forMarket)
            {
                var s = Scored(r, plan.ValidationOnly);
                md.AppendLine(s is null
                    ? string.Create(CultureInfo.InvariantCulture, $"| {r.Variant} | {r.Seed} | {r.RunId} | — | {r.Status} | | | | | | | | {r.Seconds:F0} |")
                    : string.Create(CultureInfo.InvariantCulture,
                        $"| {r.Variant} | {r.Seed} | {(plan.ValidationOnly ? r.RunId : $"[{r.RunId}](runs/{r.RunId}/summary.md)")} | {r.SelectedIteration}/{r.SelectedUpdate} | {s.Return:P1} | {s.Sharpe:F2} | {s.MaxDrawdown:P1} | {s.Trades} | {s.BuyAndHold:P1} | {s.RandomMean:P1} | {(s.Reference is { } rf ? rf.ToString("P1", CultureInfo.InvariantCulture) : "—")} | {(s.Score is { } sc ? sc.ToString("F2", CultureInfo.InvariantCulture) : "—")} | {r.Seconds:F0} |"));
            }

            md.AppendLine();
            foreach (var plot in plots.Where(p => p.EndsWith($"-{market}.png", StringComparison.Ordinal)))
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"![{plot}]({plot})");
                md.AppendLine();
            }
        }

        if (plan.Markets.Any(m => m is not ("trend" or "meanrev" or "randomwalk")))
        {
            md.AppendLine("Buy-and-hold on the bundled price files excludes dividends (prices are not total-return), so it understates a real holder's return on SPY and GOOGL.");
            md.AppendLine();
        }

        return md.ToString();
    }

    // Baselines own C1 (buy & hold), C2 (reference) and gray (random); variants take the other colours.
    private static Color VariantColor(int index) => VariantPalette[index % VariantPalette.Length];

    private static readonly Color[] VariantPalette = [Colors.C0, Colors.C3, Colors.C4, Colors.C5, Colors.C6, Colors.C8, Colors.C9];

    private static MeanInterval Of(IReadOnlyList<SplitResult> s, Func<SplitResult, double> value) => MeanInterval.Of([.. s.Select(value)]);

    private static List<string> WritePlots(DirectoryInfo folder, string market, IReadOnlyList<SeedResult> results, bool validationOnly)
    {
        var written = new List<string>();
        var variants = results.Select(r => r.Variant).Distinct().ToList();

        var validation = new Plot();
        for (var v = 0; v < variants.Count; v++)
        {
            var color = VariantColor(v);
            var runs = results.Where(r => r.Variant == variants[v] && r.ValidationCurve.Count > 0).ToList();
            foreach (var run in runs)
            {
                var thin = validation.Add.ScatterLine(run.ValidationCurve.Select(p => (double)p.Iteration).ToArray(), run.ValidationCurve.Select(p => p.Return * 100).ToArray(), color.WithAlpha(0.3));
                thin.LineWidth = 1;
            }

            if (MeanCurve(runs.Select(r => r.ValidationCurve.Select(p => ((double)p.Iteration, p.Return * 100)).ToList()).ToList()) is { } mean)
            {
                var line = validation.Add.Scatter(mean.Xs, mean.Ys, color);
                line.LineWidth = 3;
                line.MarkerSize = 7;
                line.LegendText = $"agent: {variants[v]} (mean; thin = seeds)";
            }
        }

        var baselineRuns = results.Where(r => r.Variant == variants[0]).ToList();
        AddMeanBaseline(validation, baselineRuns, p => p.BuyAndHold * 100, "buy & hold (mean)", Colors.C1);
        AddMeanBaseline(validation, baselineRuns, p => p.RandomMean * 100, "random (mean)", Colors.Gray);
        if (baselineRuns.All(r => r.ValidationCurve.All(p => p.Reference is not null)))
        {
            AddMeanBaseline(validation, baselineRuns, p => p.Reference!.Value * 100, "reference policy (mean)", Colors.C2);
        }

        validation.Add.HorizontalLine(0, 1, Colors.Black, LinePattern.Dashed).LegendText = "flat";
        validation.Title($"{market}: validation return after fees during training");
        validation.XLabel("iteration");
        Plots.IntegerTicks(validation);
        validation.YLabel("return %");
        validation.ShowLegend(Alignment.UpperLeft);
        written.Add(Plots.Save(validation, folder, $"validation-{market}.png"));

        var loss = new Plot();
        var q = new Plot();
        for (var v = 0; v < variants.Count; v++)
        {
            var color = VariantColor(v);
            var runs = results.Where(r => r.Variant == variants[v]).ToList();
            AddSeedCurves(loss, runs, r => r.LossPerIteration.Select(x => Math.Log10(Math.Max(x, 1e-8))).ToArray(), variants[v], color);
            AddSeedCurves(q, runs, r => r.MeanQPerIteration, variants[v], color);
        }

        loss.Title($"{market}: mean TD loss per iteration (log scale; thin = seeds)");
        loss.XLabel("iteration");
        Plots.IntegerTicks(loss);
        loss.YLabel("loss (log10)");
        loss.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("G3", CultureInfo.InvariantCulture),
        };
        loss.ShowLegend(Alignment.UpperRight);
        written.Add(Plots.Save(loss, folder, $"loss-{market}.png"));
        q.Title($"{market}: mean Q per iteration (thin = seeds)");
        q.XLabel("iteration");
        Plots.IntegerTicks(q);
        q.YLabel("mean Q");
        q.ShowLegend(Alignment.UpperLeft);
        written.Add(Plots.Save(q, folder, $"mean-q-{market}.png"));

        written.Add(Plots.Save(ReturnBars(market, results, variants, validationOnly), folder, $"returns-{market}.png"));
        return written;
    }

    private static Plot ReturnBars(string market, IReadOnlyList<SeedResult> results, List<string> variants, bool validationOnly)
    {
        var plot = new Plot();
        var labels = new List<string>();
        var position = 0;
        void AddBar(string label, IReadOnlyList<double> values, Color color)
        {
            if (values.Count == 0)
            {
                return;
            }

            var m = MeanInterval.Of(values);
            var bar = new Bar
            {
                Position = position,
                Value = m.Mean * 100,
                FillColor = color,
                Error = values.Count > 1 ? m.HalfWidth * 100 : 0,
                Label = (m.Mean * 100).ToString("F1", CultureInfo.InvariantCulture) + "%",
            };
            plot.Add.Bar(bar);
            var dots = plot.Add.ScatterPoints(values.Select(_ => (double)position).ToArray(), values.Select(x => x * 100).ToArray(), Colors.Black);
            dots.MarkerSize = 5;
            labels.Add(label);
            position++;
        }

        for (var v = 0; v < variants.Count; v++)
        {
            AddBar("agent: " + variants[v], [.. results.Where(r => r.Variant == variants[v]).Select(r => Scored(r, validationOnly)).OfType<SplitResult>().Select(s => s.Return)], VariantColor(v));
        }

        var series = results.GroupBy(r => r.Seed).Select(g => Scored(g.First(), validationOnly)).OfType<SplitResult>().ToList();
        AddBar("buy & hold", [.. series.Select(s => s.BuyAndHold)], Colors.C1.WithAlpha(0.6));
        AddBar("flat", [.. series.Select(s => s.Flat)], Colors.Black.WithAlpha(0.6));
        AddBar("random", [.. series.Select(s => s.RandomMean)], Colors.Gray);
        if (series.Count > 0 && series.All(s => s.Reference is not null))
        {
            AddBar("reference", [.. series.Select(s => s.Reference!.Value)], Colors.C2.WithAlpha(0.6));
        }

        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, labels.Count).Select(i => (double)i)], [.. labels]);
        plot.Add.HorizontalLine(0, 1, Colors.Black);
        plot.Title($"{market}: {(validationOnly ? "validation" : "test")} return after fees, mean ± 95% CI over seeds (dots = seeds)");
        plot.YLabel("return %");
        return plot;
    }

    private static void AddSeedCurves(Plot plot, IReadOnlyList<SeedResult> runs, Func<SeedResult, double[]> values, string label, Color color)
    {
        var curves = runs.Select(values).Where(c => c.Length > 0).ToList();
        foreach (var curve in curves)
        {
            var thin = plot.Add.ScatterLine(Enumerable.Range(0, curve.Length).Select(i => (double)i).ToArray(), curve, color.WithAlpha(0.3));
            thin.LineWidth = 1;
        }

        if (MeanCurve(curves.Select(c => c.Select((y, i) => ((double)i, y)).ToList()).ToList()) is { } mean)
        {
            var line = plot.Add.ScatterLine(mean.Xs, mean.Ys, color);
            line.LineWidth = 3;
            line.LegendText = label;
        }
    }

    private static void AddMeanBaseline(Plot plot, IReadOnlyList<SeedResult> runs, Func<EvaluationPoint, double> value, string label, Color color)
    {
        if (MeanCurve(runs.Select(r => r.ValidationCurve.Select(p => ((double)p.Iteration, value(p))).ToList()).ToList()) is { } mean)
        {
            var line = plot.Add.ScatterLine(mean.Xs, mean.Ys, color);
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 2;
            line.LegendText = label;
        }
    }

    // Mean over the curves at the x values every curve has.
    private static (double[] Xs, double[] Ys)? MeanCurve(IReadOnlyList<List<(double X, double Y)>> curves)
    {
        if (curves.Count == 0)
        {
            return null;
        }

        var xs = curves.Select(c => c.Select(p => p.X).ToHashSet()).Aggregate((a, b) => { a.IntersectWith(b); return a; }).Order().ToArray();
        if (xs.Length == 0)
        {
            return null;
        }

        var ys = xs.Select(x => curves.Average(c => c.First(p => p.X == x).Y)).ToArray();
        return (xs, ys);
    }
}
