using Lineage.Core.Randomness;
using Lineage.Core.Statistics;

namespace Lineage.Core.Tests.Statistics;

public class CorrelationTests
{
    [Fact]
    public void A_sample_correlates_one_with_itself_and_minus_one_with_its_negation()
    {
        var rng = new Rng(3);
        var x = Enumerable.Range(0, 500).Select(_ => 0.01 * rng.NextGaussian()).ToArray();

        Assert.Equal(1, Correlation.Pearson(x, x)!.Value, 12);
        Assert.Equal(-1, Correlation.Pearson(x, [.. x.Select(v => -v)])!.Value, 12);
        Assert.Equal(1, Correlation.Pearson(x, [.. x.Select(v => 0.002 + (3 * v))])!.Value, 12);
    }

    [Fact]
    public void Matches_a_hand_computed_value()
    {
        // Deviations (−2, −1, 0, 1, 2) and (−1, −2, 1, 0, 2): Σdxdy = 8, Σdx² = Σdy² = 10.
        Assert.Equal(0.8, Correlation.Pearson([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])!.Value, 12);
    }

    [Fact]
    public void Independent_samples_correlate_near_zero()
    {
        var rng = new Rng(11);
        var x = Enumerable.Range(0, 20_000).Select(_ => rng.NextGaussian()).ToArray();
        var y = Enumerable.Range(0, 20_000).Select(_ => rng.NextGaussian()).ToArray();

        Assert.InRange(Correlation.Pearson(x, y)!.Value, -0.03, 0.03);
    }

    [Fact]
    public void Is_undefined_for_a_constant_sample_even_with_rounding_noise()
    {
        double[] moving = [0.01, -0.02, 0.005, 0.03];

        Assert.Null(Correlation.Pearson([0, 0, 0, 0], moving));
        Assert.Null(Correlation.Pearson(moving, [0, 0, 0, 0]));
        Assert.Null(Correlation.Pearson([1e-4, 1e-4 + 1e-17, 1e-4, 1e-4 - 1e-17], moving));
    }

    [Fact]
    public void Is_undefined_with_fewer_than_two_pairs_or_a_value_that_is_not_finite()
    {
        Assert.Null(Correlation.Pearson([], []));
        Assert.Null(Correlation.Pearson([0.1], [0.2]));
        Assert.Null(Correlation.Pearson([0.1, double.NaN, 0.3], [0.2, 0.1, 0.4]));
        Assert.Null(Correlation.Pearson([0.1, 0.2, 0.3], [0.2, double.PositiveInfinity, 0.4]));
    }

    [Fact]
    public void Unpaired_samples_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Correlation.Pearson([1, 2, 3], [1, 2]));
    }
}
