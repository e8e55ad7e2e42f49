namespace Lineage.Core.MarketData;

/// <summary>The real price files shipped inside Lineage.Core (see data/README.md for sources and licences).</summary>
public static class BundledData
{
    private static readonly Dictionary<string, string> Files = new(StringComparer.OrdinalIgnoreCase)
    {
        ["spy"] = "spy_daily.csv",
        ["googl"] = "googl_daily.csv",
        ["eurusd"] = "eurusd_hourly.csv",
        ["aapl"] = "aapl_daily.csv",
        ["msft"] = "msft_daily.csv",
        ["c"] = "c_daily.csv",
        ["brent"] = "brent_daily.csv",
        ["natgas"] = "natgas_daily.csv",
        ["usdjpy"] = "usdjpy_daily.csv",
        ["gbpusd"] = "gbpusd_daily.csv",
        ["usdcad"] = "usdcad_daily.csv",
        ["usdchf"] = "usdchf_daily.csv",
    };

    /// <summary>"spy", "googl" (daily), "eurusd" (hourly); daily "aapl", "msft", "c" (equities), "brent", "natgas" (energy spot), "usdjpy", "gbpusd", "usdcad", "usdchf" (FX).</summary>
    public static IReadOnlyList<string> Names { get; } = ["spy", "googl", "eurusd", "aapl", "msft", "c", "brent", "natgas", "usdjpy", "gbpusd", "usdcad", "usdchf"];

    /// <summary>The daily series of <see cref="Names"/> (all but the hourly eurusd).</summary>
    public static IReadOnlyList<string> DailyNames { get; } = [.. Names.Where(n => n != "eurusd")];

    /// <summary>A bundled series' asset class: "equity" (spy, googl, aapl, msft, c), "energy" (brent, natgas) or "fx" (the rest).</summary>
    public static string AssetClass(string name) => name.ToLowerInvariant() switch
    {
        "spy" or "googl" or "aapl" or "msft" or "c" => "equity",
        "brent" or "natgas" => "energy",
        "eurusd" or "usdjpy" or "gbpusd" or "usdcad" or "usdchf" => "fx",
        _ => throw new ArgumentException($"Unknown bundled data set '{name}'; expected one of: {string.Join(", ", Names)}.", nameof(name)),
    };

    public static bool Contains(string name) => Files.ContainsKey(name);

    public static PriceSeries Load(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Files.TryGetValue(name, out var file))
        {
            throw new ArgumentException($"Unknown bundled data set '{name}'; expected one of: {string.Join(", ", Names)}.", nameof(name));
        }

        var resource = "Lineage.Core.Data." + file;
        using var stream = typeof(BundledData).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded resource '{resource}' is missing from {typeof(BundledData).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return CsvPriceLoader.Parse(reader, file, minRows: 100, seriesName: name.ToLowerInvariant());
    }
}
