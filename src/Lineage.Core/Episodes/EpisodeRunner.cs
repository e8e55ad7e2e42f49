using System.Globalization;
using Lineage.Core.Randomness;
using Lineage.Core.Replay;
using Lineage.Core.Trading;

namespace Lineage.Core.Episodes;

/// <summary>What one episode produced.</summary>
public sealed record EpisodeResult(
    AgentMetrics Metrics,
    double TotalReward,
    RewardBreakdown RewardTotals,
    int Steps,
    int[] ActionCounts,
    int StartIndex,
    bool Terminated);

/// <summary>
/// One fill of an episode's trade log: at bar <paramref name="Bar"/> (time <paramref name="Time"/>) the action moved the
/// position from <paramref name="From"/> to <paramref name="To"/> at the bar's fill price (<paramref name="Price"/>, before
/// slippage), paying <paramref name="Fee"/>; <paramref name="Equity"/> is the account after the bar's close.
/// </summary>
public sealed record TradeFill(int Bar, DateTimeOffset Time, TradeAction Action, int From, int To, double Price, double Fee, double Equity);

/// <summary>Plays one ε-greedy episode of a policy in an environment, optionally emitting experiences.</summary>
public static class EpisodeRunner
{
    /// <param name="epsilon">Probability of a uniformly random action per step (drawn from <paramref name="rng"/>); 0 = greedy.</param>
    /// <param name="sink">Receives one <see cref="Experience"/> per step (fresh state arrays); null to emit nothing.</param>
    /// <param name="floorRule">Training episodes end at the bankruptcy floor; evaluations pass another rule to score the whole window.</param>
    /// <param name="fills">Receives the trade log (every step that traded or paid a fee); null to keep none.</param>
    public static EpisodeResult Run(
        TradingEnvironment environment,
        int startIndex,
        int maxSteps,
        IQFunction policy,
        double epsilon,
        Rng rng,
        ICollection<Experience>? sink,
        FloorRule floorRule = FloorRule.EndEpisode,
        ICollection<TradeFill>? fills = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(rng);
        // A rule that thinks in Buy/Sell/Close answers in the classic four; the environment carries its intent out in its own set.
        var intents = policy is ITradeIntentPolicy;
        var policyActions = intents ? TradingEnvironment.ClassicActionCount : environment.ActionCount;
        if (policy.StateSize != environment.StateSize || policy.ActionCount != policyActions)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Policy has StateSize {policy.StateSize} and ActionCount {policy.ActionCount}; the environment needs {environment.StateSize} and {policyActions}."), nameof(policy));
        }

        if (!(epsilon >= 0 && epsilon <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be in [0, 1].");
        }

        environment.Reset(startIndex, maxSteps, floorRule);
        var actionCount = environment.ActionCount;
        Span<float> q = policyActions <= 64 ? stackalloc float[policyActions] : new float[policyActions];
        var actionCounts = new int[actionCount];
        var totals = default(RewardBreakdown);
        var totalReward = 0.0;
        StepOutcome outcome;
        do
        {
            int action;
            if (epsilon > 0 && rng.NextDouble() < epsilon)
            {
                action = rng.NextInt(actionCount);
            }
            else
            {
                policy.Evaluate(environment.State, q);
                action = intents ? environment.ActionFor((TradeAction)ArgMax(q)) : ArgMax(q);
            }

            var state = sink is null ? null : environment.State.ToArray();
            var from = environment.Arena.Position;
            // Past the floor an evaluation flattens whatever the policy asks: the log shows the order that was executed.
            var flattened = environment.HitFloorAt is not null && floorRule == FloorRule.FlattenToCash;
            var exposureBefore = environment.Arena.Exposure;
            outcome = environment.Step(action);
            if (fills is not null)
            {
                var bar = environment.CurrentIndex;
                var endClose = environment.EndClose;
                var stepFee = outcome.Fees - (endClose?.Fee ?? 0);
                var to = endClose?.From ?? environment.Arena.Position;
                if (stepFee > 0 || to != from)
                {
                    var executed = flattened ? TradeAction.Close : Executed(environment, action, exposureBefore, to);
                    fills.Add(new TradeFill(bar, environment.Series.Times[bar], executed, from, to, environment.Series.FillPrice(bar), stepFee, environment.Arena.Equity));
                }

                if (endClose is { } close)
                {
                    fills.Add(new TradeFill(bar, environment.Series.Times[bar], TradeAction.Close, close.From, 0, environment.Series.Close[bar], close.Fee, environment.Arena.Equity));
                }
            }

            actionCounts[action]++;
            totalReward += outcome.Reward;
            totals += outcome.Breakdown;
            sink?.Add(new Experience(state!, action, (float)outcome.Reward, environment.State.ToArray(), outcome.Terminated, outcome.Truncated));
        }
        while (!outcome.Done);

        return new EpisodeResult(environment.Metrics(), totalReward, totals, environment.Steps, actionCounts, startIndex, environment.Terminated);
    }

    /// <summary>The classic action a step amounts to: the action itself, or under target exposures Close (to flat), Buy (exposure up), Sell (down).</summary>
    private static TradeAction Executed(TradingEnvironment environment, int action, double exposureBefore, int to)
    {
        if (environment.Arena.Options.Actions == ActionSet.Classic)
        {
            return (TradeAction)action;
        }

        return to == 0 ? TradeAction.Close : environment.Arena.Exposure > exposureBefore ? TradeAction.Buy : TradeAction.Sell;
    }

    /// <summary>Index of the largest value; the lowest index wins ties; NaN never wins.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best] || float.IsNaN(values[best]))
            {
                best = i;
            }
        }

        return best;
    }
}
