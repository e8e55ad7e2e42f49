using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Episodes;

/// <summary>
/// A series split chronologically, a normaliser fitted on its training part only, and one environment per
/// part. Environments are not thread-safe: prepare one per concurrent worker (it is cheap) or share the
/// <see cref="Normalizer"/> (persist it with the checkpoint; it is JSON-serializable).
/// </summary>
public sealed record PreparedMarket(
    DataSplit Split,
    Normalizer Normalizer,
    TradingEnvironment Train,
    TradingEnvironment Validation,
    TradingEnvironment Test)
{
    /// <param name="normalizer">A normaliser saved earlier (e.g. with a checkpoint); fitted on the train part when null.</param>
    public static PreparedMarket Prepare(
        PriceSeries series,
        FeatureSpec spec,
        ArenaOptions arena,
        RewardOptions reward,
        double trainFraction = 0.7,
        double validationFraction = 0.15,
        Normalizer? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(spec);
        var split = DataSplits.Chronological(series, trainFraction, validationFraction);
        var trainFeatures = MarketFeatures.Compute(split.Train, spec);
        normalizer ??= Normalizer.Fit(trainFeatures);
        return new PreparedMarket(
            split,
            normalizer,
            new TradingEnvironment(trainFeatures, split.Train, normalizer, arena, reward),
            new TradingEnvironment(split.Validation, spec, normalizer, arena, reward),
            new TradingEnvironment(split.Test, spec, normalizer, arena, reward));
    }
}
