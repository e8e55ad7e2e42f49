namespace Lineage.Core.MarketData;

/// <summary>
/// Resolves the one string a request or command line names a market by: a bundled set ("spy", "googl",
/// "eurusd"), a synthetic kind ("trend", "meanrev", "randomwalk", generated from the seed), or a CSV path.
/// </summary>
public static class MarketDataSources
{
    public const int DefaultSyntheticBars = 5000;

    public const int MinCsvRows = 100;

    public static PriceSeries Load(string source, ulong seed, int syntheticBars = DefaultSyntheticBars)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        if (BundledData.Contains(source))
        {
            return BundledData.Load(source);
        }

        if (SyntheticMarkets.IsKind(source))
        {
            return SyntheticMarkets.Generate(source, syntheticBars, seed);
        }

        if (source.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            return CsvPriceLoader.Load(source, MinCsvRows);
        }

        throw new ArgumentException(
            $"Unknown market '{source}': expected a bundled set ({string.Join(", ", BundledData.Names)}), a synthetic kind ({string.Join(", ", SyntheticMarkets.Kinds)}) or a path ending in .csv.",
            nameof(source));
    }
}
