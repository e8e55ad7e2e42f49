using Lineage.Core.MarketData;

namespace Lineage.Core.Tests.MarketData;

public class BundledDataTests
{
    [Fact]
    public void Names_lists_the_bundled_series()
    {
        Assert.Equal(["spy", "googl", "eurusd", "aapl", "msft", "c", "brent", "natgas", "usdjpy", "gbpusd", "usdcad", "usdchf"], BundledData.Names);
    }

    [Theory]
    [InlineData("spy", 5241)]
    [InlineData("googl", 2335)]
    [InlineData("eurusd", 6225)]
    public void Each_bundled_series_loads_every_row_with_opens(string name, int rows)
    {
        var s = BundledData.Load(name);

        Assert.Equal(name, s.Name);
        Assert.Equal(rows, s.Count);
        Assert.NotNull(s.Open);
    }

    [Theory]
    [InlineData("aapl", 2517)]
    [InlineData("msft", 2517)]
    [InlineData("c", 2517)]
    [InlineData("brent", 2536)]
    [InlineData("natgas", 2510)]
    [InlineData("usdjpy", 2489)]
    [InlineData("gbpusd", 2489)]
    [InlineData("usdcad", 2489)]
    [InlineData("usdchf", 2489)]
    public void Each_close_only_bundled_series_loads_every_row(string name, int rows)
    {
        var s = BundledData.Load(name);

        Assert.Equal(name, s.Name);
        Assert.Equal(rows, s.Count);
        Assert.Null(s.Open);
    }

    [Fact]
    public void Names_are_case_insensitive()
    {
        Assert.Equal(BundledData.Load("spy").Fingerprint(), BundledData.Load("SPY").Fingerprint());
    }

    [Fact]
    public void Unknown_name_lists_the_valid_names()
    {
        var e = Assert.Throws<ArgumentException>(() => BundledData.Load("btc"));

        Assert.Contains("btc", e.Message, StringComparison.Ordinal);
        Assert.Contains("spy, googl, eurusd", e.Message, StringComparison.Ordinal);
    }
}
