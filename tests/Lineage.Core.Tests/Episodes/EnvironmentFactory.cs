using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Episodes;

internal static class EnvironmentFactory
{
    /// <summary>An environment on <paramref name="series"/> with a normaliser fitted on the series itself.</summary>
    public static TradingEnvironment Create(PriceSeries series, ArenaOptions? arena = null, RewardOptions? reward = null, FeatureSpec? spec = null, int historyBars = 0)
    {
        spec ??= FeatureSpec.Default;
        var features = MarketFeatures.Compute(series, spec);
        return new TradingEnvironment(features, series, Normalizer.Fit(features), arena ?? ArenaOptions.Classic, reward ?? new RewardOptions(), historyBars);
    }
}
