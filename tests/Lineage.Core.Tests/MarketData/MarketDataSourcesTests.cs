using Lineage.Core.MarketData;

namespace Lineage.Core.Tests.MarketData;

public class MarketDataSourcesTests
{
    [Fact]
    public void Bundled_name_loads_the_bundled_series()
    {
        Assert.Equal(BundledData.Load("googl").Fingerprint(), MarketDataSources.Load("googl", 1).Fingerprint());
    }

    [Fact]
    public void Synthetic_kind_is_generated_from_the_seed()
    {
        var s = MarketDataSources.Load("meanrev", 7, syntheticBars: 300);

        Assert.Equal(SyntheticMarkets.Generate("meanrev", 300, 7).Fingerprint(), s.Fingerprint());
    }

    [Fact]
    public void Unknown_source_lists_what_is_accepted()
    {
        var e = Assert.Throws<ArgumentException>(() => MarketDataSources.Load("nasdaq", 1));

        Assert.Contains("nasdaq", e.Message, StringComparison.Ordinal);
        Assert.Contains("trend, meanrev, randomwalk", e.Message, StringComparison.Ordinal);
        Assert.Contains(".csv", e.Message, StringComparison.Ordinal);
    }
}
