using System.Text.Json;
using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Trading;
using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Training;
using Lineage.Storage;

namespace Lineage.IntegrationTests.Orchestration;

/// <summary>EvaluateOutput travels in Durable histories and run results: payloads written before a field existed must still read.</summary>
public class EvaluateOutputContractTests(Xunit.Abstractions.ITestOutputHelper log)
{
    [Fact]
    public void A_payload_without_the_rule_and_bootstrap_fields_deserializes_with_them_empty()
    {
        const string old = """
            {"split":"test","iteration":3,"checkpointUpdate":768,"agentReturn":0.1,"agentSharpe":1.2,"agentMaxDrawdown":0.05,
             "agentTrades":4,"buyAndHoldReturn":0.2,"flatReturn":0,"randomMeanReturn":-0.1,"randomStdReturn":0.05,"referenceReturn":null}
            """;

        var output = JsonSerializer.Deserialize<EvaluateOutput>(old, LineageJson.Options)!;

        Assert.Equal(0.2, output.BuyAndHoldReturn);
        Assert.Null(output.BestRuleName);
        Assert.Null(output.BestRuleReturn);
        Assert.Null(output.Bootstrap);
    }

    [Fact]
    public void The_test_evaluations_rule_and_bootstrap_round_trip_through_json()
    {
        var market = PreparedMarket.Prepare(SyntheticMarkets.Generate("trend", 6_000, 7), FeatureSpec.Default, new ArenaOptions(), new RewardOptions());
        var rule = SimpleRules.SelectOnValidation(market.Validation);
        var report = Evaluator.Evaluate(FixedPolicy.BuyAndHold(market.Test.StateSize), market.Test, randomSeeds: 2, seed: 1, bestRule: rule, bootstrapDraws: 1_000);

        var output = EvaluateActivity.Summarize(new EvaluateInput("run", 1, 256, "test"), report);
        foreach (var draws in new[] { 0, 10_000 })
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var timed = Evaluator.Evaluate(FixedPolicy.Flat(market.Test.StateSize), market.Test, randomSeeds: 20, seed: 1, bestRule: SimpleRules.SelectOnValidation(market.Validation), bootstrapDraws: draws);
            log.WriteLine($"evaluation of {timed.Steps} bars with rule selection and {draws} bootstrap draws: {watch.Elapsed.TotalMilliseconds:F0} ms");
        }

        var back = JsonSerializer.Deserialize<EvaluateOutput>(JsonSerializer.Serialize(output, LineageJson.Options), LineageJson.Options)!;

        Assert.Equal(rule.Rule.Name, back.BestRuleName);
        Assert.Equal(report.BestRule!.Metrics.Roi, back.BestRuleReturn);
        var bootstrap = Assert.IsType<BootstrapSummary>(back.Bootstrap);
        Assert.Equal(output.Bootstrap, bootstrap);
        Assert.Equal(report.Steps, bootstrap.Bars);
        Assert.Equal(1_000, bootstrap.Draws);
        Assert.Equal(0, bootstrap.ExcessReturnVsBuyAndHold.Point);
        Assert.NotNull(bootstrap.ExcessSharpeVsBestRule);
    }
}
