using Lineage.Core.Statistics;

namespace Lineage.Core.Tests.Statistics;

public class SeedUncertaintyTests
{
    // Three market paths × two agent seeds; path means 0.15, 0.40, −0.05.
    private static readonly SeedFigure[] ThreePaths =
    [
        new(1, 1, 0.10), new(1, 2, 0.20),
        new(2, 1, 0.30), new(2, 2, 0.50),
        new(3, 1, -0.10), new(3, 2, 0.00),
    ];

    [Fact]
    public void Clustered_interval_is_the_t_interval_of_the_market_path_means()
    {
        var u = SeedUncertainty.Of(ThreePaths);

        Assert.True(u.ClusteredByMarket);
        Assert.Equal(3, u.MarketPaths);
        Assert.Equal([0.15, 0.40, -0.05], u.PathMeans.Select(m => Math.Round(m, 12)));
        Assert.Equal(MeanInterval.Of([0.15, 0.40, -0.05]), u.Headline, Close);
        // By hand: mean 1/6, sd √(0.101667 / 2) = 0.225462, t(0.975, 2) = 4.302653, half-width 4.302653 · 0.225462 / √3 = 0.560079.
        Assert.Equal(3, u.Headline.Count);
        Assert.Equal(1.0 / 6, u.Headline.Mean, 9);
        Assert.Equal(0.225462, u.Headline.StdDev, 5);
        Assert.Equal(1.0 / 6 - 0.560079, u.Headline.Low, 5);
        Assert.Equal(1.0 / 6 + 0.560079, u.Headline.High, 5);
    }

    [Fact]
    public void Clustered_interval_is_not_the_interval_over_all_runs()
    {
        var u = SeedUncertainty.Of(ThreePaths);
        var pooled = MeanInterval.Of([.. ThreePaths.Select(f => f.Value)]);

        // Runs on one path share its luck: 3 paths give 2 degrees of freedom, not 5.
        Assert.Equal(pooled.Mean, u.Headline.Mean, 12);
        Assert.True(u.Headline.HalfWidth > pooled.HalfWidth * 1.5, $"{u.Headline.HalfWidth} vs pooled {pooled.HalfWidth}");
    }

    [Fact]
    public void Training_noise_is_the_mean_within_path_sd_across_agent_seeds()
    {
        var u = SeedUncertainty.Of(ThreePaths);

        // Per path |a − b| / √2: 0.070711, 0.141421, 0.070711.
        Assert.Equal((0.1 + 0.2 + 0.1) / Math.Sqrt(2) / 3, u.TrainingNoiseSd, 12);
        Assert.Equal(2, u.MinAgentSeeds);
        Assert.Equal(2, u.MaxAgentSeeds);
    }

    [Theory]
    [InlineData(7UL)]
    [InlineData(null)] // a file dataset: its one path has no market seed
    public void One_market_path_falls_back_to_the_t_interval_over_agent_seeds(ulong? marketSeed)
    {
        double[] values = [0.05, 0.12, -0.02, 0.09];
        var u = SeedUncertainty.Of([.. values.Select((v, i) => new SeedFigure(marketSeed, (ulong)i + 1, v))]);

        Assert.False(u.ClusteredByMarket);
        Assert.Equal(1, u.MarketPaths);
        Assert.Equal(4, u.MinAgentSeeds);
        Assert.Equal(MeanInterval.Of(values), u.Headline, Close);
        Assert.Equal(MeanInterval.Of(values).StdDev, u.TrainingNoiseSd, 12);
    }

    [Fact]
    public void Paths_weigh_equally_whatever_their_number_of_agent_seeds()
    {
        var u = SeedUncertainty.Of([new(1, 1, 0.0), new(1, 2, 0.2), new(1, 3, 0.4), new(2, 1, 1.0)]);

        Assert.Equal(MeanInterval.Of([0.2, 1.0]), u.Headline, Close);
        Assert.Equal(1, u.MinAgentSeeds);
        Assert.Equal(3, u.MaxAgentSeeds);
        Assert.Equal(0.2, u.TrainingNoiseSd, 12); // only the path with two or more seeds has a spread
    }

    [Fact]
    public void One_agent_seed_per_path_has_no_training_noise_estimate()
    {
        var u = SeedUncertainty.Of([new(1, 1, 0.1), new(2, 1, 0.3)]);

        Assert.True(u.ClusteredByMarket);
        Assert.True(double.IsNaN(u.TrainingNoiseSd));
        Assert.Equal(MeanInterval.Of([0.1, 0.3]), u.Headline, Close);
    }

    [Fact]
    public void Mean_interval_uses_students_t_with_n_minus_1_degrees_of_freedom()
    {
        var m = MeanInterval.Of([1.0, 2.0, 3.0]);

        // sd 1, t(0.975, 2) = 4.302653: half-width 4.302653 / √3.
        Assert.Equal(2.0, m.Mean, 12);
        Assert.Equal(1.0, m.StdDev, 12);
        Assert.Equal(4.302653 / Math.Sqrt(3), m.HalfWidth, 5);
        Assert.Equal(12.706205, MeanInterval.Critical95(1), 5);
    }

    private static readonly IEqualityComparer<MeanInterval> Close = EqualityComparer<MeanInterval>.Create(
        (a, b) => a.Count == b.Count && Near(a.Mean, b.Mean) && Near(a.StdDev, b.StdDev) && Near(a.Low, b.Low) && Near(a.High, b.High),
        m => m.Count);

    private static bool Near(double a, double b) => a == b || Math.Abs(a - b) < 1e-12;
}
