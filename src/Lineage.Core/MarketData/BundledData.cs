namespace Lineage.Core.MarketData;

/// <summary>The real price files shipped inside Lineage.Core (see data/README.md for sources and licences).</summary>
public static class BundledData
{
    private static readonly Dictionary<string, string> Files = new(StringComparer.OrdinalIgnoreCase)
    {
        ["spy"] = "spy_daily.csv",
        ["googl"] = "googl_daily.csv",
        ["eurusd"] = "eurusd_hourly.csv",
    };

    /// <summary>"spy" (daily), "googl" (daily), "eurusd" (hourly).</summary>
    public static IReadOnlyList<string> Names { get; } = ["spy", "googl", "eurusd"];

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
