using System.Text.Json.Serialization;

namespace Lineage.Core.Trading;

/// <summary>
/// How one agent did on one episode. Sharpe and Sortino use per-bar simple returns of equity, annualised with
/// √(bars per year) of the series, risk-free rate 0; they are 0 when undefined (no variance, no downside).
/// <see cref="HitFloorAt"/> is the series bar at whose close equity first reached the bankruptcy floor, or null.
/// <see cref="TimeLong"/> and <see cref="TimeShort"/> are the fractions of the episode's bars the position was held long and
/// short (after the bar's fill: the position the bar's return comes from), <see cref="MeanAbsExposure"/> the mean over bars of
/// |position value / equity| at the bar's close (<see cref="ExposureStatistics"/>); null in results written before they
/// were measured, or for an episode of no steps.
/// </summary>
public sealed record AgentMetrics(
    double FinalCapital,
    double Roi,
    double MaxDrawdown,
    double WinRate,
    int Trades,
    int Scars,
    double Sharpe,
    double Sortino,
    bool Bankrupt,
    int? HitFloorAt = null,
    double? TimeLong = null,
    double? TimeShort = null,
    double? MeanAbsExposure = null)
{
    /// <summary>Time in market: the fraction of bars long or short (null when not measured).</summary>
    [JsonIgnore]
    public double? TimeInMarket => TimeLong + TimeShort;

    public static AgentMetrics From(Arena arena, in ReturnStatistics returns, double barsPerYear, int? hitFloorAt = null, ExposureStatistics? exposure = null)
    {
        ArgumentNullException.ThrowIfNull(arena);
        var held = exposure is { Bars: > 0 } e ? e : (ExposureStatistics?)null;
        return new AgentMetrics(
            arena.Equity,
            arena.Roi,
            arena.MaxDrawdown,
            arena.WinRate,
            arena.Trades,
            arena.Scars,
            returns.Sharpe(barsPerYear),
            returns.Sortino(barsPerYear),
            arena.Bankrupt,
            hitFloorAt,
            held?.TimeLong,
            held?.TimeShort,
            held?.MeanAbsExposure);
    }
}

/// <summary>Running moments of per-bar returns, so metrics need no stored curve and the step loop allocates nothing.</summary>
public struct ReturnStatistics
{
    public int Count { get; private set; }

    public double Sum { get; private set; }

    public double SumOfSquares { get; private set; }

    public double DownsideSumOfSquares { get; private set; }

    public readonly double Mean => Count == 0 ? 0 : Sum / Count;

    public void Add(double r)
    {
        Count++;
        Sum += r;
        SumOfSquares += r * r;
        if (r < 0)
        {
            DownsideSumOfSquares += r * r;
        }
    }

    /// <summary>Sample standard deviation (n − 1).</summary>
    public readonly double StdDev() => StdDev(Sum, SumOfSquares, Count);

    public readonly double Sharpe(double barsPerYear) => Sharpe(Sum, SumOfSquares, Count, Math.Sqrt(barsPerYear));

    /// <summary>Annualised Sharpe from raw moments, for loops that keep their own sums (the bootstrap's resampled paths).</summary>
    public static double Sharpe(double sum, double sumOfSquares, int count, double sqrtBarsPerYear)
    {
        var sd = StdDev(sum, sumOfSquares, count);
        return sd > 1e-15 ? sum / count / sd * sqrtBarsPerYear : 0;
    }

    private static double StdDev(double sum, double sumOfSquares, int count)
    {
        if (count < 2)
        {
            return 0;
        }

        var variance = (sumOfSquares - (sum * sum / count)) / (count - 1);
        return Math.Sqrt(Math.Max(0, variance));
    }

    /// <summary>Mean over downside deviation √(Σ min(r,0)² / n).</summary>
    public readonly double Sortino(double barsPerYear)
    {
        if (Count == 0)
        {
            return 0;
        }

        var downside = Math.Sqrt(DownsideSumOfSquares / Count);
        return downside > 1e-15 ? Mean / downside * Math.Sqrt(barsPerYear) : 0;
    }
}
