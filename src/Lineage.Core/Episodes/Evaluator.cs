using System.Text.Json.Serialization;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Statistics;
using Lineage.Core.Trading;

namespace Lineage.Core.Episodes;

/// <summary>Return statistics of the uniformly random policy over several seeds; <see cref="FloorHits"/> runs reached the bankruptcy floor.</summary>
public sealed record RandomBaseline(int Runs, double MeanRoi, double StdRoi, double MeanSharpe, double StdSharpe, double MeanMaxDrawdown, int FloorHits = 0);

/// <summary>The best simple rule of <see cref="SimpleRules.Family"/>, chosen elsewhere (the validation split, where it had <see cref="ChosenSharpe"/>), scored here.</summary>
public sealed record RuleBaseline(string Name, double ChosenSharpe, AgentMetrics Metrics);

/// <summary>
/// A greedy policy's result on one series next to the baselines run through the same arena: buy-and-hold,
/// flat, random (mean ± std over seeds), the best simple rule when one was chosen (<see cref="BestRule"/>) and, for
/// synthetic markets, the reference policy. <see cref="Bootstrap"/>, when drawn, is the paired stationary block
/// bootstrap of the agent's excess over buy-and-hold (first) and the best rule on this window's per-bar returns. Every policy is scored
/// over the same bars, from <see cref="StartIndex"/> (the environment's first start bar: after the series' read-only history and the
/// features' warm-up) to the series' last bar, <see cref="Steps"/> per-bar returns: buy-and-hold without a floor (the
/// asset's return after its one entry fee), the others under <see cref="EvaluationFloor"/>; each policy's
/// <see cref="AgentMetrics.HitFloorAt"/> says whether and where it reached the bankruptcy floor.
/// <see cref="BestRuleEquityCurve"/> is the best rule's equity over the same bars as <see cref="EquityCurve"/> (null when no
/// rule was chosen, or in reports written before it was kept). <see cref="ActionNames"/> names <see cref="ActionCounts"/>' entries
/// when the arena's action set is not the classic Hold, Buy, Sell, Close (null, and left out of the JSON, for the classic set).
/// The agent's exposure is in <see cref="Agent"/> (<see cref="AgentMetrics.TimeLong"/>, <see cref="AgentMetrics.TimeShort"/>,
/// <see cref="AgentMetrics.MeanAbsExposure"/>); <see cref="CorrelationWithBuyAndHold"/> is the Pearson correlation of its
/// per-bar returns with buy-and-hold's on the same bars (<see cref="Correlation.Pearson"/>): near 1 with a high time long, the
/// agent copies buy-and-hold. It is null when undefined (either's returns constant, e.g. an agent that stays flat) and in
/// reports written before it was measured.
/// <see cref="Oracle"/>: on a synthetic trend or mean-reverting market, the policy that knows the generator's state
/// (<see cref="OraclePolicy"/>), scored like the others over the same bars; null elsewhere and in reports written before it.
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
    AgentMetrics? Reference,
    FloorRule EvaluationFloor = FloorRule.FlattenToCash,
    RuleBaseline? BestRule = null,
    PairedBootstrapReport? Bootstrap = null,
    IReadOnlyList<TradeFill>? Trades = null,
    string? PriceBasis = null,
    double CashRate = 0,
    double[]? BestRuleEquityCurve = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? ActionNames = null,
    double? CorrelationWithBuyAndHold = null,
    AgentMetrics? Oracle = null);

public static class Evaluator
{
    /// <summary>
    /// Runs <paramref name="policy"/> greedily from the environment's first start bar to the series' end, then
    /// the baselines (flat, random, buy-and-hold, reference, best rule, and the oracle when the series carries its generator's state) from that same bar to the series' end: the first
    /// bar is max(the series' read-only history, the features' warm-up), <see cref="TradingEnvironment.FirstStartIndex"/>, so
    /// no history bar is scored and the best rule warms up on the history. Random run i uses seed
    /// <see cref="RandomBaselineSeed"/>(seed, i): its own coordinate, so no random run shares a stream with the synthetic
    /// markets (<c>Seeds.Derive(seed, 1..3)</c>).
    /// </summary>
    /// <param name="referencePolicy">E.g. <see cref="ReferencePolicies.For"/> for a synthetic market; null to skip.</param>
    /// <param name="bestRule">The simple rule chosen on the validation split (<see cref="SimpleRules.SelectOnValidation"/>); null to skip.</param>
    /// <param name="bootstrapDraws">Paired stationary bootstrap draws (seeded from <paramref name="seed"/>) on the scored bars' returns; 0 to skip.</param>
    public static EvaluationReport Evaluate(
        IQFunction policy,
        TradingEnvironment environment,
        int randomSeeds = 20,
        ulong seed = 0,
        IQFunction? referencePolicy = null,
        SimpleRuleChoice? bestRule = null,
        int bootstrapDraws = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bootstrapDraws);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentOutOfRangeException.ThrowIfLessThan(randomSeeds, 2);

        var start = environment.FirstStartIndex;
        var all = int.MaxValue;
        var noRandomness = new Rng(seed);
        var floor = environment.Arena.Options.EvaluationFloor;

        var trades = new List<TradeFill>();
        var agent = EpisodeRunner.Run(environment, start, all, policy, 0, noRandomness, null, floor, trades);
        var agentCurve = environment.EquityCurve.ToArray();

        var (buyAndHold, buyAndHoldCurve) = RunBuyAndHold(environment, start);

        var flat = EpisodeRunner.Run(environment, start, all, FixedPolicy.Flat(environment.StateSize), 0, noRandomness, null, floor);

