using System.Globalization;

namespace Lineage.Cli;

/// <summary>
/// One wording for an agent's exposure and its correlation with buy-and-hold, used by the summary, the run report,
/// <c>evaluate</c> and the experiment report, so "copies buy-and-hold" reads the same everywhere.
/// </summary>
internal static class Exposure
{
    /// <summary>A fraction of bars as a percentage, "—" when not measured (results written before it was).</summary>
    public static string Percent(double? fraction) => fraction is { } f ? f.ToString("P1", CultureInfo.InvariantCulture) : "—";

    /// <summary>A correlation to two decimals, "—" when undefined (constant returns, e.g. a flat agent) or not measured.</summary>
    public static string Correlation(double? r) => r is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) : "—";

    /// <summary>
    /// E.g. "long 62.3 % / short 20.1 % of bars (in market 82.4 %), mean |exposure| 0.81; correlation of per-bar returns with
    /// b&amp;h 0.54 (same bars)"; null when the exposure was not measured.
    /// </summary>
    public static string? Describe(double? timeLong, double? timeShort, double? meanAbsExposure, double? correlation)
    {
        if (timeLong is not { } longFraction || timeShort is not { } shortFraction)
        {
            return null;
        }

        var r = correlation is { } c
            ? c.ToString("F2", CultureInfo.InvariantCulture)
            : "undefined (constant per-bar returns, e.g. an agent that stayed flat)";
        return string.Create(CultureInfo.InvariantCulture,
            $"long {Percent(longFraction)} / short {Percent(shortFraction)} of bars (in market {Percent(longFraction + shortFraction)}), mean |exposure| {meanAbsExposure:F2}; correlation of per-bar returns with b&h {r} (same bars)");
    }
}
