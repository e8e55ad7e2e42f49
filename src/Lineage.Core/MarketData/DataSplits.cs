using System.Globalization;

namespace Lineage.Core.MarketData;

/// <summary>
/// Train, then validation, then test: consecutive, non-overlapping parts of one series. <see cref="Validation"/> and
/// <see cref="Test"/> may start with <see cref="ValidationHistory"/> / <see cref="TestHistory"/> bars of read-only
/// history, the bars just before them in the series: features and simple rules read those bars, nothing is scored on them
/// (an evaluation starts at the first bar after them). The scored parts never overlap.
/// </summary>
public sealed record DataSplit(PriceSeries Train, PriceSeries Validation, PriceSeries Test, int ValidationHistory = 0, int TestHistory = 0);

public static class DataSplits
{
    /// <summary>
    /// Bars of read-only history in front of every evaluated window (validation, test, the champion gate's promotion
    /// window), where the bars before it exist: at least every built-in feature's look-back (250) and every simple rule's
    /// warm-up (250), so every feature spec and rule acts from the window's first bar and all are scored on the same bars.
    /// </summary>
    public const int HistoryBars = 256;

    /// <summary>
    /// Splits by time: the first ⌊n·train⌋ bars, the next ⌊n·validation⌋, the rest. Every part needs at least
    /// one bar; the test part gets the rounding remainder. With <paramref name="historyBars"/> &gt; 0 the validation and test
    /// parts carry up to that many bars before them as read-only history (<see cref="WithHistory"/>); their scored bars are the same.
    /// </summary>
    public static DataSplit Chronological(PriceSeries series, double trainFraction = 0.7, double validationFraction = 0.15, int historyBars = 0)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfNegative(historyBars);
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

        return Cut(series, train, validation, test, historyBars);
    }

    /// <summary>
    /// Train = bars [0, <paramref name="validationStart"/>), validation the next <paramref name="validationBars"/>, test the
    /// next <paramref name="testBars"/>; validation and test with up to <paramref name="historyBars"/> bars of read-only history.
    /// </summary>
    public static DataSplit Cut(PriceSeries series, int validationStart, int validationBars, int testBars, int historyBars)
    {
        ArgumentNullException.ThrowIfNull(series);
        var (validation, validationHistory) = WithHistory(series, validationStart, validationBars, historyBars);
        var (test, testHistory) = WithHistory(series, validationStart + validationBars, testBars, historyBars);
        return new DataSplit(series.Slice(0, validationStart), validation, test, validationHistory, testHistory);
    }

    /// <summary>
    /// Bars [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of <paramref name="series"/> with the
    /// min(<paramref name="historyBars"/>, <paramref name="start"/>) bars before them in front: the window, and how many bars of
    /// read-only history it starts with.
    /// </summary>
    public static (PriceSeries Window, int History) WithHistory(PriceSeries series, int start, int count, int historyBars)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfNegative(historyBars);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        var history = Math.Min(historyBars, start);
        return (series.Slice(start - history, count + history), history);
    }
}
