using System.Globalization;

namespace Lineage.Benchmarks.Harness;

/// <summary>
/// One measured figure and the baseline it is compared with, measured in the same run. The ratio is
/// value ÷ baseline, so it means "× the baseline" in the figure's own unit (a rate above 1 is faster,
/// a time above 1 is slower).
/// </summary>
public sealed record Figure(
    string Section,
    string Name,
    double Value,
    string Unit,
    string? BaselineName = null,
    double? BaselineValue = null,
    string? Target = null,
    bool? MeetsTarget = null,
    string? Note = null)
{
    public double? Ratio => BaselineValue is { } b && b != 0 && double.IsFinite(Value) ? Value / b : null;
}

/// <summary>Figures in the order they were measured, plus the notes and failures of each section.</summary>
public sealed class ResultSet
{
    private readonly List<Figure> _figures = [];
    private readonly List<(string Section, string Text)> _notes = [];

    public IReadOnlyList<Figure> Figures => _figures;

    public IReadOnlyList<(string Section, string Text)> Notes => _notes;

    public void Add(Figure figure)
    {
        _figures.Add(figure);
        Console.WriteLine(Format(figure));
    }

    public void Note(string section, string text)
    {
        _notes.Add((section, text));
        Console.WriteLine($"[{section}] {text}");
    }

    public static string Format(Figure f)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"[{f.Section}] {f.Name}: {Number(f.Value)} {f.Unit}");
        if (f.BaselineValue is { } b)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" | baseline {f.BaselineName}: {Number(b)} {f.Unit} | ratio {Number(f.Ratio ?? double.NaN)}×");
        }

        if (f.Target is not null)
        {
            text += $" | target {f.Target}: {(f.MeetsTarget switch { true => "met", false => "NOT met", null => "n/a" })}";
        }

        return text;
    }

    /// <summary>Three significant digits, thousands separated; small numbers keep their decimals.</summary>
    public static string Number(double value)
    {
        if (double.IsNaN(value))
        {
            return "n/a";
        }

        var abs = Math.Abs(value);
        return abs switch
        {
            >= 1000 => value.ToString("N0", CultureInfo.InvariantCulture),
            >= 100 => value.ToString("F0", CultureInfo.InvariantCulture),
            >= 10 => value.ToString("F1", CultureInfo.InvariantCulture),
            >= 1 => value.ToString("F2", CultureInfo.InvariantCulture),
            0 => "0",
            _ => value.ToString("G3", CultureInfo.InvariantCulture),
        };
    }
}
