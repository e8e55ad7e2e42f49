using System.Globalization;
using System.Text;
using System.Text.Json;
using Lineage.Cli.Experiments;
using Lineage.Core.Episodes;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Training;
using Lineage.Storage;

namespace Lineage.Cli;

/// <summary>
/// Writes a self-contained run folder from what the run stored in blobs: per-iteration metrics (CSV and
/// JSON), evaluations, the status, a markdown summary with the tables and PNG plots.
/// </summary>
internal static class RunReport
{
    private static readonly JsonSerializerOptions Indented = new(LineageJson.Options) { WriteIndented = true };

    /// <summary>The run's final status, kept next to its blobs so `lineage report` can rebuild the report after the process ends.</summary>

    /// <param name="view">The run's final status; null rebuilds what it can from the blobs (the embedded backend keeps no state after its process).</param>
    public static async Task<DirectoryInfo> WriteAsync(RunWorkspace workspace, string runId, RunStatusView? view, DirectoryInfo output, CancellationToken cancellationToken)
    {
        if (view is not null)
        {
            await workspace.WriteJsonAsync(RunBlobs.Status(runId), view, cancellationToken);
        }
        else
        {
            view = await workspace.ReadJsonAsync<RunStatusView>(RunBlobs.Status(runId), cancellationToken);
        }

        var artifacts = await RunArtifacts.LoadAsync(workspace, runId, cancellationToken);
        var folder = Directory.CreateDirectory(Path.Combine(output.FullName, runId));
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "metrics.csv"), MetricsCsv(artifacts.Metrics), cancellationToken);
        await WriteJsonAsync(Path.Combine(folder.FullName, "metrics.json"), artifacts.Metrics, cancellationToken);
        await WriteJsonAsync(Path.Combine(folder.FullName, "evaluations.json"), artifacts.Evaluations.ToDictionary(e => e.Name, e => e.Report), cancellationToken);
        if (view is not null)
        {
            await WriteJsonAsync(Path.Combine(folder.FullName, "status.json"), view, cancellationToken);
        }

        // The trade log of every evaluation (trades/{name}.csv), and the test split's — the one reported — as trades.csv.
        var trades = Directory.CreateDirectory(Path.Combine(folder.FullName, "trades"));
        foreach (var evaluation in artifacts.Evaluations.Where(e => e.Report.Trades is not null))
        {
            await File.WriteAllTextAsync(Path.Combine(trades.FullName, evaluation.Name + ".csv"), TradesCsv(evaluation.Report), cancellationToken);
        }

        if (artifacts.Test?.Report is { Trades: not null } test)
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "trades.csv"), TradesCsv(test), cancellationToken);
        }

        var checkpoints = await workspace.Checkpoints(runId).ListAsync(cancellationToken);
        var sweep = await FeeSweepAsync(workspace, runId, artifacts, cancellationToken);
        var plots = Plots.Write(folder, artifacts).ToList();
        if (sweep.Count > 0)
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "fee-sweep.csv"), FeeSweepCsv(sweep), cancellationToken);
            plots.Add(Plots.Save(Plots.FeeSweep(sweep), folder, "fee-sweep.png"));
        }

        var markdown = Markdown(runId, view, artifacts, checkpoints.Select(c => c.Name).ToList(), workspace.Container.Name, plots) + FeeSweepMarkdown(sweep);
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "summary.md"), markdown, cancellationToken);
        return folder;
    }

    /// <summary>The selected checkpoint re-scored on the test window at 0–50 bps per fill; empty when the run has no test evaluation.</summary>
    private static async Task<IReadOnlyList<FeeSweepPoint>> FeeSweepAsync(RunWorkspace workspace, string runId, RunArtifacts artifacts, CancellationToken cancellationToken)
    {
        if (artifacts.Test is not { } test || artifacts.Record is not { } record)
        {
            return [];
        }

        var policy = await workspace.GetPolicyAsync(runId, test.Update, cancellationToken);
        var data = await workspace.GetDataAsync(record, cancellationToken);
        var context = policy.Context;
        return FeeSweep.Run(policy.Policy, data.Test, context.Features, context.Normalizer, context.Arena, context.Reward, historyBars: data.TestHistory);
    }

    private static string FeeSweepMarkdown(IReadOnlyList<FeeSweepPoint> sweep)
    {
        if (sweep.Count == 0)
        {
            return "";
        }

        var md = new StringBuilder();
        md.AppendLine();
        md.AppendLine("## Cost sweep (test window, selected checkpoint, cost per fill = commission + slippage)");
        md.AppendLine();
        md.AppendLine("| cost per fill | agent return | agent Sharpe | trades | buy & hold return | buy & hold Sharpe | agent − buy & hold |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var p in sweep)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {p.CostBps} bps | {p.AgentReturn:P2} | {p.AgentSharpe:F2} | {p.AgentTrades} | {p.BuyAndHoldReturn:P2} | {p.BuyAndHoldSharpe:F2} | {p.ExcessReturn:+0.00%;-0.00%} |");
        }

        md.AppendLine();
        md.AppendLine("![cost sweep](fee-sweep.png)");
        return md.ToString();
    }

    private static string FeeSweepCsv(IReadOnlyList<FeeSweepPoint> sweep)
    {
        var csv = new StringBuilder("cost_bps_per_fill,agent_return,agent_sharpe,agent_trades,buy_and_hold_return,buy_and_hold_sharpe,excess_return\n");
        foreach (var p in sweep)
        {
            csv.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{p.CostBps},{p.AgentReturn:G8},{p.AgentSharpe:G6},{p.AgentTrades},{p.BuyAndHoldReturn:G8},{p.BuyAndHoldSharpe:G6},{p.ExcessReturn:G8}"));
        }

        return csv.ToString();
    }

    /// <summary>One line per fill: when, what was executed, at which price (before slippage), the fee, the position after and the equity after the bar's close.</summary>
    internal static string TradesCsv(EvaluationReport report)
    {
        var csv = new StringBuilder("time,bar,action,from_position,to_position,fill_price,fee,equity\n");
        foreach (var t in report.Trades ?? [])
        {
            csv.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{t.Time:yyyy-MM-ddTHH:mm:ssK},{t.Bar},{t.Action.ToString().ToLowerInvariant()},{t.From},{t.To},{t.Price:G10},{t.Fee:G8},{t.Equity:G10}"));
        }

        return csv.ToString();
    }

    private static string MetricsCsv(IReadOnlyList<IterationMetrics> metrics)
    {
        var csv = new StringBuilder("iteration,episodes_ok,episodes_failed,mean_episode_reward,mean_episode_roi,experiences_added,epsilon,buffer,updates,loss,mean_q,mean_abs_td,checkpoint\n");
        foreach (var m in metrics)
        {
            csv.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{m.Iteration},{m.Acting.EpisodesSucceeded},{m.Acting.EpisodesFailed},{m.Acting.MeanEpisodeReward:G6},{m.Acting.MeanEpisodeRoi:G6},{m.Acting.ExperiencesAdded},{m.Acting.Epsilon:G4},{m.BufferCount},{m.Train.UpdatesDone},{m.Train.MeanLoss:G6},{m.Train.MeanQ:G6},{m.Train.MeanAbsTdError:G6},{m.Train.CheckpointUpdate}"));
        }

        return csv.ToString();
    }

    private static string Markdown(
        string runId,
        RunStatusView? view,
        RunArtifacts artifacts,
        IReadOnlyList<string> checkpoints,
        string container,
        IReadOnlyList<string> plots)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Run {runId}");
        md.AppendLine();
        if (view is null)
        {
            md.AppendLine("Status: unknown (no stored status; figures rebuilt from the run's blobs).");
        }
        else
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"Status: **{view.Status}**{(view.Failure is null ? "" : $" — {view.Failure}")}");
        }

        md.AppendLine();
        if (artifacts.Record?.Run is { } run)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"Dataset `{run.Dataset}`{(run.SyntheticSignalToNoise is { } snr ? $" at signal-to-noise {snr}" : "")}, seed {run.Seed}: {run.Iterations} iterations × {run.EpisodesPerIteration} episodes × {run.StepsPerEpisode} steps, {run.UpdatesPerIteration} updates/iteration; " +
                $"reward {run.Reward.Kind} × {run.Reward.Scale}; γ {run.Dqn.Gamma}, lr {run.Dqn.LearningRate}, {run.Dqn.Optimizer}/{run.Dqn.Loss}, target network {(run.Dqn.UseTargetNetwork ? $"every {run.Dqn.TargetUpdateInterval} updates" : "off")}; fees {run.Arena.FeeBps} bps per fill.");
            md.AppendLine();
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"Checkpoints kept: {string.Join(", ", checkpoints)} in `{container}/{RunBlobs.Checkpoints(runId)}`.");
        md.AppendLine();

        if (artifacts.Test is { } test)
        {
            var r = test.Report;
            md.AppendLine("## Test split (scored once, for the checkpoint chosen on validation)");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Selected checkpoint: update {test.Update}{(test.Iteration is { } it ? $" (iteration {it})" : "")}, the best validation return. {r.Steps} bars of `{r.SeriesName}`, greedy, after fees.");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Prices: {r.PriceBasis ?? "close"}; cash earns {r.CashRate:P2} a year. Every policy below is scored over the same {r.Steps} bars.");
            md.AppendLine();
            md.AppendLine("| policy | return | Sharpe | max drawdown | trades | long % | short % | mean abs exposure | corr w/ b&h |");
            md.AppendLine("|---|---|---|---|---|---|---|---|---|");
            md.AppendLine(Row("agent (greedy)", r.Agent, Exposure.Correlation(r.CorrelationWithBuyAndHold)));
            md.AppendLine(Row("buy & hold", r.BuyAndHold, "1"));
            md.AppendLine(Row("flat", r.Flat));
            md.AppendLine(CultureInfo.InvariantCulture, $"| random ({r.Random.Runs} seeds, mean ± sd) | {r.Random.MeanRoi:P2} ± {r.Random.StdRoi:P2} | {r.Random.MeanSharpe:F2} ± {r.Random.StdSharpe:F2} | {r.Random.MeanMaxDrawdown:P1} | — | — | — | — | — |");
            if (r.BestRule is { } rule)
            {
                md.AppendLine(Row($"best simple rule: {rule.Name} (chosen on validation, Sharpe {rule.ChosenSharpe.ToString("F2", CultureInfo.InvariantCulture)} there)", rule.Metrics));
            }

            if (r.Reference is { } reference)
            {
                md.AppendLine(Row("reference policy", reference));
            }

            if (r.Oracle is { } oracle)
            {
                md.AppendLine(Row("oracle (knows the generator's state: the true regime or deviation)", oracle));
            }

            md.AppendLine();
            md.AppendLine("Long % and short %: the fraction of the bars each policy held a long or short position (time in market = their sum); " +
                "mean abs exposure: the mean of |position value / equity| at each bar's close; corr w/ b&h: the Pearson correlation of the agent's per-bar returns " +
                "with buy-and-hold's on the same bars (— when undefined: constant returns, e.g. an agent that stayed flat). An agent long on nearly every bar " +
                "with a correlation near 1 is copying buy-and-hold.");
            md.AppendLine();
            if (r.Bootstrap is { } bootstrap)
            {
                foreach (var excess in bootstrap.Baselines)
                {
                    md.AppendLine(CultureInfo.InvariantCulture, $"- {Uncertainty.Excess(excess.Baseline, excess.ExcessReturn, excess.ExcessSharpe, bootstrap.Confidence)}");
                }

                md.AppendLine(CultureInfo.InvariantCulture, $"- {Uncertainty.Method(bootstrap.Bars, bootstrap.Draws, bootstrap.BlockLength)}: the test window is one path; these intervals resample it, not the training seed.");
                md.AppendLine();
            }
            if (Scores.Normalized(r) is { } score)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"Normalised score (agent − random) / (reference − random) on return: **{score:F2}** (0 = random, 1 = reference).");
                md.AppendLine();
            }
        }

        md.AppendLine("## Every evaluation (greedy agent vs baselines, after fees)");
        md.AppendLine();
        md.AppendLine("| iteration | checkpoint | split | agent return | Sharpe | max drawdown | trades | long % | short % | corr w/ b&h | buy & hold | flat | best rule (chosen on validation) | random (mean ± sd) | reference | oracle | score |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var e in artifacts.Evaluations)
        {
            var r = e.Report;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {(e.Iteration is { } i ? i.ToString(CultureInfo.InvariantCulture) : "—")} | {e.Update} | {e.Split} | {r.Agent.Roi:P2} | {r.Agent.Sharpe:F2} | {r.Agent.MaxDrawdown:P1} | {r.Agent.Trades} | {Exposure.Percent(r.Agent.TimeLong)} | {Exposure.Percent(r.Agent.TimeShort)} | {Exposure.Correlation(r.CorrelationWithBuyAndHold)} | {r.BuyAndHold.Roi:P2} | {r.Flat.Roi:P2} | {(r.BestRule is { } rule ? $"{rule.Name}: {rule.Metrics.Roi.ToString("P2", CultureInfo.InvariantCulture)}" : "—")} | {r.Random.MeanRoi:P2} ± {r.Random.StdRoi:P2} | {Percent(r.Reference?.Roi)} | {Percent(r.Oracle?.Roi)} | {Fixed(Scores.Normalized(r))} |");
        }

        md.AppendLine();
        if (artifacts.IsSynthetic)
        {
            md.AppendLine("Synthetic markets are scored on freshly generated series (validation and test use new generator seeds). " +
                "The reference policy is the best rule computable from the agent's own observations: trend follows the sign of the window momentum, " +
                "meanrev trades against momentum beyond half the stationary deviation, randomwalk stays flat. " +
                "The oracle knows what no agent observes, the generator's state: on the trend the regime in force at each bar (long up, short down; " +
                "not whether it switches before the next bar), on meanrev the true deviation from the level (contrarian beyond half a stationary SD). It is the bound an agent is read against " +
                "in expectation over market paths; on one path a rule can beat it by luck.");
        }
        else
        {
            md.AppendLine("Buy-and-hold on the bundled price files excludes dividends (prices are not total-return), so it understates a real holder's return.");
        }

        md.AppendLine();
        md.AppendLine("## Iterations");
        md.AppendLine();
        md.AppendLine("| iteration | ε | episodes ok | mean episode reward | mean episode ROI | buffer | updates | loss | mean Q |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var m in artifacts.Metrics)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {m.Iteration} | {m.Acting.Epsilon:F2} | {m.Acting.EpisodesSucceeded} | {m.Acting.MeanEpisodeReward:F3} | {m.Acting.MeanEpisodeRoi:P2} | {m.BufferCount} | {m.Train.UpdatesDone} | {m.Train.MeanLoss:F5} | {m.Train.MeanQ:F3} |");
        }

        md.AppendLine();
        md.AppendLine("## Plots");
        md.AppendLine();
        foreach (var plot in plots)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"![{plot}]({plot})");
            md.AppendLine();
        }

        return md.ToString();
    }

    private static string Row(string name, Core.Trading.AgentMetrics m, string correlation = "—") =>
        string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {m.Roi:P2} | {m.Sharpe:F2} | {m.MaxDrawdown:P1} | {m.Trades} | {Exposure.Percent(m.TimeLong)} | {Exposure.Percent(m.TimeShort)} | {Fixed(m.MeanAbsExposure)} | {correlation} |");

    private static string Percent(double? value) => value is { } v ? v.ToString("P2", CultureInfo.InvariantCulture) : "—";

    private static string Fixed(double? value) => value is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "—";

    private static async Task WriteJsonAsync<T>(string path, T value, CancellationToken cancellationToken)
    {
        await using var stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, value, Indented, cancellationToken);
    }
}
