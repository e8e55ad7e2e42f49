using System.Text.Json;
using System.Text.Json.Nodes;
using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Tests.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Episodes;

/// <summary>Every evaluation reports the agent's exposure and the correlation of its returns with buy-and-hold's.</summary>
public class ExposureReportTests
{
    private static PriceSeries Trend() => SyntheticMarkets.Generate(SyntheticMarkets.Trend, 300, 5);

    [Fact]
    public void An_agent_that_copies_buy_and_hold_is_long_on_every_bar_and_correlates_one_with_it()
    {
        var env = EnvironmentFactory.Create(Trend(), ArenaOptions.Classic with { FeeBps = 10 });

        var report = Evaluator.Evaluate(FixedPolicy.BuyAndHold(env.StateSize), env);

        Assert.Equal(1, report.Agent.TimeLong);
        Assert.Equal(0, report.Agent.TimeShort);
        Assert.Equal(1, report.Agent.TimeInMarket);
        Assert.InRange(report.Agent.MeanAbsExposure!.Value, 0.999, 1.001);
        Assert.Equal(1, report.CorrelationWithBuyAndHold!.Value, 12);
        Assert.Equal(1, report.BuyAndHold.TimeLong);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.03)]
    public void A_flat_agent_is_never_in_the_market_and_has_no_correlation(double cashRate)
    {
        var env = EnvironmentFactory.Create(Trend(), ArenaOptions.Classic with { CashRate = cashRate });

        var report = Evaluator.Evaluate(FixedPolicy.Flat(env.StateSize), env);

        Assert.Equal(0, report.Agent.TimeInMarket);
        Assert.Equal(0, report.Agent.TimeLong);
        Assert.Equal(0, report.Agent.MeanAbsExposure);
        Assert.Null(report.CorrelationWithBuyAndHold);
    }

    [Fact]
    public void A_scripted_sequence_of_longs_and_shorts_gives_the_exact_fractions()
    {
        // Window 2: the evaluation starts at bar 2 and takes 16 steps on 19 bars. Each action fills at the next bar and is
        // held over it: Buy, Hold (long), Sell, Hold, Hold (short), Close, Hold (flat), Buy (long), twice over.
        var env = EnvironmentFactory.Create(TestSeries.Constant(19, 100), ArenaOptions.Classic with { FeeBps = 0, ShortBorrowRate = 0 }, spec: FeatureSpec.Default with { Window = 2 });
        var script = new ScriptedPolicy(env.StateSize, [TradeAction.Buy, TradeAction.Hold, TradeAction.Sell, TradeAction.Hold, TradeAction.Hold, TradeAction.Close, TradeAction.Hold, TradeAction.Buy]);

        var report = Evaluator.Evaluate(script, env);

        Assert.Equal(16, report.Steps);
        Assert.Equal(6.0 / 16, report.Agent.TimeLong);
        Assert.Equal(6.0 / 16, report.Agent.TimeShort);
        Assert.Equal(12.0 / 16, report.Agent.TimeInMarket);
        Assert.Equal(12.0 / 16, report.Agent.MeanAbsExposure!.Value, 12);
        Assert.Null(report.CorrelationWithBuyAndHold); // a constant price: buy-and-hold's returns are constant too
    }

    [Fact]
    public void The_last_bar_counts_as_held_when_the_window_sells_the_position_at_its_close()
    {
        var env = EnvironmentFactory.Create(Trend(), ArenaOptions.Classic with { CloseAtEnd = true });

        var report = Evaluator.Evaluate(FixedPolicy.BuyAndHold(env.StateSize), env);

        Assert.Equal(1, report.Agent.TimeLong);
        Assert.InRange(report.Agent.MeanAbsExposure!.Value, 0.999, 1.001);
    }

    [Fact]
    public void Mean_absolute_exposure_measures_the_size_of_a_target_exposure_position()
    {
        var env = EnvironmentFactory.Create(Trend(), ArenaOptions.Classic with { Actions = ActionSet.TargetExposure });
        var half = Array.IndexOf([.. env.Arena.Options.TargetExposures], 0.5);

        var report = Evaluator.Evaluate(new ScriptedPolicy(env.StateSize, [(TradeAction)half], env.ActionCount), env);

        Assert.Equal(1, report.Agent.TimeLong);
        Assert.InRange(report.Agent.MeanAbsExposure!.Value, 0.45, 0.56);
        Assert.InRange(report.CorrelationWithBuyAndHold!.Value, 0.95, 1);
    }

    [Fact]
    public void A_report_written_before_exposure_was_measured_reads_with_nulls()
    {
        var env = EnvironmentFactory.Create(Trend());
        var report = Evaluator.Evaluate(FixedPolicy.BuyAndHold(env.StateSize), env);
        var json = JsonSerializer.SerializeToNode(report)!.AsObject();
        json.Remove(nameof(EvaluationReport.CorrelationWithBuyAndHold));
        var agent = json[nameof(EvaluationReport.Agent)]!.AsObject();
        agent.Remove(nameof(AgentMetrics.TimeLong));
        agent.Remove(nameof(AgentMetrics.TimeShort));
        agent.Remove(nameof(AgentMetrics.MeanAbsExposure));
        Assert.False(agent.ContainsKey(nameof(AgentMetrics.TimeInMarket)));

        var old = json.Deserialize<EvaluationReport>()!;

        Assert.Null(old.CorrelationWithBuyAndHold);
        Assert.Null(old.Agent.TimeLong);
        Assert.Null(old.Agent.TimeInMarket);
        Assert.Equal(report.Agent.Roi, old.Agent.Roi);
    }

    /// <summary>Plays its script of actions of the environment's set in turn, over and over.</summary>
    private sealed class ScriptedPolicy(int stateSize, TradeAction[] script, int actionCount = TradingEnvironment.ClassicActionCount) : IQFunction
    {
        private int _step;

        public int StateSize => stateSize;

        public int ActionCount => actionCount;

        public void Evaluate(ReadOnlySpan<float> state, Span<float> qValues)
        {
            qValues.Clear();
            qValues[(int)script[_step++ % script.Length]] = 1;
        }
    }
}
