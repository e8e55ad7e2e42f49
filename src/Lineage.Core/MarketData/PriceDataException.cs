using System.Globalization;

namespace Lineage.Core.MarketData;

/// <summary>
/// A price file that cannot be used as is. The message names the file, line, column and problem, and quotes the
/// value only when it is a short cell of a CSV data row (see <see cref="CsvPriceLoader"/>).
/// </summary>
public sealed class PriceDataException : Exception
{
    public PriceDataException()
    {
    }

    public PriceDataException(string message)
        : base(message)
    {
    }

    public PriceDataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PriceDataException(string sourceName, int line, string? column, string? value, string problem)
        : base(Format(sourceName, line, column, value, problem))
    {
        SourceName = sourceName;
        Line = line;
        Column = column;
        Value = value;
    }

    public string? SourceName { get; }

    /// <summary>1-based line number (the header is line 1); 0 when the problem is the file as a whole.</summary>
    public int Line { get; }

    public string? Column { get; }

    /// <summary>The quoted cell, or null when nothing was quoted.</summary>
    public string? Value { get; }

    private static string Format(string sourceName, int line, string? column, string? value, string problem)
    {
        var where = line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{sourceName}, line {line}") : sourceName;
        if (column is not null)
        {
            where += $", column '{column}'";
        }

        return value is null ? $"{where}: {problem}" : $"{where}: {problem} (value '{value}')";
    }
}
