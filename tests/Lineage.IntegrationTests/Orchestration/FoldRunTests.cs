using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.IntegrationTests.Learning;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Training;
using Lineage.Storage;

namespace Lineage.IntegrationTests.Orchestration;

/// <summary>A run restricted to a walk-forward fold (TrainingRun.Fold) on the real orchestration.</summary>
[Collection(TorchCollection.Name)]
public sealed class FoldRunTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static IReadOnlyList<WalkForwardFold> Folds(int bars) => WalkForward.Folds(bars, new WalkForwardOptions { Folds = 2, TestBars = 150 });

    [Fact]
    public async Task A_fold_run_loads_exactly_its_bar_ranges_of_the_one_series()
    {
        var run = TestRuns.Small("fold-load");
        var fold = Folds(run.SyntheticBars)[1];
        var series = SyntheticMarkets.Generate(SyntheticMarkets.Trend, run.SyntheticBars, Seeds.Derive(run.Seed, 1));

        var data = await DatasetLoader.LoadAsync(run with { Fold = fold }, null, null, CancellationToken.None);

        Assert.Equal(series.Slice(0, fold.TrainBars).Fingerprint(), data.Train.Fingerprint());
        // Validation: the block, scored from its first bar, after up to 256 bars of training as read-only history.
        var validationHistory = Math.Min(DataSplits.HistoryBars, fold.TrainBars);
        Assert.Equal(validationHistory, data.ValidationHistory);
        Assert.Equal(series.Slice(fold.ValidationStart, fold.ValidationBars).Fingerprint(), data.Scored(Splits.Validation).Fingerprint());
        Assert.Equal(series.Slice(fold.ValidationStart - validationHistory, fold.ValidationBars + validationHistory).Fingerprint(), data.Validation.Fingerprint());
        // Test: the first decision bar (the one before the block) and the block, after the read-only history.
        Assert.Equal(fold.TestHistoryBars, data.TestHistory);
        Assert.Equal(series.Slice(fold.TestStart - 1, fold.TestBars + 1).Fingerprint(), data.Scored(Splits.Test).Fingerprint());
        Assert.Equal(series.Slice(fold.TestSplitStart, fold.TestEnd - fold.TestSplitStart).Fingerprint(), data.Test.Fingerprint());
    }

    [Fact]
    public async Task A_fold_run_records_its_fold_is_not_promoted_and_cannot_resume_with_another_fold()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var folds = Folds(TestRuns.Small("x").SyntheticBars);
        var run = TestRuns.Small("fold-run") with { Fold = folds[0] };

        var final = RunService.ToView(await TestRuns.RunToEndAsync(runtime, run));

        Assert.Equal("Completed", final.Status);
        Assert.NotNull(final.Result!.Test);
        Assert.Contains(final.Result.Notes, n => n.Contains("not a candidate for promotion", StringComparison.Ordinal));
        var record = await runtime.Workspace.ReadJsonAsync<RunRecord>(RunBlobs.Record(run.RunId), default);
        Assert.Equal(folds[0], record!.Run.Fold);
        Assert.Null(await runtime.Workspace.ReadJsonAsync<object>(RunBlobs.Final(run.RunId), default));

        var moved = RunService.ToView(await TestRuns.RunToEndAsync(runtime, run with { Resume = true, Fold = folds[1] }));

        Assert.Equal("Failed", moved.Status);
        Assert.Contains("a resume must keep it", moved.Failure, StringComparison.Ordinal);
    }
}
