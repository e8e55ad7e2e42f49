using Lineage.Core.Trading;

namespace Lineage.Cli.WalkForwardRuns;

/// <summary>One policy over one window: total return, annualised Sharpe and max drawdown, all after fees and slippage.</summary>
internal sealed record PolicyLine(string Name, double Return, double Sharpe, double MaxDrawdown)
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
/// One fold's run and its out-of-sample test block. Bars are indices into the folded series; each range is
/// [start, end). The per-bar returns are those of the test block's bars, one per bar, from the run's single test evaluation.
/// </summary>
internal sealed record FoldResult(
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
    double[] BestRuleReturns);

/// <summary>The concatenated out-of-sample result over every completed fold, with the paired bootstrap of the agent's excess.</summary>
internal sealed record WalkForwardOverall(
    int Folds,
    int Bars,
    DateTimeOffset? From,
    DateTimeOffset? To,
    PolicyLine Agent,
    PolicyLine BuyAndHold,
    PolicyLine BestRule,
    Core.Statistics.PairedBootstrapReport? Bootstrap);
