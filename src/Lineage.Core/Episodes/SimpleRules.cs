using System.Globalization;
using Lineage.Core.Randomness;
using Lineage.Core.Trading;

namespace Lineage.Core.Episodes;

public enum SimpleRuleKind
{
    /// <summary>Long while the fast simple moving average of closes is above the slow one.</summary>
    MovingAverageCrossover,

    /// <summary>Time-series momentum: long while the close is above the close <c>Lookback</c> bars earlier.</summary>
    Momentum,
}

/// <summary>
/// A simple trading rule a user would actually run, on closes only. The signal at bar t uses closes 0…t of the
/// series it trades and nothing later (an evaluated window's read-only history is part of that series: the rule warms up
/// there); until it has <see cref="WarmUpBars"/> bars before t it is flat. <see cref="LongShort"/>: short on the opposite
/// signal; otherwise flat.
/// </summary>
public sealed record SimpleRule(SimpleRuleKind Kind, int Fast, int Lookback, bool LongShort)
{
    public string Name => Kind switch
    {
        SimpleRuleKind.MovingAverageCrossover => string.Create(CultureInfo.InvariantCulture, $"MA {Fast}/{Lookback} {(LongShort ? "long/short" : "long-only")}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"momentum {Lookback} {(LongShort ? "long/short" : "long-only")}"),
    };

    /// <summary>Bars before bar t the signal at t needs: the slow average's other bars, or the momentum look-back.</summary>
    public int WarmUpBars => Kind == SimpleRuleKind.MovingAverageCrossover ? Lookback - 1 : Lookback;

    /// <summary>
    /// +1 long, −1 short, 0 flat for every bar of <paramref name="closes"/>; element t reads closes[0..t] only, and from
    /// t = <see cref="WarmUpBars"/> on only closes[t − <see cref="WarmUpBars"/>..t]: the same signal as on any longer series ending there.
    /// </summary>
    public sbyte[] Signals(ReadOnlySpan<double> closes)
    {
        var signals = new sbyte[closes.Length];
        if (Kind == SimpleRuleKind.MovingAverageCrossover)
        {
            double fastSum = 0, slowSum = 0;
            for (var t = 0; t < closes.Length; t++)
            {
                fastSum += closes[t];
                slowSum += closes[t];
                if (t >= Fast)
                {
                    fastSum -= closes[t - Fast];
                }

                if (t >= Lookback)
                {
                    slowSum -= closes[t - Lookback];
                }

                if (t >= Lookback - 1)
                {
                    var spread = (fastSum / Fast) - (slowSum / Lookback);
                    signals[t] = Direction(spread);
                }
            }
        }
        else
        {
            for (var t = Lookback; t < closes.Length; t++)
            {
                signals[t] = Direction(closes[t] - closes[t - Lookback]);
            }
        }

        return signals;
    }

    private sbyte Direction(double x) => x > 0 ? (sbyte)1 : x < 0 && LongShort ? (sbyte)-1 : (sbyte)0;
}

/// <summary>
/// A <see cref="SimpleRule"/> acting in one environment: at the environment's current bar t it reads the rule's
/// signal at t (computed once from the environment's closes, its read-only history included), so an action chosen at t
/// fills at t+1 like any other policy's. It ignores the state's features. Bound to one environment; not thread-safe, like
/// the environment.
/// </summary>
public sealed class SimpleRulePolicy : ITradeIntentPolicy
{
    private readonly TradingEnvironment _environment;
    private readonly sbyte[] _signals;

    public SimpleRulePolicy(SimpleRule rule, TradingEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(environment);
        Rule = rule;
        _environment = environment;
        _signals = rule.Signals(environment.Series.Close);
    }

    public SimpleRule Rule { get; }

    public int StateSize => _environment.StateSize;

    public int ActionCount => TradingEnvironment.ClassicActionCount;

