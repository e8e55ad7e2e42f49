using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Trading;
using Lineage.Orchestration.Champions;

namespace Lineage.IntegrationTests.Models;

/// <summary>The decision's state with the account features, against the trading environment's at the same bar.</summary>
public class DecisionStateTests
{
    private static readonly FeatureSpec AccountState = FeatureSpec.Default with { Features = [.. FeatureSpec.Default.Features, FeatureKind.TimeInPosition] };

    [Fact]
    public void Time_in_position_is_zero_when_flat_and_one_bar_for_a_position_the_caller_holds()
    {
        var series = SyntheticMarkets.Generate(SyntheticMarkets.Trend, 200, 3);
        var features = MarketFeatures.Compute(series, AccountState);
        var normalizer = Normalizer.Fit(features);
        var env = new TradingEnvironment(features, series, normalizer, ArenaOptions.Classic, new RewardOptions());
        var slot = AccountState.IndexOf(FeatureKind.TimeInPosition);

        // Bought at the last decision: the environment's state at the series' last bar holds the position for one bar.
        env.Reset(series.Count - 2);
        env.Step(TradeAction.Buy);
        var held = ChampionDecisions.State(series, AccountState, normalizer, 1, env.Arena.EntryPrice);
        var flat = ChampionDecisions.State(series, AccountState, normalizer, 0, null);

        Assert.Equal(env.State.ToArray(), held);
        Assert.Equal(1 / 60f, held[slot]);
        Assert.Equal(0f, flat[slot]);
    }
}
