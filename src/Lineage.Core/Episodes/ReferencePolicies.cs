using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Episodes;

/// <summary>
/// A rule on the window momentum the agent itself observes (denormalised from its state), so an agent with
/// the same features could learn it: no foresight, no hidden generator state.
/// </summary>
public sealed class MomentumRulePolicy : ITradeIntentPolicy
{
    private readonly int _slot;
    private readonly int _column;
    private readonly Normalizer _normalizer;

    /// <param name="followTrend">True: long when momentum &gt; threshold, short when &lt; −threshold. False: the contrary.</param>
    /// <param name="threshold">Dead band on the raw window log return; inside it the position is kept.</param>
    public MomentumRulePolicy(FeatureSpec spec, Normalizer normalizer, bool followTrend, double threshold)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(normalizer);
        _slot = spec.IndexOf(FeatureKind.Momentum);
        if (_slot < 0)
        {
            throw new ArgumentException($"A momentum rule needs the {FeatureKind.Momentum} feature; the spec has {string.Join(", ", spec.Features)}.", nameof(spec));
        }

        _column = Array.IndexOf(spec.MarketFeatureKinds(), FeatureKind.Momentum);
        _normalizer = normalizer;
        StateSize = spec.StateSize;
        FollowTrend = followTrend;
        Threshold = threshold;
    }

    public bool FollowTrend { get; }

    public double Threshold { get; }

    public int StateSize { get; }

    public int ActionCount => TradingEnvironment.ClassicActionCount;

    public void Evaluate(ReadOnlySpan<float> state, Span<float> qValues)
    {
        var momentum = _normalizer.Denormalize(_column, state[_slot]);
        var signal = momentum > Threshold ? 1 : momentum < -Threshold ? -1 : 0;
        if (!FollowTrend)
        {
            signal = -signal;
        }

        qValues.Clear();
        qValues[(int)(signal > 0 ? TradeAction.Buy : signal < 0 ? TradeAction.Sell : TradeAction.Hold)] = 1;
    }
}

/// <summary>The known-good policy of each synthetic market kind.</summary>
public static class ReferencePolicies
{
    /// <summary>
    /// Contrarian dead band for the mean-reverting market: half of the OU's stationary standard deviation of
    /// log price (σ/√(2θ−θ²) ≈ 0.023 with the defaults). It stays at the defaults' value whatever signal-to-noise ratio a
    /// market is generated with: the reference reads the agent's observations, not the generator's parameters (the oracle,
    /// <see cref="OraclePolicy"/>, is the baseline that knows them).
    /// </summary>
    public static double MeanReversionThreshold { get; } = 0.5 * new MeanRevertingParameters().StationaryStd;

    /// <summary>"trend": follow the momentum sign; "meanrev": contrarian on momentum beyond a band; "randomwalk": stay flat.</summary>
    public static IQFunction For(string kind, FeatureSpec spec, Normalizer normalizer)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return kind switch
        {
            SyntheticMarkets.Trend => new MomentumRulePolicy(spec, normalizer, followTrend: true, threshold: 0),
            SyntheticMarkets.MeanReverting => new MomentumRulePolicy(spec, normalizer, followTrend: false, threshold: MeanReversionThreshold),
            SyntheticMarkets.RandomWalk => FixedPolicy.Flat(spec.StateSize),
            _ => throw new ArgumentException($"No reference policy for '{kind}'; expected one of: {string.Join(", ", SyntheticMarkets.Kinds)}.", nameof(kind)),
        };
    }
}
