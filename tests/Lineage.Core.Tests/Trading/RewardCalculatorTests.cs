using System.Text.Json;
using Lineage.Core.Randomness;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Trading;

public class RewardCalculatorTests
{
    private const double Capital = 10_000;

    private static RewardCalculator FiveComponent(double scale = 1) => new(new RewardOptions { Scale = scale }, Capital);

    private static AccountSnapshot Snap(double equity, double drawdown = 0, double winRate = 0, int scars = 0, bool bankrupt = false) =>
        new(equity, drawdown, winRate, scars, bankrupt);

    private static AccountSnapshot RandomSnapshot(Rng rng, AccountSnapshot? from = null) => new(
        Capital * (0.6 + (0.8 * rng.NextDouble())),
        rng.NextDouble() * 0.4,
        rng.NextDouble(),
        (from?.Scars ?? 0) + rng.NextInt(3),
        false);

    [Fact]
    public void A_loss_never_adds_reward()
    {
        var rng = new Rng(2024);
        var calc = FiveComponent();
        for (var i = 0; i < 10_000; i++)
        {
            var before = RandomSnapshot(rng);
            var after = RandomSnapshot(rng, before) with { Equity = before.Equity * (1 - (0.1 * rng.NextDouble()) - 1e-9), WinRate = before.WinRate * rng.NextDouble() };

            var b = calc.Compute(before, after, episodeEnd: false);

            Assert.Equal(0, b.CapitalGain);
            Assert.True(b.CapitalLoss < 0);
            Assert.True(b.Total < 0, $"loss step gave reward {b.Total}");
        }
    }

    [Fact]
    public void A_gain_without_other_events_earns_ten_times_the_return()
    {
        var rng = new Rng(5);
        var calc = FiveComponent();
        for (var i = 0; i < 1000; i++)
        {
            var delta = 0.05 * rng.NextDouble();
            var before = Snap(Capital * (0.8 + (0.4 * rng.NextDouble())));

            var b = calc.Compute(before, before with { Equity = before.Equity * (1 + delta) }, episodeEnd: false);

            Assert.Equal(10 * delta, b.Total, 9);
        }
    }

    [Fact]
    public void A_loss_costs_twenty_times_the_return()
    {
        var b = FiveComponent().Compute(Snap(10_000), Snap(9_900), episodeEnd: false);

        Assert.Equal(-20 * 0.01, b.CapitalLoss, 12);
    }

    [Fact]
    public void No_change_gives_zero_reward()
    {
        var s = Snap(10_500, 0.1, 0.5, 2);

        Assert.Equal(0, FiveComponent().Compute(s, s, episodeEnd: false).Total);
    }

    [Fact]
    public void Drawdown_increase_scars_and_win_rate_increase_are_weighted()
    {
        var b = FiveComponent().Compute(Snap(10_000, 0.1, 0.5, 1), Snap(10_000, 0.15, 0.75, 3), episodeEnd: false);

        Assert.Equal(-5 * 0.05, b.Drawdown, 12);
        Assert.Equal(-2, b.Scar);
        Assert.Equal(2 * 0.25, b.WinRate, 12);
    }

    [Fact]
    public void Drawdown_recovery_and_win_rate_drop_are_not_rewarded_or_punished()
    {
        var b = FiveComponent().Compute(Snap(10_000, 0.2, 0.8), Snap(10_000, 0.1, 0.5), episodeEnd: false);

        Assert.Equal(0, b.Drawdown);
        Assert.Equal(0, b.WinRate);
    }

    [Fact]
    public void Episode_end_adds_thousand_times_roi()
    {
        var s = Snap(11_000);

        var b = FiveComponent().Compute(s, s, episodeEnd: true);

        Assert.Equal(1000 * 0.1, b.EpisodeRoi, 9);
    }

