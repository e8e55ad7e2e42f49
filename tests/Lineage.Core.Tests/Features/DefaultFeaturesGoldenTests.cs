using System.Globalization;
using System.Security.Cryptography;
using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Features;

/// <summary>
/// The default spec's features, warm-up and normalised states on a fixed series, pinned to the values the code produced
/// before features could look further back than the window: adding feature kinds must not move the default agent's inputs.
/// </summary>
public class DefaultFeaturesGoldenTests
{
    private static readonly PriceSeries Series = SyntheticMarkets.Generate(SyntheticMarkets.Trend, 300, 7);

    [Fact]
    public void Default_features_are_bit_for_bit_unchanged()
    {
        var features = MarketFeatures.Compute(Series, FeatureSpec.Default);

        Assert.Equal(20, features.WarmupBars);
        Assert.Equal(Golden.Features, Hash(Enumerable.Range(0, features.Rows).SelectMany(t => features.Row(t).ToArray())));
    }

    [Fact]
    public void Default_environment_states_are_bit_for_bit_unchanged()
    {
        var features = MarketFeatures.Compute(Series, FeatureSpec.Default);
        var env = new TradingEnvironment(features, Series, Normalizer.Fit(features), ArenaOptions.Classic, new RewardOptions());

        Assert.Equal(20, env.FirstStartIndex);
        var states = new List<double>();
        for (var start = env.FirstStartIndex; start <= env.LastStartIndex; start += 37)
        {
            env.Reset(start);
            states.AddRange(env.State.ToArray().Select(v => (double)v));
        }

        Assert.Equal(Golden.States, Hash(states));
    }

    private static string Hash(IEnumerable<double> values)
    {
        var bytes = values.SelectMany(BitConverter.GetBytes).ToArray();
        return Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "/" + bytes.Length.ToString(CultureInfo.InvariantCulture);
    }

    private static class Golden
    {
        public const string Features = "96501673ccdac3cf/7200";
        public const string States = "a052d0ff91ae4891/320";
    }
}
