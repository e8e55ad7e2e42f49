using System.Globalization;

namespace Lineage.Core.MarketData;

/// <summary>
/// Loads <c>Date,Open,High,Low,Close,Volume</c> or <c>Date,Close</c> files (header names case-insensitive,
/// columns found by name, other columns ignored; a Volume column is kept as <see cref="PriceSeries.Volume"/>). With an adjusted close column (<c>Adj Close</c>, <c>adj_close</c>,
/// <c>Adjusted Close</c>) the series is on the adjusted basis — closes are the adjusted closes and opens are scaled by the
/// same factor — so holding it earns the total return (<see cref="PriceSeries.TotalReturn"/>). Dates are ISO 8601 (UTC assumed when no offset is given)
/// or Unix timestamps in seconds (milliseconds when above 10^11). Every bad row fails with a
/// <see cref="PriceDataException"/>; nothing is skipped. Errors name the file, line, column and what was
/// expected; they quote a value only when it is a short cell of a CSV data row, never a header line or a line
/// that looks like JSON, so pointing the loader at a file that is not a price file does not echo its content.
/// </summary>
public static class CsvPriceLoader
{
    /// <summary>Largest price file accepted (64 MB): far above the bundled series, small enough to parse in memory.</summary>
    public const long MaxBytes = 64L * 1024 * 1024;

    /// <summary>Most data rows accepted: 2,000,000 bars (about 4 years of 1-minute FX bars).</summary>
    public const int MaxRows = 2_000_000;

    /// <summary>Longest cell an error message quotes.</summary>
    public const int MaxQuotedCell = 32;

    private const string ExpectedHeader = "a header line such as Date,Open,High,Low,Close,Volume or Date,Close";

    private static readonly string[] DateHeaders = ["date", "datetime", "time", "timestamp"];

