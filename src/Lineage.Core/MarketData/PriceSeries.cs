using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Lineage.Core.MarketData;

/// <summary>
/// A validated, chronologically ordered price series. <see cref="Open"/> is null for close-only data;
/// then an order decided at bar t fills at the next bar's close instead of its open. <see cref="Volume"/> is null when
/// the source has no volume column. <see cref="Truth"/> is set on synthetic markets only: the generator's state per bar, for
/// the oracle baseline; no feature reads it.
/// </summary>
public sealed class PriceSeries
{
    private const double DaysPerYear = 365.2425;

    /// <param name="barsPerYear">Known annualisation factor (e.g. inherited by a slice); estimated from the timestamps when null.</param>
    /// <param name="totalReturn">The prices are adjusted for dividends and splits (an adjusted close): holding them earns the total return.</param>
    /// <param name="volume">Traded volume per bar (non-negative, finite), or null when the source has none.</param>
    /// <param name="truth">A synthetic generator's state per bar (<see cref="SyntheticTruth"/>), or null.</param>
    public PriceSeries(string name, DateTimeOffset[] times, double[]? open, double[] close, double? barsPerYear = null, bool totalReturn = false, double[]? volume = null, SyntheticTruth? truth = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(close);
        if (times.Length == 0)
        {
            throw new ArgumentException($"Price series '{name}' has no bars.", nameof(times));
        }

        if (close.Length != times.Length || (open is not null && open.Length != times.Length))
        {
            throw new ArgumentException(
                $"Price series '{name}': Times ({times.Length}), Close ({close.Length}) and Open ({open?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"}) must have the same length.",
                nameof(close));
        }

        if (volume is not null && volume.Length != times.Length)
        {
            throw new ArgumentException(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Price series '{name}': Volume ({volume.Length}) must have as many bars as Times ({times.Length})."),
                nameof(volume));
        }

        if (truth is not null && (truth.Drift.Length != times.Length || !truth.Drift.All(double.IsFinite) || !(truth.Band >= 0 && double.IsFinite(truth.Band))))
        {
            throw new ArgumentException(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Price series '{name}': Truth needs one finite drift per bar ({truth.Drift.Length} for {times.Length} bars) and a finite band ≥ 0 ({truth.Band})."),
                nameof(truth));
        }

        for (var i = 0; i < times.Length; i++)
        {
            if (i > 0 && times[i] <= times[i - 1])
            {
                throw new ArgumentException($"Price series '{name}': Times[{i}] = {times[i]:O} is not after Times[{i - 1}] = {times[i - 1]:O}.", nameof(times));
            }

            CheckPrice(name, "Close", i, close[i]);
            if (open is not null)
            {
                CheckPrice(name, "Open", i, open[i]);
            }

            if (volume is not null && (!double.IsFinite(volume[i]) || volume[i] < 0))
            {
                throw new ArgumentException($"Price series '{name}': Volume[{i}] = {volume[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)} must be non-negative and finite.", nameof(volume));
            }
        }

        if (barsPerYear is { } bpy && (!double.IsFinite(bpy) || bpy <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(barsPerYear), bpy, $"Price series '{name}': BarsPerYear must be positive and finite.");
        }

        Name = name;
        Times = times;
        Open = open;
        Close = close;
        BarsPerYear = barsPerYear ?? EstimateBarsPerYear(times);
        TotalReturn = totalReturn;
        Volume = volume;
        Truth = truth;
    }

    /// <summary>
    /// True when the prices are adjusted (the file had an adjusted close): buy-and-hold earns dividends reinvested. False: the
    /// price return only, which understates holding a dividend payer. Reports say which applies.
    /// </summary>
    public bool TotalReturn { get; }

    /// <summary>What the prices measure, for reports.</summary>
    public string PriceBasis => TotalReturn ? "adjusted close (total return, dividends reinvested)" : "close (price return, dividends excluded)";

    public string Name { get; }

    public DateTimeOffset[] Times { get; }

    public double[]? Open { get; }

    public double[] Close { get; }

    /// <summary>Volume per bar, or null when the source had no volume column (synthetic markets, close-only files).</summary>
    public double[]? Volume { get; }

    /// <summary>The synthetic generator's state per bar (what the oracle baseline knows); null for files.</summary>
    public SyntheticTruth? Truth { get; }

    public int Count => Close.Length;

    /// <summary>Bars per calendar year, used to annualise Sharpe and Sortino (≈252 for daily stocks, ≈6200 for hourly FX).</summary>
    public double BarsPerYear { get; }

    /// <summary>The price an order decided at the close of <paramref name="bar"/> − 1 fills at.</summary>
    public double FillPrice(int bar) => Open is null ? Close[bar] : Open[bar];

    /// <summary>A copy of bars [start, start + count) (and of their <see cref="Truth"/>); it keeps this series' <see cref="BarsPerYear"/>.</summary>
    public PriceSeries Slice(int start, int count)
    {
        if (start < 0 || count < 1 || start > Count - count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice(start: {start}, count: {count}) is outside series '{Name}' of {Count} bars.");
        }

        return new PriceSeries(
            Name,
            Times.AsSpan(start, count).ToArray(),
            Open?.AsSpan(start, count).ToArray(),
            Close.AsSpan(start, count).ToArray(),
            BarsPerYear,
            TotalReturn,
            Volume?.AsSpan(start, count).ToArray(),
            Truth is null ? null : Truth with { Drift = Truth.Drift.AsSpan(start, count).ToArray() });
    }

    /// <summary>
    /// SHA-256 (lowercase hex) of the bars: timestamps, opens (if any) and closes. The name is not part of it, nor is the
    /// volume, so fingerprints recorded before volume was kept still match, nor the synthetic <see cref="Truth"/> (the
    /// generator's, determined by it and its seed).
    /// </summary>
    public string Fingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> buffer = stackalloc byte[8];
        hash.AppendData(Encoding.ASCII.GetBytes(Open is null ? "close-only\n" : "open-close\n"));
        for (var i = 0; i < Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(buffer, Times[i].UtcTicks);
            hash.AppendData(buffer);
            if (Open is not null)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(buffer, Open[i]);
                hash.AppendData(buffer);
            }

            BinaryPrimitives.WriteDoubleLittleEndian(buffer, Close[i]);
            hash.AppendData(buffer);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// Observed bars per calendar year over the series' span, so market closures (weekends, holidays) count.
    /// A span under 90 days is too short for that; then it falls back to one bar per median spacing over a
    /// year, scaled by 5/7 when no bar falls on a weekend (stocks, FX; crypto trades every day).
    /// </summary>
    internal static double EstimateBarsPerYear(DateTimeOffset[] times)
    {
        if (times.Length < 2)
        {
            return 252;
        }

        var spanDays = (times[^1] - times[0]).TotalDays;
        if (spanDays >= 90)
        {
            return (times.Length - 1) / (spanDays / DaysPerYear);
        }

        var gaps = new double[times.Length - 1];
        for (var i = 1; i < times.Length; i++)
        {
            gaps[i - 1] = (times[i] - times[i - 1]).TotalDays;
        }

        Array.Sort(gaps);
        var median = gaps.Length % 2 == 1 ? gaps[gaps.Length / 2] : 0.5 * (gaps[(gaps.Length / 2) - 1] + gaps[gaps.Length / 2]);
        var perYear = DaysPerYear / median;
        var weekdaysOnly = times.All(t => t.UtcDateTime.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday));
        return weekdaysOnly ? perYear * 5 / 7 : perYear;
    }

    private static void CheckPrice(string name, string field, int index, double value)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new ArgumentException($"Price series '{name}': {field}[{index}] = {value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} must be positive and finite.", field);
        }
    }
}
