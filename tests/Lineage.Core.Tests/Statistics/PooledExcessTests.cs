using Lineage.Core.Statistics;

namespace Lineage.Core.Tests.Statistics;

public sealed class PooledExcessTests
{
    [Fact]
    public void Pools_the_per_name_means_so_a_name_with_more_seeds_does_not_weigh_more()
    {
        var pooled = PooledExcess.Of([new("a", [0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]), new("b", [-0.1, -0.1])]);

        Assert.Equal(0.05, pooled.Pooled.Mean, 12);
        Assert.Equal(2, pooled.Pooled.Count);
        var t = MeanInterval.Critical95(1);
        var sd = Math.Sqrt((0.15 * 0.15 + 0.15 * 0.15) / 1);
        Assert.Equal(0.05 - t * sd / Math.Sqrt(2), pooled.Pooled.Low, 9);
    }

    [Fact]
    public void Counts_names_within_tolerance_and_names_whose_seeds_agree_on_the_sign()
    {
        var pooled = PooledExcess.Of(
        [
            new("agrees", [0.3, 0.2, 0.1, 0.4, -0.05]),      // 4 of 5 positive, mean positive
            new("split", [0.3, -0.2, 0.1, -0.4, 0.05]),       // mean −0.03: within 0.1, 2 of 5 negative
            new("harms", [-0.3, -0.2, -0.25, -0.2, -0.15]),   // all negative, outside the tolerance
        ]);

        Assert.Equal(2, pooled.WithinTolerance);
        Assert.Equal(2, pooled.SignAgreeing);
        Assert.False(pooled.FloorMet);
        Assert.False(pooled.AimMet);
    }

    [Fact]
    public void Floor_and_aim_follow_the_issue_rules()
    {
        var copying = PooledExcess.Of([.. Enumerable.Range(0, 6).Select(i => new NameExcess($"n{i}", [0.0, 0.0, 0.0, 0.0, 0.0]))]);
        Assert.True(copying.FloorMet);   // a copy of buy-and-hold does no harm
        Assert.False(copying.AimMet);    // and earns nothing

        var earning = PooledExcess.Of([.. Enumerable.Range(0, 6).Select(i => new NameExcess($"n{i}", [0.2 + (0.01 * i), 0.25, 0.3, 0.22, 0.28]))]);
        Assert.True(earning.FloorMet);
        Assert.True(earning.AimMet);

        var oneHarmed = PooledExcess.Of([.. Enumerable.Range(0, 5).Select(i => new NameExcess($"n{i}", [0.0, 0.01])), new NameExcess("bad", [-0.5, -0.6])]);
        Assert.Equal(5, oneHarmed.WithinTolerance);
        Assert.False(oneHarmed.FloorMet); // 5 of 6 within, but the pooled CI's lower bound is below −0.1
    }

    [Fact]
    public void Ignores_names_without_finite_figures()
    {
        var pooled = PooledExcess.Of([new("ok", [0.1, 0.2]), new("none", []), new("nan", [double.NaN])]);
        Assert.Single(pooled.Names);
    }
}