    public static PriceSeries Load(string path, int minRows)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new PriceDataException(path, 0, null, null, "file not found");
        }

        var bytes = new FileInfo(path).Length;
        if (bytes > MaxBytes)
        {
            throw new PriceDataException(path, 0, null, null, TooLarge(bytes));
        }

        using var reader = new StreamReader(path);
        return Parse(reader, path, minRows, Path.GetFileNameWithoutExtension(path));
    }

    /// <summary>The problem text for a price file of <paramref name="bytes"/> bytes, above <see cref="MaxBytes"/>.</summary>
    public static string TooLarge(long bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"file has {bytes} bytes; the maximum is {MaxBytes} (64 MB)");

    /// <param name="seriesName">Name of the resulting series; <paramref name="sourceName"/> when null.</param>
    public static PriceSeries Parse(TextReader reader, string sourceName, int minRows, string? seriesName = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minRows);

        var header = reader.ReadLine();
        if (header is null || header.Trim().Length == 0)
        {
            throw new PriceDataException(sourceName, header is null ? 0 : 1, null, null, $"file is empty (expected {ExpectedHeader})");
        }

        var names = Split(header);
        var dateCol = FindColumn(names, DateHeaders);
        var closeCol = FindColumn(names, ["close"]);
        var openCol = FindColumn(names, ["open"]);
        var highCol = FindColumn(names, ["high"]);
        var lowCol = FindColumn(names, ["low"]);
        var volumeCol = FindColumn(names, ["volume"]);
        var adjustedCol = FindColumn(names, ["adj close", "adj_close", "adjclose", "adjusted close", "adjusted_close"]);
        if (dateCol < 0)
        {
            throw new PriceDataException(sourceName, 1, "Date", null, $"header has no Date column (expected {ExpectedHeader})");
        }

        if (closeCol < 0)
        {
            throw new PriceDataException(sourceName, 1, "Close", null, $"header has no Close column (expected {ExpectedHeader})");
        }

        var times = new List<DateTimeOffset>();
        var opens = openCol >= 0 ? new List<double>() : null;
        var closes = new List<double>();
        var volumes = volumeCol >= 0 ? new List<double>() : null;
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
                throw new PriceDataException(sourceName, blankLine, null, null, "blank line between data rows");
            }

            if (times.Count == MaxRows)
            {
                throw new PriceDataException(sourceName, lineNumber, null, null, $"has more than {MaxRows} data rows (the maximum is {MaxRows})");
            }

            var fields = Split(line);
            if (fields.Length != names.Length)
            {
                throw new PriceDataException(sourceName, lineNumber, null, null, $"row has {fields.Length} fields, header has {names.Length}");
            }

            var row = new Row(sourceName, lineNumber, LooksLikeCsv(line));
            var time = ParseTime(row, names[dateCol], fields[dateCol]);
            if (times.Count > 0)
            {
                var previous = times[^1];
                if (time == previous)
                {
                    throw row.Error(names[dateCol], fields[dateCol], "duplicate date");
                }

                if (time < previous)
                {
                    throw row.Error(names[dateCol], fields[dateCol], $"date is before the previous row's {previous:O} (rows must be in chronological order)");
                }
            }

            times.Add(time);
            var close = ParsePrice(row, names, fields, closeCol);
            // The adjusted basis: the day's adjustment factor (adjusted / close) applies to its open as to its close.
            var adjusted = adjustedCol >= 0 ? ParsePrice(row, names, fields, adjustedCol) : close;
            closes.Add(adjusted);
            opens?.Add(ParsePrice(row, names, fields, openCol) * (adjusted / close));
            if (highCol >= 0)
            {
                ParsePrice(row, names, fields, highCol);
            }

            if (lowCol >= 0)
            {
                ParsePrice(row, names, fields, lowCol);
            }

            if (volumeCol >= 0)
            {
                var volume = ParseNumber(row, names, fields, volumeCol);
                if (volume < 0)
                {
                    throw row.Error(names[volumeCol], fields[volumeCol], "volume must not be negative");
                }

                volumes!.Add(volume);
            }
        }

        if (times.Count < minRows)
        {
            throw new PriceDataException(sourceName, lineNumber, null, null, $"has {times.Count} data rows, at least {minRows} are required");
        }

        return new PriceSeries(seriesName ?? sourceName, [.. times], opens?.ToArray(), [.. closes], totalReturn: adjustedCol >= 0, volume: volumes?.ToArray());
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

    /// <summary>A JSON object or array line is not a CSV data row, even when its commas split it into the right number of fields.</summary>
    private static bool LooksLikeCsv(string line)
    {
        var trimmed = line.TrimStart();
        return trimmed.Length > 0 && trimmed[0] is not ('{' or '[');
    }

    private static DateTimeOffset ParseTime(Row row, string column, string text)
    {
        if (text.Length == 0)
        {
            throw row.Error(column, text, "empty date");
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var unix))
        {
            // Digit-only values are Unix timestamps: a yyyyMMdd date would be ambiguous, so reject it clearly.
            if (unix is >= 19000101 and <= 21001231 && text.Length == 8)
            {
                throw row.Error(column, text, "looks like yyyyMMdd; use ISO 8601 (yyyy-MM-dd) or a Unix timestamp");
            }

            return unix > 100_000_000_000L ? DateTimeOffset.FromUnixTimeMilliseconds(unix) : DateTimeOffset.FromUnixTimeSeconds(unix);
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        throw row.Error(column, text, "unparsable date (expected ISO 8601 or a Unix timestamp)");
    }

    private static double ParseNumber(Row row, string[] names, string[] fields, int col)
    {
        var text = fields[col];
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw row.Error(names[col], text, "unparsable number");
        }

        if (!double.IsFinite(value))
        {
            throw row.Error(names[col], text, "value is not finite");
        }

        return value;
    }

    private static double ParsePrice(Row row, string[] names, string[] fields, int col)
    {
        var value = ParseNumber(row, names, fields, col);
        if (value <= 0)
        {
            throw row.Error(names[col], fields[col], "price must be positive");
        }

        return value;
    }

    /// <summary>Where a data row is; <see cref="Error"/> quotes its cell only when the row is CSV and the cell short.</summary>
    private readonly record struct Row(string Source, int Line, bool IsCsv)
    {
        public PriceDataException Error(string column, string cell, string problem)
        {
            if (IsCsv && cell.Length <= MaxQuotedCell)
            {
                return new PriceDataException(Source, Line, column, cell, problem);
            }

            var unquoted = IsCsv
                ? string.Create(CultureInfo.InvariantCulture, $"{problem} (a {cell.Length} characters cell, not quoted)")
                : $"{problem} (the line looks like JSON, not a CSV data row; not quoted)";
            return new PriceDataException(Source, Line, column, null, unquoted);
        }
    }
}
