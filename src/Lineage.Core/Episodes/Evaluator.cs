using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Trading;

namespace Lineage.Core.Episodes;

/// <summary>Return statistics of the uniformly random policy over several seeds.</summary>
public sealed record RandomBaseline(int Runs, double MeanRoi, double StdRoi, double MeanSharpe, double StdSharpe, double MeanMaxDrawdown);

/// <summary>
/// A greedy policy's result on one series next to the baselines run through the same arena: buy-and-hold,
/// flat, random (mean ± std over seeds) and, for synthetic markets, the reference policy.
/// </summary>
public sealed record EvaluationReport(
    string SeriesName,
    string SeriesFingerprint,
    int StartIndex,
    int Steps,
    AgentMetrics Agent,
    double[] EquityCurve,
    int[] ActionCounts,
    double TotalReward,
    AgentMetrics BuyAndHold,
    double[] BuyAndHoldEquityCurve,
    AgentMetrics Flat,
    RandomBaseline Random,
    AgentMetrics? Reference);

public static class Evaluator
{
    /// <summary>
    /// Runs <paramref name="policy"/> greedily from the environment's first start bar to the series' end, then
    /// the baselines. Random run i uses seed <c>Seeds.Derive(seed, i)</c>.
    /// </summary>
    /// <param name="referencePolicy">E.g. <see cref="ReferencePolicies.For"/> for a synthetic market; null to skip.</param>
    public static EvaluationReport Evaluate(
        IQFunction policy,
        TradingEnvironment environment,
        int randomSeeds = 20,
        ulong seed = 0,
        IQFunction? referencePolicy = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentOutOfRangeException.ThrowIfLessThan(randomSeeds, 2);

        var start = environment.FirstStartIndex;
        var all = int.MaxValue;
        var noRandomness = new Rng(seed);

        var agent = EpisodeRunner.Run(environment, start, all, policy, 0, noRandomness, null);
        var agentCurve = environment.EquityCurve.ToArray();

        var buyAndHold = EpisodeRunner.Run(environment, start, all, FixedPolicy.BuyAndHold(environment.StateSize), 0, noRandomness, null);
        var buyAndHoldCurve = environment.EquityCurve.ToArray();

        var flat = EpisodeRunner.Run(environment, start, all, FixedPolicy.Flat(environment.StateSize), 0, noRandomness, null);

        var randomPolicy = FixedPolicy.Flat(environment.StateSize);
        var rois = new double[randomSeeds];
        var sharpes = new double[randomSeeds];
        var drawdowns = new double[randomSeeds];
        for (var i = 0; i < randomSeeds; i++)
        {
            var metrics = EpisodeRunner.Run(environment, start, all, randomPolicy, 1.0, new Rng(Seeds.Derive(seed, i)), null).Metrics;
            rois[i] = metrics.Roi;
            sharpes[i] = metrics.Sharpe;
            drawdowns[i] = metrics.MaxDrawdown;
        }

        var reference = referencePolicy is null
            ? null
            : EpisodeRunner.Run(environment, start, all, referencePolicy, 0, noRandomness, null).Metrics;

        return new EvaluationReport(
            environment.Series.Name,
            environment.Series.Fingerprint(),
            start,
            agent.Steps,
            agent.Metrics,
            agentCurve,
            agent.ActionCounts,
            agent.TotalReward,
            buyAndHold.Metrics,
            buyAndHoldCurve,
            flat.Metrics,
            new RandomBaseline(randomSeeds, Mean(rois), Std(rois), Mean(sharpes), Std(sharpes), Mean(drawdowns)),
            reference);
    }

    /// <summary>
    /// Evaluates on <paramref name="series"/> with a normaliser fitted elsewhere (the training split). When the
    /// series is a synthetic market, pass its kind to include the reference policy.
    /// </summary>
    public static EvaluationReport Evaluate(
        IQFunction policy,
        PriceSeries series,
        FeatureSpec spec,
        Normalizer normalizer,
        ArenaOptions arena,
        RewardOptions reward,
        int randomSeeds = 20,
        ulong seed = 0,
        string? syntheticKind = null)
    {
        var environment = new TradingEnvironment(series, spec, normalizer, arena, reward);
        var reference = syntheticKind is null ? null : ReferencePolicies.For(syntheticKind, spec, normalizer);
        return Evaluate(policy, environment, randomSeeds, seed, reference);
    }

    private static double Mean(double[] xs) => xs.Average();

    private static double Std(double[] xs)
    {
        var mean = xs.Average();
        return Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Length - 1));
    }
}
