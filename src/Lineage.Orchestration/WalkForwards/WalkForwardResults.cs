using System.Text.Json.Serialization;
using Lineage.Core.Episodes;
using Lineage.Core.MarketData;
using Lineage.Core.Statistics;
using Lineage.Core.Trading;

namespace Lineage.Orchestration.WalkForwards;

/// <summary>One policy over one window: total return, annualised Sharpe and max drawdown, all after fees and slippage.</summary>
public sealed record PolicyLine(string Name, double Return, double Sharpe, double MaxDrawdown)
{
    /// <summary>The line of a series of per-bar simple returns (compounded; Sharpe with sample sd, as <see cref="AgentMetrics"/>).</summary>
    public static PolicyLine FromReturns(string name, IReadOnlyList<double> returns, double barsPerYear)
    {
        ArgumentNullException.ThrowIfNull(returns);
        var stats = new ReturnStatistics();
        var equity = 1.0;
        var peak = 1.0;
        var drawdown = 0.0;
        foreach (var r in returns)
        {
            stats.Add(r);
            equity *= 1 + r;
            peak = Math.Max(peak, equity);
            drawdown = Math.Max(drawdown, 1 - (equity / peak));
        }

        return new PolicyLine(name, equity - 1, stats.Sharpe(barsPerYear), drawdown);
    }
}

/// <summary>
/// One fold's run and its out-of-sample test block. Bars are indices into the folded series; each range is [start, end).
/// The per-bar returns are those of the test block's bars, one per bar, from the run's single test evaluation: the
/// agent, buy-and-hold and the best simple rule (chosen on the fold's validation block, warmed up on the bars before the
/// test split) over exactly the same bars. In a summary's headline (<see cref="WalkForwardSummary.Headline"/>) the
/// per-bar arrays are empty.
/// </summary>
public sealed record FoldResult(
    int Fold,
    string RunId,
    string Status,
    double Seconds,
    int TrainBars,
    DateTimeOffset TrainFrom,
    DateTimeOffset TrainTo,
    int ValidationStart,
    int ValidationEnd,
    DateTimeOffset ValidationFrom,
    DateTimeOffset ValidationTo,
    int EmbargoBars,
    int TestStart,
    int TestEnd,
    DateTimeOffset TestFrom,
    DateTimeOffset TestTo,
    int? SelectedIteration,
    long? Checkpoint,
    PolicyLine? Agent,
    PolicyLine? BuyAndHold,
    PolicyLine? BestRule,
    double[] AgentReturns,
    double[] BuyAndHoldReturns,
    double[] BestRuleReturns,
    string? Failure = null)
{
    [JsonIgnore]
    public bool Completed => Agent is not null;

    public FoldResult WithoutReturns() => this with { AgentReturns = [], BuyAndHoldReturns = [], BestRuleReturns = [] };
}

/// <summary>The concatenated out-of-sample result over every completed fold, with the paired bootstrap of the agent's excess.</summary>
public sealed record WalkForwardOverall(
    int Folds,
    int Bars,
    DateTimeOffset? From,
    DateTimeOffset? To,
    PolicyLine Agent,
    PolicyLine BuyAndHold,
    PolicyLine BestRule,
    PairedBootstrapReport? Bootstrap);

/// <summary>
/// <c>walkforward/{id}/summary.json</c>: the layout, every fold's result and the overall out-of-sample figures, with
/// what a reader needs to judge them (series, fees, slippage, cash rate, price basis).
/// </summary>
public sealed record WalkForwardSummary(
    string WalkForwardId,
    string Dataset,
    int SeriesBars,
    DateTimeOffset SeriesFrom,
    DateTimeOffset SeriesTo,
    double BarsPerYear,
    string PriceBasis,
    double FeeBps,
    double SlippageBps,
    double CashRate,
    WalkForwardRequest Request,
    IReadOnlyList<WalkForwardFold> Layout,
    IReadOnlyList<FoldResult> Folds,
    WalkForwardOverall? Overall,
    DateTimeOffset FinishedAt)
{
    [JsonIgnore]
    public int CompletedFolds => Folds.Count(f => f.Completed);

    /// <summary>The summary without per-bar returns: what the orchestration returns and the status route shows.</summary>
    public WalkForwardSummary Headline() => this with { Folds = [.. Folds.Select(f => f.WithoutReturns())] };
}

/// <summary>Turns fold evaluations into fold results and the completed folds into the overall out-of-sample line.</summary>
public static class WalkForwardScoring
{
    public const string BuyAndHold = "buy-and-hold";
    public const string BestRulePerFold = "best simple rule (per fold)";

    /// <summary>
    /// The fold's per-bar test returns from its test evaluation: agent, buy-and-hold and the best rule, one per test bar.
    /// </summary>
    /// <exception cref="InvalidDataException">The evaluation does not cover exactly the fold's test bars.</exception>
    public static (double[] Agent, double[] BuyAndHold, double[] BestRule) PerBarReturns(string runId, WalkForwardFold fold, EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(fold);
        ArgumentNullException.ThrowIfNull(report);
        var agent = Evaluator.PerBarReturns(report.EquityCurve);
        var hold = Evaluator.PerBarReturns(report.BuyAndHoldEquityCurve);
        var rule = report.BestRuleEquityCurve is { } curve
            ? Evaluator.PerBarReturns(curve)
            : throw new InvalidDataException($"Run '{runId}': its test evaluation has no best-rule equity curve (written by an older version); evaluate it again.");
        if (agent.Length != fold.TestBars || hold.Length != fold.TestBars || rule.Length != fold.TestBars)
        {
            throw new InvalidDataException(FormattableString.Invariant(
                $"Run '{runId}': the test evaluation has {agent.Length} / {hold.Length} / {rule.Length} per-bar returns (agent / buy-and-hold / rule), but fold {fold.Index}'s test block has {fold.TestBars} bars."));
        }

        return (agent, hold, rule);
    }

    /// <summary>The completed folds' test blocks end to end: one out-of-sample series per policy, each fold starting in cash.</summary>
    public static WalkForwardOverall? Overall(IReadOnlyList<FoldResult> results, double barsPerYear, int bootstrapDraws, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(results);
        var done = results.Where(r => r.Completed).OrderBy(r => r.TestStart).ToList();
        if (done.Count == 0)
        {
            return null;
        }

        var agent = done.SelectMany(r => r.AgentReturns).ToArray();
        var hold = done.SelectMany(r => r.BuyAndHoldReturns).ToArray();
        var rule = done.SelectMany(r => r.BestRuleReturns).ToArray();
        var bootstrap = bootstrapDraws > 0 && agent.Length > 2
            ? StationaryBootstrap.Paired(agent, [(BuyAndHold, hold), (BestRulePerFold, rule)], barsPerYear, bootstrapDraws, Evaluator.BootstrapSeed(seed))
            : null;
        return new WalkForwardOverall(
            done.Count,
            agent.Length,
            done[0].TestFrom,
            done[^1].TestTo,
            PolicyLine.FromReturns("agent", agent, barsPerYear),
            PolicyLine.FromReturns(BuyAndHold, hold, barsPerYear),
            PolicyLine.FromReturns(BestRulePerFold, rule, barsPerYear),
            bootstrap);
    }
}