        var randomPolicy = FixedPolicy.Flat(environment.StateSize);
        var rois = new double[randomSeeds];
        var sharpes = new double[randomSeeds];
        var drawdowns = new double[randomSeeds];
        var floorHits = 0;
        for (var i = 0; i < randomSeeds; i++)
        {
            var metrics = EpisodeRunner.Run(environment, start, all, randomPolicy, 1.0, new Rng(RandomBaselineSeed(seed, i)), null, floor).Metrics;
            rois[i] = metrics.Roi;
            sharpes[i] = metrics.Sharpe;
            drawdowns[i] = metrics.MaxDrawdown;
            floorHits += metrics.HitFloorAt is null ? 0 : 1;
        }

        var reference = referencePolicy is null
            ? null
            : EpisodeRunner.Run(environment, start, all, referencePolicy, 0, noRandomness, null, floor).Metrics;

        RuleBaseline? rule = null;
        double[]? ruleCurve = null;
        if (bestRule is not null)
        {
            rule = new RuleBaseline(bestRule.Rule.Name, bestRule.Metrics.Sharpe, SimpleRules.Run(bestRule.Rule, environment).Metrics);
            ruleCurve = environment.EquityCurve.ToArray();
        }

        var agentReturns = PerBarReturns(agentCurve);
        var buyAndHoldReturns = PerBarReturns(buyAndHoldCurve);
        var oracle = environment.Series.Truth is null
            ? null
            : EpisodeRunner.Run(environment, start, all, new OraclePolicy(environment), 0, noRandomness, null, floor).Metrics;

        PairedBootstrapReport? bootstrap = null;
        if (bootstrapDraws > 0 && agentCurve.Length > 2)
        {
            var baselines = new List<(string, double[])> { ("buy-and-hold", buyAndHoldReturns) };
            if (rule is not null)
            {
                baselines.Add((rule.Name, PerBarReturns(ruleCurve)));
            }

            bootstrap = StationaryBootstrap.Paired(agentReturns, baselines, environment.Series.BarsPerYear, bootstrapDraws, BootstrapSeed(seed));
        }

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
            new RandomBaseline(randomSeeds, Mean(rois), Std(rois), Mean(sharpes), Std(sharpes), Mean(drawdowns), floorHits),
            reference,
            floor,
            rule,
            bootstrap,
            trades,
            environment.Series.PriceBasis,
            environment.Arena.Options.CashRate,
            ruleCurve,
            environment.Arena.Options.Actions == ActionSet.Classic ? null : environment.Arena.Options.ActionNames(),
            Correlation.Pearson(agentReturns, buyAndHoldReturns),
            oracle);
    }

    /// <summary>The seed of random baseline run <paramref name="run"/>; before, <c>Seeds.Derive(seed, run)</c> collided with the market generators' seeds.</summary>
    public static ulong RandomBaselineSeed(ulong seed, int run) => Seeds.Derive(seed, Seeds.Hash("random-baseline"), run);

    /// <summary>The bootstrap's seed: derived from the evaluation seed on its own coordinate, apart from the random baseline's seeds.</summary>
    public static ulong BootstrapSeed(ulong seed) => Seeds.Derive(seed, Seeds.Hash("stationary-bootstrap"));

    /// <summary>
    /// Buy-and-hold from <paramref name="start"/> to the series' end with no floor: the asset itself, fully invested after
    /// the entry fee, whatever it passes through, with the run's fees and costs. In a target-exposure set it holds
    /// exposure 1 without volatility targeting, so every variant is compared with the same asset (a volatility-targeted
    /// or half-sized hold would be a different benchmark). Returns the run and buy-and-hold's equity curve.
    /// </summary>
    public static (EpisodeResult Result, double[] EquityCurve) RunBuyAndHold(TradingEnvironment environment, int start)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Arena.Options;
        var holding = options.Actions == ActionSet.Classic
            ? environment
            : new TradingEnvironment(environment.Features, environment.Series, environment.Normalizer, options with { TargetExposures = HoldingExposures, TargetVolatility = 0 }, environment.Rewards.Options);
        var result = EpisodeRunner.Run(holding, start, int.MaxValue, FixedPolicy.BuyAndHold(holding.StateSize), 0, new Rng(0), null, FloorRule.Ignore);
        return (result, holding.EquityCurve.ToArray());
    }

    private static readonly double[] HoldingExposures = [0, 1];

    /// <summary>
    /// Per-bar simple returns of an equity curve (one fewer than its points); 0 where the previous equity is not positive,
    /// and at least −1: a gap that takes a short below zero equity (natural gas spot ×5 in a day) is a loss of everything,
    /// −100 %, so the bootstrap's compounded resamples stay in [−100 %, ∞) instead of flipping sign. The account's own ROI
    /// still reports the whole loss.
    /// </summary>
    public static double[] PerBarReturns(ReadOnlySpan<double> equityCurve)
    {
        var returns = new double[Math.Max(0, equityCurve.Length - 1)];
        for (var i = 0; i < returns.Length; i++)
        {
            returns[i] = equityCurve[i] > 0 ? Math.Max(-1, (equityCurve[i + 1] / equityCurve[i]) - 1) : 0;
        }

        return returns;
    }

    /// <summary>
    /// Evaluates on <paramref name="series"/> with a normaliser fitted elsewhere (the training split), scored after its
    /// <paramref name="historyBars"/> bars of read-only history. When the series is a synthetic market, pass its kind to
    /// include the reference policy.
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
        string? syntheticKind = null,
        int historyBars = 0)
    {
        var environment = new TradingEnvironment(series, spec, normalizer, arena, reward, historyBars);
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
