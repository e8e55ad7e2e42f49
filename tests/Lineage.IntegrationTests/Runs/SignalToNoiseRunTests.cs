using System.Text.Json;
using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Trading;
using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Lineage.Storage;

namespace Lineage.IntegrationTests.Runs;

/// <summary>A run's synthetic signal-to-noise ratio: refused where it cannot apply, and carried into every series the run generates.</summary>
public sealed class SignalToNoiseRunTests
{
    private static readonly TrainingRun Valid = new() { RunId = "snr", Dataset = "synthetic:trend" };

    [Theory]
    [InlineData(0.0, "must be in (0, 2] when set, got 0")]
    [InlineData(-0.05, "must be in (0, 2] when set, got -0.05")]
    [InlineData(2.5, "must be in (0, 2] when set, got 2.5")]
    public void A_ratio_outside_its_range_is_refused_naming_the_field_and_value(double snr, string message)
    {
        var error = Assert.Single(TrainingRunValidator.Validate(Valid with { SyntheticSignalToNoise = snr }));

        Assert.Equal("syntheticSignalToNoise", error.Field);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("synthetic:randomwalk")]
    [InlineData("spy")]
    [InlineData("blob:datasets/prices/000001.csv")]
    public void A_ratio_on_a_market_without_a_signal_to_scale_is_refused(string dataset)
    {
        var error = Assert.Single(TrainingRunValidator.Validate(Valid with { Dataset = dataset, SyntheticSignalToNoise = 0.05 }));

        Assert.Equal("syntheticSignalToNoise", error.Field);
        Assert.Contains("applies to synthetic:trend and synthetic:meanrev only", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{dataset}', got 0.05", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trend_and_meanrev_take_any_ratio_in_range_and_a_bad_dataset_is_reported_once()
    {
        foreach (var snr in new[] { 1e-6, 0.05, 0.25, 2 })
        {
            Assert.Empty(TrainingRunValidator.Validate(Valid with { SyntheticSignalToNoise = snr }));
            Assert.Empty(TrainingRunValidator.Validate(Valid with { Dataset = "synthetic:meanrev", SyntheticSignalToNoise = snr }));
        }

        Assert.Equal(["dataset"], TrainingRunValidator.Validate(Valid with { Dataset = "synthetic:sine", SyntheticSignalToNoise = 0.05 }).Select(e => e.Field));
        Assert.Equal(["dataset"], TrainingRunValidator.Validate(Valid with { Dataset = "nope", SyntheticSignalToNoise = 0.05 }).Select(e => e.Field));
    }

    [Fact]
    public void The_http_body_field_is_syntheticSignalToNoise_and_defaults_to_unset()
    {
        var run = JsonSerializer.Deserialize<TrainingRun>("""{"runId":"snr","dataset":"synthetic:meanrev","syntheticSignalToNoise":0.05}""", LineageJson.Strict)!;

        Assert.Equal(0.05, run.SyntheticSignalToNoise);
        Assert.Null(new TrainingRun().SyntheticSignalToNoise);
        Assert.Null(JsonSerializer.Deserialize<TrainingRun>("""{"runId":"snr"}""", LineageJson.Strict)!.SyntheticSignalToNoise);
    }

    [Theory]
    [InlineData("trend")]
    [InlineData("meanrev")]
    public async Task Every_series_a_run_generates_is_generated_at_its_ratio(string kind)
    {
        var run = Valid with { Dataset = "synthetic:" + kind, SyntheticBars = 1000, MarketSeed = 3, SyntheticSignalToNoise = 0.05 };
        var splits = new SplitGeneration(1, null, 9, 600, 600, "first", "the model's first run", DateTimeOffset.UnixEpoch);
        var evalBars = DatasetLoader.SyntheticEvaluationBars(run);

        var data = await DatasetLoader.LoadAsync(run, splits, null, CancellationToken.None);
        var whole = await DatasetLoader.LoadWholeSeriesAsync(run, null, DatasetLoader.MinTrainRows(run), CancellationToken.None);
        var defaults = await DatasetLoader.LoadAsync(run with { SyntheticSignalToNoise = null }, splits, null, CancellationToken.None);

        Assert.Equal(SyntheticMarkets.Generate(kind, 1000, Seeds.Derive(3, 1), 0.05).Fingerprint(), data.Train.Fingerprint());
        Assert.Equal(SyntheticMarkets.Generate(kind, evalBars + DataSplits.HistoryBars, Seeds.Derive(3, 2), 0.05).Fingerprint(), data.Validation.Fingerprint());
        Assert.Equal(SyntheticMarkets.Generate(kind, evalBars + DataSplits.HistoryBars, Seeds.Derive(3, 3), 0.05).Fingerprint(), data.Test.Fingerprint());
        Assert.Equal(SyntheticMarkets.Generate(kind, 600, Seeds.Derive(9, 4), 0.05).Fingerprint(), data.Promotion!.Fingerprint());
        Assert.Equal(data.Train.Fingerprint(), whole.Fingerprint());
        Assert.NotEqual(defaults.Fingerprint, data.Fingerprint);

        // Unset: today's series, so today's fingerprints.
        Assert.Equal(SyntheticMarkets.Generate(kind, 1000, Seeds.Derive(3, 1)).Fingerprint(), defaults.Train.Fingerprint());
        Assert.Equal(SyntheticMarkets.Generate(kind, 600, Seeds.Derive(9, 4)).Fingerprint(), defaults.Promotion!.Fingerprint());
        Assert.All(new[] { data.Train, data.Validation, data.Test, data.Promotion, whole }, s => Assert.NotNull(s.Truth));
    }

    [Fact]
    public async Task A_fold_of_a_synthetic_market_carries_the_generator_state_of_its_bars()
    {
        var run = Valid with { SyntheticBars = 1200, SyntheticSignalToNoise = 0.05 };
        var whole = await DatasetLoader.LoadWholeSeriesAsync(run, null, DatasetLoader.MinTrainRows(run), CancellationToken.None);
        var fold = WalkForward.Folds(whole.Count, new WalkForwardOptions { Folds = 2, TestBars = 150 })[1];

        var data = await DatasetLoader.LoadAsync(run with { Fold = fold }, null, null, CancellationToken.None);

        Assert.Equal(whole.Truth!.Drift.AsSpan(fold.TestSplitStart, data.Test.Count).ToArray(), data.Test.Truth!.Drift);
    }

    [Fact]
    public void The_evaluation_output_carries_the_oracles_return()
    {
        var market = PreparedMarket.Prepare(SyntheticMarkets.Generate("trend", 3000, 5, 0.05), FeatureSpec.Default, new ArenaOptions(), new RewardOptions());
        var report = Evaluator.Evaluate(FixedPolicy.Flat(market.Test.StateSize), market.Test, randomSeeds: 2);

        var output = EvaluateActivity.Summarize(new EvaluateInput("snr", 1, 16, "test"), report);
        var back = JsonSerializer.Deserialize<EvaluateOutput>(JsonSerializer.Serialize(output, LineageJson.Options), LineageJson.Options)!;

        Assert.NotNull(report.Oracle);
        Assert.Equal(report.Oracle.Roi, back.OracleReturn);
        Assert.Null(JsonSerializer.Deserialize<EvaluateOutput>(
            """{"split":"test","iteration":3,"checkpointUpdate":768,"agentReturn":0.1,"agentSharpe":1.2,"agentMaxDrawdown":0.05,"agentTrades":4,"buyAndHoldReturn":0.2,"flatReturn":0,"randomMeanReturn":-0.1,"randomStdReturn":0.05,"referenceReturn":null}""",
            LineageJson.Options)!.OracleReturn);
    }
}
