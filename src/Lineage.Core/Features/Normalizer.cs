using System.Globalization;

namespace Lineage.Core.Features;

/// <summary>
/// Per-column standardisation of the market features, z = (x − Mean) / Std. Fit it on the training split only
/// and reuse it unchanged for validation, test and live data.
/// </summary>
public sealed record Normalizer(double[] Mean, double[] Std)
{
    /// <summary>Columns with a standard deviation below this are only centred (Std = 1), not blown up.</summary>
    public const double MinStd = 1e-8;

    public int Count => Mean.Length;

    public static Normalizer Identity(int columns) =>
        new(new double[columns], Enumerable.Repeat(1.0, columns).ToArray());

    /// <summary>Mean and population standard deviation of rows <see cref="MarketFeatures.WarmupBars"/>..end.</summary>
    public static Normalizer Fit(MarketFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var cols = features.ColumnCount;
        var from = features.WarmupBars;
        var n = features.Rows - from;
        var mean = new double[cols];
        var std = new double[cols];
        for (var c = 0; c < cols; c++)
        {
            var sum = 0.0;
            for (var t = from; t < features.Rows; t++)
            {
                sum += features[t, c];
            }

            mean[c] = sum / n;
            var ss = 0.0;
            for (var t = from; t < features.Rows; t++)
            {
                var d = features[t, c] - mean[c];
                ss += d * d;
            }

            var sd = Math.Sqrt(ss / n);
            std[c] = sd < MinStd ? 1 : sd;
        }

        return new Normalizer(mean, std);
    }

    public IReadOnlyList<string> Validate(int expectedColumns)
    {
        var errors = new List<string>();
        if (Mean is null || Std is null)
        {
            errors.Add("Normalizer.Mean and Normalizer.Std are required.");
            return errors;
        }

        if (Mean.Length != expectedColumns || Std.Length != expectedColumns)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Normalizer has {Mean.Length} means and {Std.Length} stds; the feature spec has {expectedColumns} market features."));
        }

        for (var i = 0; i < Mean.Length; i++)
        {
            if (!double.IsFinite(Mean[i]))
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"Normalizer.Mean[{i}] = {Mean[i]} is not finite."));
            }
        }

        for (var i = 0; i < Std.Length; i++)
        {
            if (!double.IsFinite(Std[i]) || Std[i] <= 0)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"Normalizer.Std[{i}] = {Std[i]} must be positive and finite."));
            }
        }

        return errors;
    }

    public void Apply(ReadOnlySpan<double> raw, Span<float> normalized)
    {
        for (var i = 0; i < raw.Length; i++)
        {
            normalized[i] = (float)((raw[i] - Mean[i]) / Std[i]);
        }
    }

    /// <summary>Inverse of <see cref="Apply"/> for one column: the raw feature value behind a state entry.</summary>
    public double Denormalize(int column, float value) => (value * Std[column]) + Mean[column];

    public bool Equals(Normalizer? other) =>
        other is not null && Mean.AsSpan().SequenceEqual(other.Mean) && Std.AsSpan().SequenceEqual(other.Std);

    public override int GetHashCode() => HashCode.Combine(Mean.Length, Mean.Length > 0 ? Mean[0] : 0, Std.Length > 0 ? Std[0] : 0);
}
