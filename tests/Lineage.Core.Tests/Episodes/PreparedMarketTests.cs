using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Episodes;

public class PreparedMarketTests
{
    [Fact]
    public void Normalizer_is_fitted_on_the_train_part_and_shared_by_all_parts()
    {
        var series = SyntheticMarkets.Generate(SyntheticMarkets.Trend, 1000, 4);

        var market = PreparedMarket.Prepare(series, FeatureSpec.Default, ArenaOptions.Classic, new RewardOptions());

        Assert.Equal(Normalizer.Fit(MarketFeatures.Compute(market.Split.Train, FeatureSpec.Default)), market.Normalizer);
        Assert.Same(market.Normalizer, market.Test.Normalizer);
        Assert.Same(market.Split.Validation, market.Validation.Series);
        // 150 test bars, scored from the first, after 256 bars of read-only history.
        Assert.Equal(150 + DataSplits.HistoryBars, market.Test.Series.Count);
        Assert.Equal(DataSplits.HistoryBars, market.Test.FirstStartIndex);
        Assert.Equal(DataSplits.HistoryBars, market.Validation.FirstStartIndex);
    }

    [Fact]
    public void A_saved_normalizer_is_reused_instead_of_refitted()
    {
        var series = SyntheticMarkets.Generate(SyntheticMarkets.MeanReverting, 1000, 4);
        var saved = new Normalizer([0, 0, 0], [1, 2, 3]);

        var market = PreparedMarket.Prepare(series, FeatureSpec.Default, ArenaOptions.Classic, new RewardOptions(), normalizer: saved);

        Assert.Same(saved, market.Train.Normalizer);
    }

    [Fact]
    public void Evaluate_on_a_series_adds_the_reference_for_a_synthetic_kind()
    {
        var market = PreparedMarket.Prepare(SyntheticMarkets.Generate("meanrev", 1000, 4), FeatureSpec.Default, ArenaOptions.Classic, new RewardOptions());

        var report = Evaluator.Evaluate(
            FixedPolicy.Flat(5), market.Split.Test, FeatureSpec.Default, market.Normalizer, ArenaOptions.Classic, new RewardOptions(), syntheticKind: "meanrev", historyBars: market.Split.TestHistory);
        var direct = Evaluator.Evaluate(FixedPolicy.Flat(5), market.Test, referencePolicy: ReferencePolicies.For("meanrev", FeatureSpec.Default, market.Normalizer));

        Assert.Equal(direct.StartIndex, report.StartIndex);
        Assert.Equal(direct.Reference, report.Reference);
        Assert.Equal(direct.BuyAndHold, report.BuyAndHold);
    }
}
