using System.Text.Json;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Tests.MarketData;

namespace Lineage.Core.Tests.Features;

public class NormalizerTests
{
    [Fact]
    public void Fitted_normalizer_standardises_the_training_rows()
    {
        var train = SyntheticMarkets.Generate(SyntheticMarkets.Trend, 1000, 2);
        var f = MarketFeatures.Compute(train, FeatureSpec.Default);
        var norm = Normalizer.Fit(f);

        var z = new float[f.ColumnCount];
        var sums = new double[f.ColumnCount];
        var squares = new double[f.ColumnCount];
        var n = 0;
        for (var t = f.WarmupBars; t < f.Rows; t++, n++)
        {
            norm.Apply(f.Row(t), z);
            for (var c = 0; c < z.Length; c++)
            {
                sums[c] += z[c];
                squares[c] += z[c] * z[c];
            }
        }

        for (var c = 0; c < z.Length; c++)
        {
            Assert.InRange(sums[c] / n, -1e-4, 1e-4);
            Assert.InRange(squares[c] / n, 0.999, 1.001);
        }
    }

    [Fact]
    public void Constant_column_gets_unit_std()
    {
        var f = MarketFeatures.Compute(TestSeries.Constant(50, 3), FeatureSpec.Default);

        Assert.All(Normalizer.Fit(f).Std, sd => Assert.Equal(1, sd));
    }

    [Fact]
    public void Json_round_trip_preserves_mean_and_std()
    {
        var norm = new Normalizer([0.001, -0.02, 0.5], [0.01, 0.05, 1.1]);

        var back = JsonSerializer.Deserialize<Normalizer>(JsonSerializer.Serialize(norm));

        Assert.Equal(norm, back);
    }

    [Fact]
    public void Denormalize_inverts_apply()
    {
        var norm = new Normalizer([0.5, -1], [2, 0.25]);
        var z = new float[2];

        norm.Apply([1.5, -0.5], z);

        Assert.Equal(1.5, norm.Denormalize(0, z[0]), 6);
        Assert.Equal(-0.5, norm.Denormalize(1, z[1]), 6);
    }

    [Fact]
    public void Validate_names_a_wrong_column_count_and_bad_std()
    {
        var errors = new Normalizer([0, 0], [1, 0]).Validate(3);

        Assert.Contains(errors, e => e.Contains("3 market features", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Std[1] = 0", StringComparison.Ordinal));
    }

    [Fact]
    public void Fit_on_train_split_ignores_later_prices()
    {
        var s = SyntheticMarkets.Generate(SyntheticMarkets.Trend, 600, 4);
        var changed = MarketFeaturesTests.FutureChanged(s, 420);

        var a = Normalizer.Fit(MarketFeatures.Compute(DataSplits.Chronological(s).Train, FeatureSpec.Default));
        var b = Normalizer.Fit(MarketFeatures.Compute(DataSplits.Chronological(changed).Train, FeatureSpec.Default));
        var whole = Normalizer.Fit(MarketFeatures.Compute(changed, FeatureSpec.Default));

        Assert.Equal(a, b);
        Assert.NotEqual(a, whole);
    }
}
