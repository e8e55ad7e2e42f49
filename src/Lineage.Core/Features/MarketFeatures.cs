using Lineage.Core.MarketData;

namespace Lineage.Core.Features;

/// <summary>
/// The market (price-derived) features of every bar of one series, computed once. Row t uses bars 0..t only.
/// Rows before <see cref="WarmupBars"/> use a shorter history than the window; episodes start at or after it
/// and the <see cref="Normalizer"/> ignores those rows.
/// </summary>
public sealed class MarketFeatures
{
    private readonly double[] _values;

    private MarketFeatures(FeatureSpec spec, FeatureKind[] columns, int rows, double[] values)
    {
        Spec = spec;
        Columns = columns;
        Rows = rows;
        _values = values;
    }

    public FeatureSpec Spec { get; }

    /// <summary>The market features in state order (account features excluded).</summary>
    public FeatureKind[] Columns { get; }

    public int ColumnCount => Columns.Length;

    public int Rows { get; }

    /// <summary>First row whose features see a full window (= <see cref="FeatureSpec.Window"/>, capped at the last row).</summary>
    public int WarmupBars => Math.Min(Spec.Window, Rows - 1);

    public double this[int row, int column] => _values[(row * Columns.Length) + column];

    public ReadOnlySpan<double> Row(int row) => _values.AsSpan(row * Columns.Length, Columns.Length);

    public static MarketFeatures Compute(PriceSeries series, FeatureSpec spec)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(spec);
        spec.EnsureValid();
        var columns = spec.MarketFeatureKinds();
        var n = series.Count;
        var w = spec.Window;
        var logs = new double[n];
        var returns = new double[n];
        for (var t = 0; t < n; t++)
        {
            logs[t] = Math.Log(series.Close[t]);
            returns[t] = t == 0 ? 0 : logs[t] - logs[t - 1];
        }

        var values = new double[n * columns.Length];
        for (var t = 0; t < n; t++)
        {
            // Return window: r[t−W+1..t] (r[0] = 0 is not a real return, so it is left out).
            var rFrom = Math.Max(1, t - w + 1);
            var sigma = StdDev(returns.AsSpan(rFrom, t - rFrom + 1));
            var lFrom = Math.Max(0, t - w + 1);
            for (var c = 0; c < columns.Length; c++)
            {
                values[(t * columns.Length) + c] = columns[c] switch
                {
                    FeatureKind.LogReturn => returns[t],
                    FeatureKind.Momentum => logs[t] - logs[Math.Max(0, t - w)],
                    FeatureKind.VolatilityNormalizedReturn => sigma > 1e-12 ? returns[t] / sigma : 0,
                    FeatureKind.Volatility => sigma,
                    FeatureKind.ZScore => ZScore(logs.AsSpan(lFrom, t - lFrom + 1)),
                    _ => throw new InvalidOperationException($"{columns[c]} is not a market feature."),
                };
            }
        }

        return new MarketFeatures(spec, columns, n, values);
    }

    private static double StdDev(ReadOnlySpan<double> xs)
    {
        if (xs.Length < 2)
        {
            return 0;
        }

        var mean = 0.0;
        foreach (var x in xs)
        {
            mean += x;
        }

        mean /= xs.Length;
        var ss = 0.0;
        foreach (var x in xs)
        {
            ss += (x - mean) * (x - mean);
        }

        return Math.Sqrt(ss / (xs.Length - 1));
    }

    private static double ZScore(ReadOnlySpan<double> logs)
    {
        var sd = StdDev(logs);
        if (sd <= 1e-12)
        {
            return 0;
        }

        var mean = 0.0;
        foreach (var x in logs)
        {
            mean += x;
        }

        mean /= logs.Length;
        return (logs[^1] - mean) / sd;
    }
}
