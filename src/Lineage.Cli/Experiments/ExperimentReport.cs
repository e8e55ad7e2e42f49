using System.Globalization;
using System.Text;
using Lineage.Core.Statistics;
using ScottPlot;

namespace Lineage.Cli.Experiments;

/// <summary>Whether one of the issue's targets was met, with the numbers it was judged on and where their uncertainty comes from.</summary>
internal sealed record TargetCheck(string Variant, string Market, string Target, string Measured, bool Met, string Uncertainty);

/// <summary>
/// One variant on one market: agent − buy &amp; hold on the scored split over <see cref="Bars"/> bars, with both sources of
/// uncertainty (<see cref="SeedUncertainty"/>: market paths and agent seeds). On a file dataset (one path)
/// <see cref="PathBootstrap"/> is the mean over its runs of the paired block-bootstrap CI of excess return (null when
/// the split drew none). <see cref="Score"/> is the old normalised score, secondary (null without a reference policy).
/// </summary>
internal sealed record Headline(
    string Variant,
    string Market,
    bool Synthetic,
    string Bars,
    SeedUncertainty ExcessReturn,
    SeedUncertainty ExcessSharpe,
    BootstrapInterval? PathBootstrap,
    int BootstrapRuns,
    MeanInterval? Score);

/// <summary>
/// Aggregates an experiment's runs, checks the targets, and writes the experiment's summary.md and comparison plots.
/// Every interval keeps market paths and agent seeds apart (<see cref="SeedUncertainty"/>): clustered by market path
/// when a synthetic market ran two or more market seeds, otherwise over agent seeds (training noise only).
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
            var scored = ScoredRuns(group, validationOnly);
            if (scored.Count == 0)
            {
                continue;
            }

            var (variant, market) = group.Key;
            var split = validationOnly ? "validation" : "test";
            var synthetic = ExperimentMarkets.IsSynthetic(market);
            switch (market)
            {
                case "trend" or "meanrev":
                {
                    var edge = Spread(scored, s => s.Return - s.BuyAndHold);
                    checks.Add(new(variant, market, $"{split} return above buy-and-hold", Ci(edge.Headline, "P1") + " (agent − buy & hold)", edge.Headline.Mean > 0, Uncertainty(edge, synthetic, "P1")));
                    var score = Spread(scored, s => s.Score ?? double.NaN);
                    checks.Add(new(variant, market, string.Create(CultureInfo.InvariantCulture, $"normalised {split} score ≥ {ScoreTarget} (secondary, see caveat)"), Ci(score.Headline, "F2"), score.Headline.Mean >= ScoreTarget, Uncertainty(score, synthetic, "F2")));
                    break;
                }

                case "randomwalk":
                {
                    var edge = Spread(scored, s => s.Return - s.Flat);
                    checks.Add(new(variant, market, string.Create(CultureInfo.InvariantCulture, $"{split} return ≥ flat − {RandomWalkReturnBound:P0}"), Ci(edge.Headline, "P2") + " (agent − flat)", edge.Headline.Mean >= -RandomWalkReturnBound, Uncertainty(edge, synthetic, "P2")));
                    var trades = Spread(scored, s => s.Trades);
                    checks.Add(new(variant, market, string.Create(CultureInfo.InvariantCulture, $"trades per {split} episode ≤ {RandomWalkTradeCap}"), string.Create(CultureInfo.InvariantCulture, $"{Ci(trades.Headline, "F1")}, max {scored.Max(s => s.Split.Trades)}"), trades.Headline.Mean <= RandomWalkTradeCap, Uncertainty(trades, synthetic, "F1")));
                    checks.Add(new(variant, market, "no significant edge: 95% CI of (agent − flat) includes 0", Ci(edge.Headline, "P2"), edge.Headline.Contains(0), Uncertainty(edge, synthetic, "P2")));
                    break;
                }
            }
        }

        return checks;
    }

    /// <summary>Agent − buy &amp; hold per variant and market, in the order the runs ran.</summary>
    public static IReadOnlyList<Headline> Headlines(IReadOnlyList<SeedResult> results, bool validationOnly)
    {
        var headlines = new List<Headline>();
        foreach (var group in results.GroupBy(r => (r.Variant, r.Market)))
        {
            var scored = ScoredRuns(group, validationOnly);
            if (scored.Count == 0)
            {
                continue;
            }

            var (minBars, maxBars) = (scored.Min(s => s.Split.Bars), scored.Max(s => s.Split.Bars));
            var boots = scored.Select(s => s.Split.ExcessReturnVsBuyAndHold).OfType<BootstrapInterval>().ToList();
            var synthetic = ExperimentMarkets.IsSynthetic(group.Key.Market);
            headlines.Add(new Headline(
                group.Key.Variant,
                group.Key.Market,
                synthetic,
                minBars == maxBars ? string.Create(CultureInfo.InvariantCulture, $"{minBars} bars") : string.Create(CultureInfo.InvariantCulture, $"{minBars}–{maxBars} bars"),
                Spread(scored, s => s.Return - s.BuyAndHold),
                Spread(scored, s => s.Sharpe - s.BuyAndHoldSharpe),
                synthetic || boots.Count == 0 ? null : new BootstrapInterval(boots.Average(b => b.Point), boots.Average(b => b.Lower), boots.Average(b => b.Upper)),
                synthetic ? 0 : boots.Count,
                scored.All(s => s.Split.Score is not null) ? Spread(scored, s => s.Score!.Value).Headline : null));
        }

        return headlines;
    }

    /// <summary>Tolerance of the real-data floor: the agent's Sharpe may trail buy &amp; hold's by at most this much.</summary>
    public const double PooledTolerance = 0.1;

    /// <summary>Per variant with two or more file markets: excess Sharpe over buy &amp; hold pooled over them (<see cref="PooledExcess"/>).</summary>
    public static IReadOnlyList<(string Variant, PooledExcess Pooled)> Pooled(IReadOnlyList<SeedResult> results, bool validationOnly)
    {
        ArgumentNullException.ThrowIfNull(results);
        return [.. FileVariants(results)
            .Select(v => (v.Key, ByName(v, runs => [.. ScoredRuns(runs, validationOnly).Select(s => s.Split.Sharpe - s.Split.BuyAndHoldSharpe)], PooledTolerance)))
            .Where(p => p.Item2.Names.Count >= 2)];
    }

    /// <summary>
    /// Per variant with two or more file markets: the validation excess over buy &amp; hold (Sharpe, and return) of every
    /// checkpoint in the second half of training, averaged per run, then over the name's seeds, pooled over names. No
    /// checkpoint is selected, so unlike <see cref="Pooled"/> on validation it carries no selection bias: this is the
    /// criterion the ablations compare variants by.
    /// </summary>
    public static IReadOnlyList<(string Variant, PooledExcess Sharpe, PooledExcess Return)> LateTrainingExcess(IReadOnlyList<SeedResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        return [.. FileVariants(results)
            .Select(v => (v.Key, ByName(v, runs => PerRun(runs, p => p.Sharpe - p.BuyAndHoldSharpe), PooledTolerance), ByName(v, runs => PerRun(runs, p => p.Return - p.BuyAndHold), 0)))
            .Where(l => l.Item2.Names.Count >= 2)];

        static List<double> PerRun(IEnumerable<SeedResult> runs, Func<EvaluationPoint, double?> value) =>
            [.. runs.Select(r => LateTraining.Mean([.. r.ValidationCurve.Select(p => (p.Iteration, value(p)))])).OfType<double>()];
    }

    /// <summary>The runs on file markets (real series), grouped by variant.</summary>
    private static IEnumerable<IGrouping<string, SeedResult>> FileVariants(IReadOnlyList<SeedResult> results) =>
        results.Where(r => !ExperimentMarkets.IsSynthetic(r.Market)).GroupBy(r => r.Variant);

    /// <summary>One variant's runs pooled over names: <paramref name="perSeed"/> gives a name's figure for each of its runs.</summary>
    private static PooledExcess ByName(IEnumerable<SeedResult> variant, Func<IEnumerable<SeedResult>, List<double>> perSeed, double tolerance) =>
        PooledExcess.Of([.. variant.GroupBy(r => r.Market).Select(m => new NameExcess(m.Key, perSeed(m)))], tolerance);

    /// <summary>E.g. "market paths: 10, agent seeds: 3", or for a file "market paths: 1 (the file), agent seeds: 5".</summary>
    public static string Counts(SeedUncertainty u, bool synthetic)
    {
        ArgumentNullException.ThrowIfNull(u);
        var seeds = u.MinAgentSeeds == u.MaxAgentSeeds
            ? u.MinAgentSeeds.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{u.MinAgentSeeds}–{u.MaxAgentSeeds} per path");
        return string.Create(CultureInfo.InvariantCulture, $"market paths: {u.MarketPaths}{(synthetic ? "" : " (the file)")}, agent seeds: {seeds}");
    }

    /// <summary>Where the headline's 95 % CI comes from.</summary>
    public static string CiSource(SeedUncertainty u, bool synthetic)
    {
        ArgumentNullException.ThrowIfNull(u);
        return u.ClusteredByMarket
            ? string.Create(CultureInfo.InvariantCulture, $"95% CI clustered by market path (t over {u.MarketPaths} path means)")
            : u.Headline.Count < 2
                ? "one run: no CI"
                : synthetic
                    ? "95% CI over agent seeds (t): training noise only, one market path"
                    : "95% CI over agent seeds (t): training noise only, the file is one path";
    }

    /// <summary>The training-noise spread: SD across agent seeds on the same path (mean over paths).</summary>
    public static string TrainingNoise(SeedUncertainty u, string format)
    {
        ArgumentNullException.ThrowIfNull(u);
        return double.IsNaN(u.TrainingNoiseSd)
            ? "— (one agent seed per path)"
            : string.Create(CultureInfo.InvariantCulture, $"SD {u.TrainingNoiseSd.ToString(format, CultureInfo.InvariantCulture)} across agent seeds{(u.MarketPaths >= 2 ? $" (mean over {u.MarketPaths} paths)" : "")}");
    }

    public static string Uncertainty(SeedUncertainty u, bool synthetic, string format) =>
        $"{CiSource(u, synthetic)}; {Counts(u, synthetic)}; training noise {TrainingNoise(u, format)}";

    /// <summary>The mean of the runs' paired block-bootstrap CIs of excess return over buy &amp; hold (file datasets), or "—".</summary>
    public static string PathBootstrap(Headline h)
    {
        ArgumentNullException.ThrowIfNull(h);
        return h.PathBootstrap is { } b
            ? string.Create(CultureInfo.InvariantCulture, $"{b.Point:P1} [{b.Lower:P1}, {b.Upper:P1}] (mean of {h.BootstrapRuns} runs' 95% CIs)")
            : h.Synthetic ? "— (paths are market seeds)" : "— (not drawn)";
    }

    /// <summary>The fees every figure is after, e.g. "10 bps per fill" (and slippage when set).</summary>
    public static string Fees(Orchestration.Runs.TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return string.Create(CultureInfo.InvariantCulture, $"{run.Arena.FeeBps} bps per fill{(run.Arena.SlippageBps > 0 ? $" + {run.Arena.SlippageBps} bps slippage" : "")}");
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
        var synthetic = plan.Markets.Where(ExperimentMarkets.IsSynthetic).ToList();
        var files = plan.Markets.Where(m => !ExperimentMarkets.IsSynthetic(m)).ToList();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Agent seeds {string.Join(", ", plan.Seeds)}; market seeds {string.Join(", ", plan.MarketSeeds)}; per run {b.Iterations} iterations × {b.EpisodesPerIteration} episodes × {b.StepsPerEpisode} steps, {b.UpdatesPerIteration} updates/iteration, evaluation every {b.EvaluateEvery}; " +
            $"base reward {b.Reward.Kind} × {b.Reward.Scale}; γ {b.Dqn.Gamma}, lr {b.Dqn.LearningRate}, batch {b.Dqn.BatchSize}, {b.Dqn.Optimizer}/{b.Dqn.Loss}, target update {b.Dqn.TargetUpdateInterval}; " +
            $"ε {b.Epsilon.Start}→{b.Epsilon.End} over {b.Epsilon.DecayFraction:P0} of the run; fees {Fees(b)}{(synthetic.Count > 0 ? "; synthetic signal-to-noise " + SignalToNoise(b.SyntheticSignalToNoise) : "")}.");
        md.AppendLine();
        foreach (var variant in plan.Variants)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- **{variant.Name}**: {variant.Description}.");
        }

        md.AppendLine();
        md.AppendLine(plan.ValidationOnly
            ? "**Tuning mode (validation only)**: every figure below is on the validation series; test scores are not shown."
            : "Every figure below is on the **test** series, scored once per run for the checkpoint chosen on validation.");
        md.AppendLine();
        md.AppendLine("Two sources of uncertainty are kept apart. **Market paths**: on a synthetic market each market seed generates its own train, validation and test series. " +
            "**Agent seeds**: network initialisation, ε-greedy acting and replay sampling, i.e. training noise. " +
            "With two or more market paths a 95 % CI is **clustered by market path**: Student's t over the per-path means, each averaged over that path's agent seeds. " +
            "With one path it is Student's t over agent seeds and covers training noise only. " +
            "Training noise is the SD across agent seeds on the same path, averaged over paths.");
        if (synthetic.Count > 0)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"Synthetic markets ({string.Join(", ", synthetic)}): market paths: {plan.MarketSeeds.Count} (market seeds {string.Join(", ", plan.MarketSeeds)}) × agent seeds: {plan.Seeds.Count}.");
        }

        if (files.Count > 0)
        {
            var notMultiplied = plan.MarketSeeds.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $", not × {plan.MarketSeeds.Count} market seeds") : "";
            md.AppendLine(CultureInfo.InvariantCulture,
                $"File datasets ({string.Join(", ", files)}) are one path: market seeds do not apply, so each ran once per agent seed ({plan.Seeds.Count} runs per variant{notMultiplied}). " +
                $"Their path uncertainty is the paired stationary block bootstrap of each run's test window; the headline shows the mean of the runs' 95 % bootstrap CIs of excess return over buy & hold.");
        }

        md.AppendLine();
        var headlines = Headlines(results, plan.ValidationOnly);
        if (headlines.Count > 0)
        {
            md.AppendLine("## Headline: agent − buy & hold");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Baseline buy & hold on the same {split} window, after {Fees(b)}; horizon = bars of the {split} window per run.");
            md.AppendLine();
            md.AppendLine("| variant | market | runs | horizon | fees | excess return: mean [95 % CI] | excess Sharpe: mean [95 % CI] | CI source | training noise (return) | file path: block bootstrap of excess return | normalised score (secondary) |");
            md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var h in headlines)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {h.Variant} | {h.Market} | {Counts(h.ExcessReturn, h.Synthetic)} | {h.Bars} | {Fees(b)} | {Ci(h.ExcessReturn.Headline, "P1")} | {Ci(h.ExcessSharpe.Headline, "F2")} | {CiSource(h.ExcessReturn, h.Synthetic)} | {TrainingNoise(h.ExcessReturn, "P1")} | {PathBootstrap(h)} | {(h.Score is { } sc ? Ci(sc, "F2") : "—")} |");
            }

            md.AppendLine();
            if (headlines.Any(h => h.Score is not null))
            {
                md.AppendLine("Normalised score (secondary) = (agent − random) / (reference − random) on return after fees: 0 is the random policy, 1 the reference policy. " +
                    "Caveat: it flatters. Its zero is a fee-burning random policy, so on synthetic trend buy-and-hold alone scores about 1.07 and flat about 0.41; it is no evidence of an edge over holding the asset. Read the excess figures above.");
                md.AppendLine();
            }
        }

        var pooled = Pooled(results, plan.ValidationOnly);
        if (pooled.Count > 0)
        {
            md.AppendLine("## Pooled over the file markets: excess Sharpe over buy & hold");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"Agent Sharpe − buy & hold Sharpe on each name's {split} window (annualised, after {Fees(b)}), averaged over the name's agent seeds; pooled = mean over names with a 95 % CI by Student's t over the names (each name one path). " +
                $"Floor (do no harm): within {PooledTolerance:F1} of buy & hold on ≥ 5 of 6 names and the pooled CI's lower bound above −{PooledTolerance:F1}. " +
                $"Aim: pooled mean and lower bound above 0, and on every name ≥ {PooledExcess.SignAgreementFraction:P0} of the seeds agree on the sign.");
            md.AppendLine();
            md.AppendLine("| variant | names | pooled excess Sharpe [95 % CI] | names within 0.1 | names whose seeds agree on the sign | floor | aim | per name (mean over seeds) |");
            md.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var (variant, p) in pooled)
            {
                var perName = string.Join(", ", p.Names.Select(n => string.Create(CultureInfo.InvariantCulture, $"{n.Name} {n.PerSeed.Average():+0.00;-0.00;0.00}")));
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {variant} | {p.Names.Count} | {Ci(p.Pooled, "F2")} | {p.WithinTolerance} / {p.Names.Count} | {p.SignAgreeing} / {p.Names.Count} | {(p.FloorMet ? "met" : "**not met**")} | {(p.AimMet ? "met" : "not met")} | {perName} |");
            }

            md.AppendLine();
        }

        var late = LateTrainingExcess(results);
        if (late.Count > 0)
        {
            md.AppendLine("## Late training without selection: validation excess over buy & hold (the ablation criterion)");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"Every validation evaluation in the second half of each run's iterations, averaged per run (no checkpoint is picked, so no selection bias), then over the name's seeds; pooled = mean over names with a 95 % CI by Student's t over the names. Validation windows, after {Fees(b)}.");
            md.AppendLine();
            md.AppendLine("| variant | names | excess Sharpe [95 % CI] | names within 0.1 | names whose seeds agree on the sign | excess return [95 % CI] | per name excess Sharpe |");
            md.AppendLine("|---|---|---|---|---|---|---|");
            foreach (var (variant, sharpe, roi) in late)
            {
                var perName = string.Join(", ", sharpe.Names.Select(n => string.Create(CultureInfo.InvariantCulture, $"{n.Name} {n.PerSeed.Average():+0.00;-0.00;0.00}")));
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {variant} | {sharpe.Names.Count} | {Ci(sharpe.Pooled, "F2")} | {sharpe.WithinTolerance} / {sharpe.Names.Count} | {sharpe.SignAgreeing} / {sharpe.Names.Count} | {Ci(roi.Pooled, "P1")} | {perName} |");
            }

            md.AppendLine();
        }

        var checks = Targets(results, plan.ValidationOnly);
        if (checks.Count > 0)
        {
            md.AppendLine("## Targets");
            md.AppendLine();
            md.AppendLine("| variant | market | target | measured | met | uncertainty |");
            md.AppendLine("|---|---|---|---|---|---|");
            foreach (var c in checks)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {c.Variant} | {c.Market} | {c.Target} | {c.Measured} | {(c.Met ? "yes" : "**no**")} | {c.Uncertainty} |");
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
            md.AppendLine(ExperimentMarkets.IsSynthetic(market)
                ? "Each cell: mean [95 % CI]; clustered by market path when there are two or more paths (agents), over market paths (baselines, which depend on the path only)."
                : "Each cell: mean [95 % CI over agent seeds, training noise only: the file is one path]; baselines are the file's one path.");
            md.AppendLine();
            md.AppendLine("| policy | runs | return | Sharpe | max drawdown | trades | long % | short % | corr w/ b&h | score (secondary) | agent − buy & hold |");
            md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var variant in plan.Variants)
            {
                var s = ScoredRuns(forMarket.Where(r => r.Variant == variant.Name), plan.ValidationOnly);
                if (s.Count == 0)
                {
                    continue;
                }

                var hasScore = s.All(x => x.Split.Score is not null);
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| agent: {variant.Name} | {s.Count} | {Ci(Spread(s, x => x.Return).Headline, "P1")} | {Ci(Spread(s, x => x.Sharpe).Headline, "F2")} | {Ci(Spread(s, x => x.MaxDrawdown).Headline, "P1")} | {Ci(Spread(s, x => x.Trades).Headline, "F1")} | {MeanOverRuns(s, x => x.TimeLong, "P1")} | {MeanOverRuns(s, x => x.TimeShort, "P1")} | {MeanOverRuns(s, x => x.CorrelationWithBuyAndHold, "F2")} | {(hasScore ? Ci(Spread(s, x => x.Score!.Value).Headline, "F2") : "—")} | {Ci(Spread(s, x => x.Return - x.BuyAndHold).Headline, "P1")} |");
            }

            // Baselines depend on the market path only (random also on the run's seed): one mean per path, over all its runs.
            var series = ScoredRuns(forMarket, plan.ValidationOnly);
            if (series.Count > 0)
            {
                var paths = series.Select(x => x.Run.MarketSeed).Distinct().Count();
                var withReference = series.All(x => x.Split.Reference is not null);
                md.AppendLine(CultureInfo.InvariantCulture, $"| buy & hold | {paths} path(s) | {Ci(OverPaths(series, x => x.BuyAndHold), "P1")} | {Ci(OverPaths(series, x => x.BuyAndHoldSharpe), "F2")} | {Ci(OverPaths(series, x => x.BuyAndHoldMaxDrawdown), "P1")} | 1 | 100 % | 0 % | 1 | {(withReference ? Ci(OverPaths(series, x => Scores.Normalized(x.BuyAndHold, x.RandomMean, x.Reference)!.Value), "F2") : "—")} | 0 |");
                md.AppendLine(CultureInfo.InvariantCulture, $"| flat | {paths} path(s) | {Ci(OverPaths(series, x => x.Flat), "P1")} | 0 | 0 | 0 | 0 % | 0 % | — | {(withReference ? Ci(OverPaths(series, x => Scores.Normalized(x.Flat, x.RandomMean, x.Reference)!.Value), "F2") : "—")} | {Ci(OverPaths(series, x => x.Flat - x.BuyAndHold), "P1")} |");
                if (series.All(x => x.Split.BestRule is not null))
                {
                    // Chosen on each run's validation split, so it can differ between runs of one path: averaged per path like the others.
                    var names = string.Join(", ", series.Select(x => x.Split.BestRuleName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
                    md.AppendLine(CultureInfo.InvariantCulture, $"| best simple rule, chosen on validation ({names}) | {paths} path(s) | {Ci(OverPaths(series, x => x.BestRule!.Value), "P1")} | {Ci(OverPaths(series, x => x.BestRuleSharpe!.Value), "F2")} | {Ci(OverPaths(series, x => x.BestRuleMaxDrawdown!.Value), "P1")} | — | — | — | — | — | {Ci(OverPaths(series, x => x.BestRule!.Value - x.BuyAndHold), "P1")} |");
                }

                md.AppendLine(CultureInfo.InvariantCulture, $"| random (20 runs per evaluation) | {paths} path(s) | {Ci(OverPaths(series, x => x.RandomMean), "P1")} | — | — | — | — | — | — | 0 | {Ci(OverPaths(series, x => x.RandomMean - x.BuyAndHold), "P1")} |");
                if (withReference)
                {
                    md.AppendLine(CultureInfo.InvariantCulture, $"| reference policy | {paths} path(s) | {Ci(OverPaths(series, x => x.Reference!.Value), "P1")} | — | — | — | — | — | — | 1 | {Ci(OverPaths(series, x => x.Reference!.Value - x.BuyAndHold), "P1")} |");
                }

                if (series.All(x => x.Split.Oracle is not null))
                {
                    md.AppendLine(CultureInfo.InvariantCulture, $"| oracle (knows the true {(ExperimentMarkets.Dataset(market) == "synthetic:meanrev" ? "deviation from the level" : "regime")}) | {paths} path(s) | {Ci(OverPaths(series, x => x.Oracle!.Value), "P1")} | {Ci(OverPaths(series, x => x.OracleSharpe!.Value), "F2")} | {Ci(OverPaths(series, x => x.OracleMaxDrawdown!.Value), "P1")} | — | {(withReference ? Ci(OverPaths(series, x => Scores.Normalized(x.Oracle!.Value, x.RandomMean, x.Reference)!.Value), "F2") : "—")} | {Ci(OverPaths(series, x => x.Oracle!.Value - x.BuyAndHold), "P1")} |");
                }
            }

            md.AppendLine();
            md.AppendLine("Long % and short %: the fraction of the scored bars the agent held a long or short position (time in market = their sum); corr w/ b&h: the Pearson correlation of its per-bar returns with buy-and-hold's on the same bars. " +
                "Agent rows show the mean over runs (over the runs where it is defined: a run that stayed flat has no correlation, and the count says how many had one). A time long near 100 % with a correlation near 1 is buy-and-hold by another name.");
            md.AppendLine();
            md.AppendLine("Per run:");
            md.AppendLine();
            md.AppendLine("| variant | market seed | agent seed | run | selected (iteration/update) | return | Sharpe | max DD | trades | long % | short % | corr w/ b&h | buy & hold | excess return vs b&h [95 % block bootstrap] | random | reference | score | wall s |");
            md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var r in forMarket)
            {
                var s = Scored(r, plan.ValidationOnly);
                var marketSeed = r.MarketSeed is { } m ? m.ToString(CultureInfo.InvariantCulture) : "— (file)";
                md.AppendLine(s is null
                    ? string.Create(CultureInfo.InvariantCulture, $"| {r.Variant} | {marketSeed} | {r.Seed} | {r.RunId} | — | {r.Status} | | | | | | | | | | | | {r.Seconds:F0} |")
                    : string.Create(CultureInfo.InvariantCulture,
                        $"| {r.Variant} | {marketSeed} | {r.Seed} | {(plan.ValidationOnly ? r.RunId : $"[{r.RunId}](runs/{r.RunId}/summary.md)")} | {r.SelectedIteration}/{r.SelectedUpdate} | {s.Return:P1} | {s.Sharpe:F2} | {s.MaxDrawdown:P1} | {s.Trades} | {Exposure.Percent(s.TimeLong)} | {Exposure.Percent(s.TimeShort)} | {Exposure.Correlation(s.CorrelationWithBuyAndHold)} | {s.BuyAndHold:P1} | {(s.ExcessReturnVsBuyAndHold is { } e ? $"{e.Point:P1} [{e.Lower:P1}, {e.Upper:P1}]" : "—")} | {s.RandomMean:P1} | {(s.Reference is { } rf ? rf.ToString("P1", CultureInfo.InvariantCulture) : "—")} | {(s.Score is { } sc ? sc.ToString("F2", CultureInfo.InvariantCulture) : "—")} | {r.Seconds:F0} |"));
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

    /// <summary>
    /// The header's signal-to-noise: the value and what it sets on each market (it scales trend and meanrev only), or the
    /// generator's defaults when unset.
    /// </summary>
    public static string SignalToNoise(double? signalToNoise)
    {
        var trend = Core.MarketData.RegimeTrendParameters.For(signalToNoise);
        var meanrev = Core.MarketData.MeanRevertingParameters.For(signalToNoise);
        return string.Create(CultureInfo.InvariantCulture,
            $"{(signalToNoise is { } s ? s.ToString("R", CultureInfo.InvariantCulture) : "default (the generators' own)")}: trend drift {trend.Drift:G4} = {trend.SignalToNoise:G4} × volatility {trend.Volatility}, " +
            $"meanrev θ {meanrev.Reversion:G4} (√(θ/(2−θ)) = {meanrev.SignalToNoise:G4}, stationary SD {meanrev.StationaryStd:G3}); randomwalk has none");
    }

    // Baselines own C1 (buy & hold), C2 (reference) and gray (random); variants take the other colours.
    private static Color VariantColor(int index) => VariantPalette[index % VariantPalette.Length];

    private static readonly Color[] VariantPalette = [Colors.C0, Colors.C3, Colors.C4, Colors.C5, Colors.C6, Colors.C8, Colors.C9];

    private static List<(SeedResult Run, SplitResult Split)> ScoredRuns(IEnumerable<SeedResult> runs, bool validationOnly) =>
        [.. runs.Select(r => (Run: r, Split: Scored(r, validationOnly))).Where(x => x.Split is not null).Select(x => (x.Run, x.Split!))];

    /// <summary>The mean over the runs where <paramref name="value"/> is known, e.g. "62.3 %", or "0.54 (4 of 5 runs)" when some lack it; "—" when none has it.</summary>
    private static string MeanOverRuns(List<(SeedResult Run, SplitResult Split)> scored, Func<SplitResult, double?> value, string format)
    {
        var known = scored.Select(x => value(x.Split)).OfType<double>().ToList();
        if (known.Count == 0)
        {
            return "—";
        }

        var mean = known.Average().ToString(format, CultureInfo.InvariantCulture);
        return known.Count == scored.Count ? mean : string.Create(CultureInfo.InvariantCulture, $"{mean} ({known.Count} of {scored.Count} runs)");
    }

    private static SeedUncertainty Spread(IReadOnlyList<(SeedResult Run, SplitResult Split)> scored, Func<SplitResult, double> value) =>
        SeedUncertainty.Of([.. scored.Select(x => new SeedFigure(x.Run.MarketSeed, x.Run.Seed, value(x.Split)))]);

    // A baseline's figure per market path (the mean over that path's runs), then the t-interval over paths.
    private static MeanInterval OverPaths(IReadOnlyList<(SeedResult Run, SplitResult Split)> scored, Func<SplitResult, double> value) =>
        MeanInterval.Of(Spread(scored, value).PathMeans);

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
        // Dots are the runs (agents) or the market paths (baselines); the bar's CI is clustered by path when there are two or more.
        void AddBar(string label, IReadOnlyList<double> dots, MeanInterval m, Color color)
        {
            if (dots.Count == 0)
            {
                return;
            }

            var bar = new Bar
            {
                Position = position,
                Value = m.Mean * 100,
                FillColor = color,
                Error = m.Count > 1 ? m.HalfWidth * 100 : 0,
                Label = (m.Mean * 100).ToString("F1", CultureInfo.InvariantCulture) + "%",
            };
            plot.Add.Bar(bar);
            var points = plot.Add.ScatterPoints(dots.Select(_ => (double)position).ToArray(), dots.Select(x => x * 100).ToArray(), Colors.Black);
            points.MarkerSize = 5;
            labels.Add(label);
            position++;
        }

        for (var v = 0; v < variants.Count; v++)
        {
            var runs = ScoredRuns(results.Where(r => r.Variant == variants[v]), validationOnly);
            AddBar("agent: " + variants[v], [.. runs.Select(x => x.Split.Return)], Spread(runs, s => s.Return).Headline, VariantColor(v));
        }

        var series = ScoredRuns(results, validationOnly);
        void AddBaseline(string label, Func<SplitResult, double> value, Color color)
        {
            var paths = Spread(series, value).PathMeans;
            AddBar(label, paths, MeanInterval.Of(paths), color);
        }

        AddBaseline("buy & hold", s => s.BuyAndHold, Colors.C1.WithAlpha(0.6));
        AddBaseline("flat", s => s.Flat, Colors.Black.WithAlpha(0.6));
        AddBaseline("random", s => s.RandomMean, Colors.Gray);
        if (series.Count > 0 && series.All(s => s.Split.Reference is not null))
        {
            AddBaseline("reference", s => s.Reference!.Value, Colors.C2.WithAlpha(0.6));
        }

        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, labels.Count).Select(i => (double)i)], [.. labels]);
        plot.Add.HorizontalLine(0, 1, Colors.Black);
        plot.Title($"{market}: {(validationOnly ? "validation" : "test")} return after fees, mean ± 95% CI (by market path if ≥ 2 paths; dots = runs)");
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
