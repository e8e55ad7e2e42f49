using System.Globalization;

namespace Lineage.Core.MarketData;

/// <summary>
/// A model's fixed split dates: train is every bar before <see cref="ValidationFrom"/>, validation up to
/// <see cref="TestFrom"/>, the runs' test (report) window up to <see cref="PromotionFrom"/>, and the promotion window
/// every bar from <see cref="PromotionFrom"/> on — bars only the champion gate plays.
/// </summary>
public sealed record SplitDates(DateTimeOffset ValidationFrom, DateTimeOffset TestFrom, DateTimeOffset PromotionFrom)
{
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture, $"validation from {ValidationFrom:yyyy-MM-dd}, test from {TestFrom:yyyy-MM-dd}, promotion from {PromotionFrom:yyyy-MM-dd}");
}

/// <summary>A series cut by <see cref="SplitDates"/>: four consecutive, non-overlapping parts.</summary>
public sealed record PromotionSplit(PriceSeries Train, PriceSeries Validation, PriceSeries Test, PriceSeries Promotion);

/// <summary>How large a model's promotion window is: the newest max(<see cref="MinBars"/>, <see cref="Fraction"/> of the data) bars.</summary>
public sealed record PromotionWindowSize(int MinBars = 252, double Fraction = 0.15)
{
    /// <summary>The bars the promotion window needs out of <paramref name="bars"/>.</summary>
    public int RequiredBars(int bars) => Math.Max(MinBars, (int)Math.Ceiling(bars * Fraction));
}

/// <summary>
/// Fixes a model's split dates once (<see cref="Fix"/>) and cuts any later version of its data by them
/// (<see cref="Apply"/>), so a bar that was test or promotion data never becomes training data unnoticed; new bars
/// land in the promotion window, which <see cref="ShouldRoll"/> says has grown enough to fix the next dates.
/// </summary>
public static class PromotionWindows
{
    /// <summary>
    /// The promotion window is the newest <see cref="PromotionWindowSize.RequiredBars"/> of <paramref name="series"/>; the bars
    /// before it are split chronologically by <paramref name="trainFraction"/> and <paramref name="validationFraction"/>.
    /// </summary>
    public static SplitDates Fix(PriceSeries series, PromotionWindowSize size, double trainFraction, double validationFraction)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(size);
        var promotion = size.RequiredBars(series.Count);
        var before = series.Count - promotion;
        if (before < 3)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Series '{series.Name}' has {series.Count} bars: too few to keep a promotion window of {promotion} bars (max({size.MinBars}, {size.Fraction:P0})) and train, validate and test before it."),
                nameof(series));
        }

        var splits = DataSplits.Chronological(series.Slice(0, before), trainFraction, validationFraction);
        return new SplitDates(splits.Validation.Times[0], splits.Test.Times[0], series.Times[before]);
    }

    /// <summary>Cuts <paramref name="series"/> at the dates; every part must hold at least one bar.</summary>
    public static PromotionSplit Apply(PriceSeries series, SplitDates dates)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(dates);
        if (!(dates.ValidationFrom < dates.TestFrom && dates.TestFrom < dates.PromotionFrom))
        {
            throw new ArgumentException($"Split dates out of order: {dates}.", nameof(dates));
        }

        var validation = FirstAtOrAfter(series, dates.ValidationFrom);
        var test = FirstAtOrAfter(series, dates.TestFrom);
        var promotion = FirstAtOrAfter(series, dates.PromotionFrom);
        if (validation < 1 || test <= validation || promotion <= test || promotion >= series.Count)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Series '{series.Name}' ({series.Count} bars, {series.Times[0]:yyyy-MM-dd} to {series.Times[^1]:yyyy-MM-dd}) has an empty part under the model's split dates ({dates}): train {validation}, validation {test - validation}, test {promotion - test}, promotion {series.Count - promotion} bars."),
                nameof(series));
        }

        return new PromotionSplit(
            series.Slice(0, validation),
            series.Slice(validation, test - validation),
            series.Slice(test, promotion - test),
            series.Slice(promotion, series.Count - promotion));
    }

    /// <summary>
    /// Whether the promotion window under <paramref name="dates"/> has grown to <paramref name="rollFactor"/> × the window
    /// <paramref name="size"/> asks for now: then the next dates may be fixed (the old window's bars become earlier splits).
    /// </summary>
    public static bool ShouldRoll(PriceSeries series, SplitDates dates, PromotionWindowSize size, double rollFactor)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(dates);
        ArgumentNullException.ThrowIfNull(size);
        var held = series.Count - FirstAtOrAfter(series, dates.PromotionFrom);
        return held >= rollFactor * size.RequiredBars(series.Count);
    }

    private static int FirstAtOrAfter(PriceSeries series, DateTimeOffset time)
    {
        var index = Array.BinarySearch(series.Times, time);
        return index >= 0 ? index : ~index;
    }
}
