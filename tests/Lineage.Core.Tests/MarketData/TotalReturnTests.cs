using Lineage.Core.Episodes;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Tests.Episodes;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.MarketData;

/// <summary>The passive alternative, fairly priced: total returns where the file has them, and interest on cash.</summary>
public class TotalReturnTests
{
    [Fact]
    public void An_adjusted_close_column_puts_the_series_on_the_total_return_basis()
    {
        const string csv = "Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,10,11,9,10,5,100\n2024-01-03,12,13,11,12,6.3,100\n2024-01-04,12,13,11,13,7.15,100\n";
        var series = CsvPriceLoader.Parse(new StringReader(csv), "adjusted.csv", 3);

        Assert.True(series.TotalReturn);
        Assert.Equal([5, 6.3, 7.15], series.Close);
        Assert.Equal(10 * (5 / 10.0), series.Open![0]);
        Assert.Equal(12 * (6.3 / 12.0), series.Open[1]);
        Assert.StartsWith("adjusted close", series.PriceBasis, StringComparison.Ordinal);
        Assert.True(series.Slice(1, 2).TotalReturn);
    }

    [Fact]
    public void Without_an_adjusted_close_the_series_is_the_price_return_and_says_so()
    {
        var series = CsvPriceLoader.Parse(new StringReader("Date,Open,Close\n2024-01-02,10,10\n2024-01-03,12,12\n"), "plain.csv", 2);
        Assert.False(series.TotalReturn);
        Assert.Equal([10, 12], series.Open!);
        Assert.Contains("dividends excluded", series.PriceBasis, StringComparison.Ordinal);
    }

    [Fact]
    public void Cash_earns_the_configured_rate_compounded_per_bar()
    {
        var series = SyntheticMarkets.Generate(SyntheticMarkets.RandomWalk, 600, 3);
        var env = EnvironmentFactory.Create(series, ArenaOptions.Classic with { CashRate = 0.05 });
        var flat = EpisodeRunner.Run(env, env.FirstStartIndex, int.MaxValue, FixedPolicy.Flat(env.StateSize), 0, new Rng(1), null);

        var years = flat.Steps / series.BarsPerYear;
        Assert.Equal(Math.Pow(1.05, years) - 1, flat.Metrics.Roi, 9);
        var none = EnvironmentFactory.Create(series);
        Assert.Equal(0, EpisodeRunner.Run(none, none.FirstStartIndex, int.MaxValue, FixedPolicy.Flat(none.StateSize), 0, new Rng(1), null).Metrics.Roi);
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(0.6)]
    [InlineData(double.NaN)]
    public void A_cash_rate_outside_0_to_50_percent_is_refused(double rate) =>
        Assert.Contains((ArenaOptions.Classic with { CashRate = rate }).Validate(), e => e.Contains("CashRate", StringComparison.Ordinal));
}
