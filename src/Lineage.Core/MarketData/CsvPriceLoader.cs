using System.Globalization;

namespace Lineage.Core.MarketData;

/// <summary>
/// Loads <c>Date,Open,High,Low,Close,Volume</c> or <c>Date,Close</c> files (header names case-insensitive,
/// columns found by name, other columns ignored). Dates are ISO 8601 (UTC assumed when no offset is given)
/// or Unix timestamps in seconds (milliseconds when above 10^11). Every bad row fails with a
/// <see cref="PriceDataException"/>; nothing is skipped.
/// </summary>
public static class CsvPriceLoader
{
    private static readonly string[] DateHeaders = ["date", "datetime", "time", "timestamp"];

    public static PriceSeries Load(string path, int minRows)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new PriceDataException(path, 0, null, null, "file not found");
        }

        using var reader = new StreamReader(path);
        return Parse(reader, path, minRows, Path.GetFileNameWithoutExtension(path));
    }

    /// <param name="seriesName">Name of the resulting series; <paramref name="sourceName"/> when null.</param>
    public static PriceSeries Parse(TextReader reader, string sourceName, int minRows, string? seriesName = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minRows);

        var header = reader.ReadLine();
        if (header is null || header.Trim().Length == 0)
        {
            throw new PriceDataException(sourceName, header is null ? 0 : 1, null, null, "file is empty (expected a header such as Date,Open,High,Low,Close,Volume or Date,Close)");
        }

        var names = Split(header);
        var dateCol = FindColumn(names, DateHeaders);
        var closeCol = FindColumn(names, ["close"]);
        var openCol = FindColumn(names, ["open"]);
        var highCol = FindColumn(names, ["high"]);
        var lowCol = FindColumn(names, ["low"]);
        var volumeCol = FindColumn(names, ["volume"]);
        if (dateCol < 0)
        {
            throw new PriceDataException(sourceName, 1, "Date", header, "header has no Date column");
        }

        if (closeCol < 0)
        {
            throw new PriceDataException(sourceName, 1, "Close", header, "header has no Close column");
        }

        var times = new List<DateTimeOffset>();
        var opens = openCol >= 0 ? new List<double>() : null;
        var closes = new List<double>();
        var lineNumber = 1;
        var blankLine = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Trim().Length == 0)
            {
                blankLine = blankLine == 0 ? lineNumber : blankLine;
                continue;
            }

            if (blankLine != 0)
            {
                throw new PriceDataException(sourceName, blankLine, null, "", "blank line between data rows");
            }

            var fields = Split(line);
            if (fields.Length != names.Length)
            {
                throw new PriceDataException(sourceName, lineNumber, null, line, $"row has {fields.Length} fields, header has {names.Length}");
            }

            var time = ParseTime(sourceName, lineNumber, names[dateCol], fields[dateCol]);
            if (times.Count > 0)
            {
                var previous = times[^1];
                if (time == previous)
                {
                    throw new PriceDataException(sourceName, lineNumber, names[dateCol], fields[dateCol], "duplicate date");
                }

                if (time < previous)
                {
                    throw new PriceDataException(sourceName, lineNumber, names[dateCol], fields[dateCol], $"date is before the previous row's {previous:O} (rows must be in chronological order)");
                }
            }

            times.Add(time);
            closes.Add(ParsePrice(sourceName, lineNumber, names, fields, closeCol));
            opens?.Add(ParsePrice(sourceName, lineNumber, names, fields, openCol));
            if (highCol >= 0)
            {
                ParsePrice(sourceName, lineNumber, names, fields, highCol);
            }

            if (lowCol >= 0)
            {
                ParsePrice(sourceName, lineNumber, names, fields, lowCol);
            }

            if (volumeCol >= 0)
            {
                var volume = ParseNumber(sourceName, lineNumber, names, fields, volumeCol);
                if (volume < 0)
                {
                    throw new PriceDataException(sourceName, lineNumber, names[volumeCol], fields[volumeCol], "volume must not be negative");
                }
            }
        }

        if (times.Count < minRows)
        {
            throw new PriceDataException(sourceName, lineNumber, null, times.Count.ToString(CultureInfo.InvariantCulture), $"has {times.Count} data rows, at least {minRows} are required");
        }

        return new PriceSeries(seriesName ?? sourceName, [.. times], opens?.ToArray(), [.. closes]);
    }

    private static string[] Split(string line)
    {
        var fields = line.Split(',');
        for (var i = 0; i < fields.Length; i++)
        {
            var f = fields[i].Trim();
            if (f.Length >= 2 && f[0] == '"' && f[^1] == '"')
            {
                f = f[1..^1].Trim();
            }

            fields[i] = f;
        }

        return fields;
    }

    private static int FindColumn(string[] names, string[] accepted)
    {
        for (var i = 0; i < names.Length; i++)
        {
            foreach (var a in accepted)
            {
                if (string.Equals(names[i], a, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }
        }

        return -1;
    }

    private static DateTimeOffset ParseTime(string source, int line, string column, string text)
    {
        if (text.Length == 0)
        {
            throw new PriceDataException(source, line, column, text, "empty date");
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var unix))
        {
            // Digit-only values are Unix timestamps: a yyyyMMdd date would be ambiguous, so reject it clearly.
            if (unix is >= 19000101 and <= 21001231 && text.Length == 8)
            {
                throw new PriceDataException(source, line, column, text, "looks like yyyyMMdd; use ISO 8601 (yyyy-MM-dd) or a Unix timestamp");
            }

            return unix > 100_000_000_000L ? DateTimeOffset.FromUnixTimeMilliseconds(unix) : DateTimeOffset.FromUnixTimeSeconds(unix);
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        throw new PriceDataException(source, line, column, text, "unparsable date (expected ISO 8601 or a Unix timestamp)");
    }

    private static double ParseNumber(string source, int line, string[] names, string[] fields, int col)
    {
        var text = fields[col];
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new PriceDataException(source, line, names[col], text, "unparsable number");
        }

        if (!double.IsFinite(value))
        {
            throw new PriceDataException(source, line, names[col], text, "value is not finite");
        }

        return value;
    }

    private static double ParsePrice(string source, int line, string[] names, string[] fields, int col)
    {
        var value = ParseNumber(source, line, names, fields, col);
        if (value <= 0)
        {
            throw new PriceDataException(source, line, names[col], fields[col], "price must be positive");
        }

        return value;
    }
}
