using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Episodes;

/// <summary>
/// A series split chronologically, a normaliser fitted on its training part only, and one environment per
/// part. The validation and test environments start with their split's read-only history (the bars before them,
/// <see cref="DataSplit.ValidationHistory"/> / <see cref="DataSplit.TestHistory"/>): they are scored from the part's own first
/// bar whatever the features' look-back. Environments are not thread-safe: prepare one per concurrent worker (it is cheap)
/// or share the <see cref="Normalizer"/> (persist it with the checkpoint; it is JSON-serializable).
/// </summary>
public sealed record PreparedMarket(
    DataSplit Split,
    Normalizer Normalizer,
    TradingEnvironment Train,
    TradingEnvironment Validation,
    TradingEnvironment Test)
{
    /// <param name="normalizer">A normaliser saved earlier (e.g. with a checkpoint); fitted on the train part when null.</param>
    /// <param name="historyBars">Bars of read-only history in front of validation and test (at most what there is before them).</param>
    public static PreparedMarket Prepare(
        PriceSeries series,
        FeatureSpec spec,
        ArenaOptions arena,
        RewardOptions reward,
        double trainFraction = 0.7,
        double validationFraction = 0.15,
        Normalizer? normalizer = null,
        int historyBars = DataSplits.HistoryBars)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(spec);
        var split = DataSplits.Chronological(series, trainFraction, validationFraction, historyBars);
        var trainFeatures = MarketFeatures.Compute(split.Train, spec);
        normalizer ??= Normalizer.Fit(trainFeatures);
        return new PreparedMarket(
            split,
            normalizer,
            new TradingEnvironment(trainFeatures, split.Train, normalizer, arena, reward),
            new TradingEnvironment(split.Validation, spec, normalizer, arena, reward, split.ValidationHistory),
            new TradingEnvironment(split.Test, spec, normalizer, arena, reward, split.TestHistory));
    }
}