    [Fact]
    public void Bankruptcy_costs_a_thousand_once()
    {
        var calc = FiveComponent();

        var first = calc.Compute(Snap(6_000), Snap(5_000, bankrupt: true), episodeEnd: false);
        var again = calc.Compute(Snap(5_000, bankrupt: true), Snap(5_000, bankrupt: true), episodeEnd: false);

        Assert.Equal(-1000, first.Bankruptcy);
        Assert.Equal(0, again.Bankruptcy);
    }

    [Fact]
    public void Scale_multiplies_every_component()
    {
        var rng = new Rng(77);
        for (var i = 0; i < 200; i++)
        {
            var before = RandomSnapshot(rng);
            var after = RandomSnapshot(rng, before);
            var end = rng.NextDouble() < 0.5;

            var unit = FiveComponent().Compute(before, after, end);
            var scaled = FiveComponent(0.01).Compute(before, after, end);

            Assert.Equal(unit.Total * 0.01, scaled.Total, 9);
        }
    }

    [Fact]
    public void Log_return_reward_is_the_scaled_log_of_the_equity_ratio()
    {
        var calc = new RewardCalculator(new RewardOptions { Kind = RewardKind.LogReturn, Scale = 100, DrawdownPenalty = 2 }, Capital);

        var b = calc.Compute(Snap(10_000, 0.0), Snap(9_800, 0.02), episodeEnd: true);

        Assert.Equal(100 * Math.Log(0.98), b.LogReturn, 9);
        Assert.Equal(-100 * 2 * 0.02, b.Drawdown, 9);
        Assert.Equal(0, b.EpisodeRoi);
        Assert.Equal(b.LogReturn + b.Drawdown, b.Total, 12);
    }

    [Fact]
    public void Log_return_reward_stays_finite_when_equity_is_wiped_out()
    {
        var calc = new RewardCalculator(new RewardOptions { Kind = RewardKind.LogReturn }, Capital);

        var b = calc.Compute(Snap(10_000), Snap(-500), episodeEnd: true);

        Assert.True(double.IsFinite(b.Total));
        Assert.Equal(Math.Log(RewardCalculator.MinEquityRatio), b.LogReturn, 9);
    }

    [Fact]
    public void Breakdowns_add_component_wise()
    {
        var a = new RewardBreakdown(1, -2, -3, -4, 5, 6, -7, 8);

        var sum = a + a;

        Assert.Equal(2 * a.Total, sum.Total, 12);
        Assert.Equal(-4, sum.CapitalLoss);
    }

    [Fact]
    public void Default_weights_are_the_prototype_values()
    {
        var w = new RewardWeights();

        Assert.Equal([10.0, -20, -5, -1, 2, 1000, -1000], new[] { w.CapitalGain, w.CapitalLoss, w.Drawdown, w.Scar, w.WinRateIncrease, w.EpisodeRoi, w.Bankruptcy });
    }

    [Fact]
    public void Validate_names_a_weight_with_the_wrong_sign()
    {
        var errors = new RewardOptions { Weights = new RewardWeights { CapitalLoss = 20 } }.Validate();

        Assert.Contains(errors, e => e.Contains("RewardWeights.CapitalLoss", StringComparison.Ordinal) && e.Contains("was 20", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_names_a_non_positive_scale()
    {
        var errors = new RewardOptions { Scale = 0 }.Validate();

        Assert.Contains(errors, e => e.Contains("RewardOptions.Scale", StringComparison.Ordinal));
    }

    [Fact]
    public void Reward_options_round_trip_through_json_with_kind_as_string()
    {
        var o = new RewardOptions { Kind = RewardKind.LogReturn, Scale = 100, Weights = new RewardWeights { Scar = -3 } };

        var json = JsonSerializer.Serialize(o);
        var back = JsonSerializer.Deserialize<RewardOptions>(json);

        Assert.Contains("\"LogReturn\"", json, StringComparison.Ordinal);
        Assert.Equal(o, back);
    }
}
