using Lineage.Core.MarketData;

namespace Lineage.Core.Features;

/// <summary>
/// The market (price-derived) features of every bar of one series, computed once. Row t uses bars 0..t only.
/// Rows before <see cref="WarmupBars"/> use a shorter history than their features need (clamped at bar 0); episodes start
/// at or after it and the <see cref="Normalizer"/> ignores those rows.
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

    /// <summary>First row whose features see all the history they need (= <see cref="FeatureSpec.RequiredHistory"/>, capped at the last row).</summary>
    public int WarmupBars => Math.Min(Spec.RequiredHistory, Rows - 1);

    public double this[int row, int column] => _values[(row * Columns.Length) + column];

    public ReadOnlySpan<double> Row(int row) => _values.AsSpan(row * Columns.Length, Columns.Length);

    public static MarketFeatures Compute(PriceSeries series, FeatureSpec spec)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(spec);
        spec.EnsureValid();
        if (spec.SeriesError(series) is { } seriesError)
        {
            throw new ArgumentException(seriesError, nameof(series));
        }

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
                    FeatureKind.Momentum5 => logs[t] - logs[Math.Max(0, t - 5)],
                    FeatureKind.Momentum60 => logs[t] - logs[Math.Max(0, t - 60)],
                    FeatureKind.Momentum120 => logs[t] - logs[Math.Max(0, t - 120)],
                    FeatureKind.Volatility20 => RealisedVolatility(returns, t, 20),
                    FeatureKind.Volatility60 => RealisedVolatility(returns, t, 60),
                    FeatureKind.MovingAverageDistance50 => Math.Log(series.Close[t] / TrailingMean(series.Close, t, 50)),
                    FeatureKind.MovingAverageDistance200 => Math.Log(series.Close[t] / TrailingMean(series.Close, t, 200)),
                    FeatureKind.Drawdown250 => logs[t] - TrailingMax(logs, t, 251),
                    FeatureKind.VolumeRatio20 => Math.Log((1 + series.Volume![t]) / (1 + TrailingMean(series.Volume, t, 20))),
                    _ => throw new InvalidOperationException($"{columns[c]} is not a market feature."),
                };
            }
        }

        return new MarketFeatures(spec, columns, n, values);
    }

    /// <summary>Standard deviation of r[t−h+1..t] (r[0] = 0 is not a real return, so it is left out).</summary>
    private static double RealisedVolatility(double[] returns, int t, int h)
    {
        var from = Math.Max(1, t - h + 1);
        return StdDev(returns.AsSpan(from, t - from + 1));
    }

    /// <summary>Mean of xs[t−n+1..t] (fewer at the start of the series).</summary>
    private static double TrailingMean(double[] xs, int t, int n)
    {
        var from = Math.Max(0, t - n + 1);
        var sum = 0.0;
        for (var i = from; i <= t; i++)
        {
            sum += xs[i];
        }

        return sum / (t - from + 1);
    }

    /// <summary>Largest of xs[t−n+1..t] (fewer at the start of the series).</summary>
    private static double TrailingMax(double[] xs, int t, int n)
    {
        var max = double.NegativeInfinity;
        for (var i = Math.Max(0, t - n + 1); i <= t; i++)
        {
            max = Math.Max(max, xs[i]);
        }

        return max;
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
