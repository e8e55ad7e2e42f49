using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Trading;

namespace Lineage.Core.Episodes;

/// <summary>One cost level of a <see cref="FeeSweep"/>: the greedy agent and buy-and-hold over the same window at that cost per fill.</summary>
public sealed record FeeSweepPoint(double CostBps, double AgentReturn, double AgentSharpe, int AgentTrades, double BuyAndHoldReturn, double BuyAndHoldSharpe)
{
    /// <summary>The agent's edge over holding the asset at this cost: return minus buy-and-hold's.</summary>
    public double ExcessReturn => AgentReturn - BuyAndHoldReturn;
}

/// <summary>
/// How an edge survives trading costs: the same policy re-scored over the same window with the cost per fill (commission,
/// slippage none) swept from 0 to 50 bps. An agent that wins only at zero cost has no edge a broker would leave it. The window
/// is scored as <see cref="Evaluator"/> scores it: from the first bar after the series' <c>historyBars</c> of read-only history
/// and the features' warm-up.
/// </summary>
public static class FeeSweep
{
    public static IReadOnlyList<double> DefaultCostsBps { get; } = [0, 2, 5, 10, 20, 30, 50];

    public static IReadOnlyList<FeeSweepPoint> Run(
        IQFunction policy,
        PriceSeries series,
        FeatureSpec spec,
        Normalizer normalizer,
        ArenaOptions arena,
        RewardOptions reward,
        IReadOnlyList<double>? costsBps = null,
        int historyBars = 0)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(arena);
        var features = MarketFeatures.Compute(series, spec);
        var points = new List<FeeSweepPoint>();
        foreach (var bps in costsBps ?? DefaultCostsBps)
        {
            var environment = new TradingEnvironment(features, series, normalizer, arena with { FeeBps = bps, SlippageBps = 0 }, reward, historyBars);
            var start = environment.FirstStartIndex;
            var agent = EpisodeRunner.Run(environment, start, int.MaxValue, policy, 0, new Rng(0), null, arena.EvaluationFloor).Metrics;
            var hold = Evaluator.RunBuyAndHold(environment, start).Result.Metrics;
            points.Add(new FeeSweepPoint(bps, agent.Roi, agent.Sharpe, agent.Trades, hold.Roi, hold.Sharpe));
        }

        return points;
    }
}
