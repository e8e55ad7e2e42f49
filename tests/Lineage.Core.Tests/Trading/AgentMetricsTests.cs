using System.Text.Json;
using Lineage.Core.Randomness;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Trading;

public class AgentMetricsTests
{
    [Fact]
    public void Sharpe_and_sortino_match_direct_computation()
    {
        var rng = new Rng(31);
        var returns = Enumerable.Range(0, 500).Select(_ => 0.0005 + (0.01 * rng.NextGaussian())).ToArray();
        var stats = default(ReturnStatistics);
        foreach (var r in returns)
        {
            stats.Add(r);
        }

        var mean = returns.Average();
        var sd = Math.Sqrt(returns.Sum(r => (r - mean) * (r - mean)) / (returns.Length - 1));
        var downside = Math.Sqrt(returns.Sum(r => Math.Min(r, 0) * Math.Min(r, 0)) / returns.Length);

        Assert.Equal(mean / sd * Math.Sqrt(252), stats.Sharpe(252), 9);
        Assert.Equal(mean / downside * Math.Sqrt(252), stats.Sortino(252), 9);
    }

    [Fact]
    public void Ratios_are_zero_not_nan_without_variance_or_downside()
    {
        var stats = default(ReturnStatistics);
        stats.Add(0.01);
        stats.Add(0.01);

        Assert.Equal(0, stats.Sharpe(252));
        Assert.Equal(0, stats.Sortino(252));
        Assert.Equal(0, default(ReturnStatistics).Sharpe(252));
    }

    [Fact]
    public void Metrics_from_an_arena_report_its_account()
    {
        var arena = new Arena(ArenaOptions.Classic with { FeeBps = 0 });
        arena.Reset(100);
        arena.Execute(TradeAction.Buy, 100);
        arena.MarkToMarket(110);
        arena.Execute(TradeAction.Close, 110);

        var m = AgentMetrics.From(arena, default, 252);

        Assert.Equal(11_000, m.FinalCapital, 6);
        Assert.Equal(0.1, m.Roi, 9);
        Assert.Equal(1, m.Trades);
        Assert.Equal(1.0, m.WinRate);
        Assert.Equal(0, m.Scars);
        Assert.False(m.Bankrupt);
    }

    [Fact]
    public void Metrics_round_trip_through_json()
    {
        var m = new AgentMetrics(10_500, 0.05, 0.12, 0.6, 10, 4, 1.2, 1.8, false);

        Assert.Equal(m, JsonSerializer.Deserialize<AgentMetrics>(JsonSerializer.Serialize(m)));
    }

    [Fact]
    public void Exposure_round_trips_through_json_and_time_in_market_is_derived_not_stored()
    {
        var m = new AgentMetrics(10_500, 0.05, 0.12, 0.6, 10, 4, 1.2, 1.8, false, TimeLong: 0.625, TimeShort: 0.125, MeanAbsExposure: 0.7);
        var json = JsonSerializer.Serialize(m);

        Assert.Equal(m, JsonSerializer.Deserialize<AgentMetrics>(json));
        Assert.Equal(0.75, m.TimeInMarket);
        Assert.DoesNotContain(nameof(AgentMetrics.TimeInMarket), json, StringComparison.Ordinal);
    }
}
