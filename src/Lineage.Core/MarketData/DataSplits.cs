using System.Globalization;

namespace Lineage.Core.MarketData;

/// <summary>Consecutive, non-overlapping parts of one series: train, then validation, then test.</summary>
public sealed record DataSplit(PriceSeries Train, PriceSeries Validation, PriceSeries Test);

public static class DataSplits
{
    /// <summary>
    /// Splits by time: the first ⌊n·train⌋ bars, the next ⌊n·validation⌋, the rest. Every part needs at least
    /// one bar; the test part gets the rounding remainder.
    /// </summary>
    public static DataSplit Chronological(PriceSeries series, double trainFraction = 0.7, double validationFraction = 0.15)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (!(trainFraction > 0 && trainFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(trainFraction), trainFraction, "trainFraction must be in (0, 1).");
        }

        if (!(validationFraction > 0 && trainFraction + validationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, string.Create(CultureInfo.InvariantCulture, $"validationFraction must be > 0 and trainFraction + validationFraction ({trainFraction + validationFraction}) < 1."));
        }

        var n = series.Count;
        var train = (int)Math.Floor(n * trainFraction);
        var validation = (int)Math.Floor(n * validationFraction);
        var test = n - train - validation;
        if (train < 1 || validation < 1 || test < 1)
        {
            throw new ArgumentException($"Series '{series.Name}' has {n} bars: too few to split into train {train}, validation {validation}, test {test}.", nameof(series));
        }

        return new DataSplit(series.Slice(0, train), series.Slice(train, validation), series.Slice(train + validation, test));
    }
}
