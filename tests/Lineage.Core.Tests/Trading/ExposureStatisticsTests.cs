using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Trading;

public class ExposureStatisticsTests
{
    [Fact]
    public void A_known_sequence_of_sides_gives_the_exact_fractions()
    {
        // 8 bars: long, long, short, flat, long, short, short, flat.
        (int Position, double Exposure)[] bars = [(1, 1), (1, 0.5), (-1, -1), (0, 0), (1, 0.25), (-1, -0.5), (-1, -1.25), (0, 0)];
        var stats = default(ExposureStatistics);
        foreach (var (position, exposure) in bars)
        {
            stats.Add(position, exposure);
        }

        Assert.Equal(8, stats.Bars);
        Assert.Equal(3.0 / 8, stats.TimeLong);
        Assert.Equal(3.0 / 8, stats.TimeShort);
        Assert.Equal(6.0 / 8, stats.TimeInMarket);
        Assert.Equal(4.5 / 8, stats.MeanAbsExposure, 12);
    }

    [Fact]
    public void No_bars_is_zero_everywhere_not_nan()
    {
        var stats = default(ExposureStatistics);

        Assert.Equal((0.0, 0.0, 0.0, 0.0), (stats.TimeLong, stats.TimeShort, stats.TimeInMarket, stats.MeanAbsExposure));
    }
}
