using System.Globalization;
using Lineage.Core.Statistics;

namespace Lineage.Cli;

/// <summary>One wording for the paired block bootstrap's excess figures, used by the summary, the report and <c>evaluate</c>.</summary>
internal static class Uncertainty
{
    /// <summary>E.g. "excess return vs b&amp;h +66.1 % [95 % CI +12.0 %, +120.4 %], excess Sharpe +0.42 [95 % CI −0.31, +1.20]".</summary>
    public static string Excess(string baseline, BootstrapInterval excessReturn, BootstrapInterval excessSharpe, double confidence)
    {
        var level = (confidence * 100).ToString("0.#", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture,
            $"excess return vs {baseline} {Percent(excessReturn.Point)} [{level} % CI {Percent(excessReturn.Lower)}, {Percent(excessReturn.Upper)}], " +
            $"excess Sharpe {Signed(excessSharpe.Point)} [{level} % CI {Signed(excessSharpe.Lower)}, {Signed(excessSharpe.Upper)}]");
    }

    /// <summary>E.g. "(paired stationary block bootstrap, 287 bars, 10,000 draws, b=3.4)".</summary>
    public static string Method(int bars, int draws, double blockLength) => string.Create(CultureInfo.InvariantCulture,
        $"(paired stationary block bootstrap, {bars} bars, {draws:N0} draws, b={blockLength:F1})");

    private static string Percent(double x) => string.Create(CultureInfo.InvariantCulture, $"{(x >= 0 ? "+" : "")}{x * 100:F1} %");

    private static string Signed(double x) => string.Create(CultureInfo.InvariantCulture, $"{(x >= 0 ? "+" : "")}{x:F2}");
}