    public void Evaluate(ReadOnlySpan<float> state, Span<float> qValues)
    {
        var signal = _signals[_environment.CurrentIndex];
        qValues.Clear();
        qValues[(int)(signal > 0 ? TradeAction.Buy : signal < 0 ? TradeAction.Sell : TradeAction.Close)] = 1;
    }
}

/// <summary>One rule's score on a split, and the family's scores it was chosen among.</summary>
public sealed record SimpleRuleChoice(SimpleRule Rule, AgentMetrics Metrics, IReadOnlyList<(string Name, double Sharpe)> Candidates);

/// <summary>The family of simple rules every evaluation reports the best of, chosen on the validation split only.</summary>
public static class SimpleRules
{
    /// <summary>MA crossovers 10/50, 20/100, 50/200 and time-series momentum over 20, 60, 120, 250 bars; each long-only and long/short.</summary>
    public static IReadOnlyList<SimpleRule> Family { get; } =
    [
        new(SimpleRuleKind.MovingAverageCrossover, 10, 50, false),
        new(SimpleRuleKind.MovingAverageCrossover, 20, 100, false),
        new(SimpleRuleKind.MovingAverageCrossover, 50, 200, false),
        new(SimpleRuleKind.Momentum, 0, 20, false),
        new(SimpleRuleKind.Momentum, 0, 60, false),
        new(SimpleRuleKind.Momentum, 0, 120, false),
        new(SimpleRuleKind.Momentum, 0, 250, false),
        new(SimpleRuleKind.MovingAverageCrossover, 10, 50, true),
        new(SimpleRuleKind.MovingAverageCrossover, 20, 100, true),
        new(SimpleRuleKind.MovingAverageCrossover, 50, 200, true),
        new(SimpleRuleKind.Momentum, 0, 20, true),
        new(SimpleRuleKind.Momentum, 0, 60, true),
        new(SimpleRuleKind.Momentum, 0, 120, true),
        new(SimpleRuleKind.Momentum, 0, 250, true),
    ];

    /// <summary>The most warm-up bars any rule of <see cref="Family"/> reads (<see cref="SimpleRule.WarmUpBars"/>).</summary>
    public static int MaxWarmUpBars { get; } = Family.Max(r => r.WarmUpBars);

    /// <summary>
    /// Scores <paramref name="rule"/> greedily over the environment's whole window, from its first start bar, under
    /// the arena's evaluation floor (as <see cref="Evaluator"/> scores every policy): the same bars as every other policy.
    /// The rule warms up on the bars before that (the series' read-only history). The environment's equity curve is then the rule's.
    /// </summary>
    public static EpisodeResult Run(SimpleRule rule, TradingEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return EpisodeRunner.Run(
            environment,
            environment.FirstStartIndex,
            int.MaxValue,
            new SimpleRulePolicy(rule, environment),
            0,
            new Rng(0),
            null,
            environment.Arena.Options.EvaluationFloor);
    }

    /// <summary>
    /// The rule of <paramref name="family"/> (default <see cref="Family"/>) with the highest annualised Sharpe after fees
    /// and slippage on <paramref name="validation"/>'s scored bars (from its first start bar, after its read-only history);
    /// ties go to the earlier rule. Pass the validation environment only: the choice must not see the window it is then scored on.
    /// </summary>
    public static SimpleRuleChoice SelectOnValidation(TradingEnvironment validation, IReadOnlyList<SimpleRule>? family = null)
    {
        ArgumentNullException.ThrowIfNull(validation);
        family ??= Family;
        ArgumentOutOfRangeException.ThrowIfZero(family.Count);
        var candidates = new (string Name, double Sharpe)[family.Count];
        SimpleRule? best = null;
        AgentMetrics? bestMetrics = null;
        for (var i = 0; i < family.Count; i++)
        {
            var metrics = Run(family[i], validation).Metrics;
            candidates[i] = (family[i].Name, metrics.Sharpe);
            if (bestMetrics is null || metrics.Sharpe > bestMetrics.Sharpe)
            {
                best = family[i];
                bestMetrics = metrics;
            }
        }

        return new SimpleRuleChoice(best!, bestMetrics!, candidates);
    }
}
