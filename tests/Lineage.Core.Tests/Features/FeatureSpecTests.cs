using System.Text.Json;
using Lineage.Core.Features;

namespace Lineage.Core.Tests.Features;

public class FeatureSpecTests
{
    [Fact]
    public void Default_has_five_features_and_window_20()
    {
        var spec = FeatureSpec.Default;

        Assert.Equal(5, spec.StateSize);
        Assert.Equal(20, spec.Window);
        Assert.Empty(spec.Validate());
    }

    [Fact]
    public void Json_round_trip_preserves_the_spec_with_feature_names_as_strings()
    {
        var spec = new FeatureSpec { Window = 10, Features = [FeatureKind.ZScore, FeatureKind.Position, FeatureKind.Volatility] };

        var json = JsonSerializer.Serialize(spec);
        var back = JsonSerializer.Deserialize<FeatureSpec>(json);

        Assert.Contains("\"ZScore\"", json, StringComparison.Ordinal);
        Assert.Equal(spec, back);
        Assert.Equal(3, back!.StateSize);
    }

    [Fact]
    public void Specs_with_the_same_features_are_equal()
    {
        var a = new FeatureSpec { Features = [FeatureKind.LogReturn, FeatureKind.Position] };
        var b = new FeatureSpec { Features = [FeatureKind.LogReturn, FeatureKind.Position] };
        var c = new FeatureSpec { Features = [FeatureKind.Position, FeatureKind.LogReturn] };

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Validate_names_a_too_small_window()
    {
        var errors = new FeatureSpec { Window = 1 }.Validate();

        Assert.Contains(errors, e => e.Contains("Window", StringComparison.Ordinal) && e.Contains("was 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_names_duplicate_features()
    {
        var errors = new FeatureSpec { Features = [FeatureKind.Momentum, FeatureKind.Momentum] }.Validate();

        Assert.Contains(errors, e => e.Contains("Momentum 2 times", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_rejects_an_empty_feature_list()
    {
        Assert.NotEmpty(new FeatureSpec { Features = [] }.Validate());
    }

    [Fact]
    public void Market_feature_kinds_exclude_account_features()
    {
        Assert.Equal(
            [FeatureKind.LogReturn, FeatureKind.Momentum, FeatureKind.VolatilityNormalizedReturn],
            FeatureSpec.Default.MarketFeatureKinds());
    }
}
