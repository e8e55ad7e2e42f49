using Lineage.Core.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Episodes;

/// <summary>
/// The oracle baseline of a synthetic market: it knows the generator's state (<see cref="SyntheticTruth"/>), which no agent
/// observes, so it is the bound the agent is read against, in expectation over market paths (on one short path a rule can
/// beat it by luck; on the mean-reverting market it is a strong policy with the true state, not a proven optimum). At the
/// environment's current bar t it reads the state at t
/// and nothing later: long when the drift in force exceeds the band, short when it is below minus the band, otherwise it
/// keeps its position; the order fills at t + 1 like any other policy's. On the trend that is the regime in force at t (long
/// in the up regime, short in the down), not whether the regime switches before the next bar: that coin is drawn for bar
/// t + 1, a future fact no policy could know, so at a switch the oracle is one bar late, as a policy that observed the
/// regime itself would be. On the mean-reverting market it is contrarian on the true log-price deviation from the level
/// beyond half a stationary SD. A long-only arena carries its short out as flat (Sell). It ignores the state's features.
/// Bound to one environment; not thread-safe, like the environment.
/// </summary>
public sealed class OraclePolicy : ITradeIntentPolicy
{
    private readonly TradingEnvironment _environment;
    private readonly SyntheticTruth _truth;

    public OraclePolicy(TradingEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _environment = environment;
        _truth = environment.Series.Truth
            ?? throw new ArgumentException($"Series '{environment.Series.Name}' has no generator state for an oracle (only synthetic trend and mean-reverting markets have one).", nameof(environment));
    }

    public int StateSize => _environment.StateSize;

    public int ActionCount => TradingEnvironment.ClassicActionCount;

    public void Evaluate(ReadOnlySpan<float> state, Span<float> qValues)
    {
        var drift = _truth.Drift[_environment.CurrentIndex];
        qValues.Clear();
        qValues[(int)(drift > _truth.Band ? TradeAction.Buy : drift < -_truth.Band ? TradeAction.Sell : TradeAction.Hold)] = 1;
    }
}
