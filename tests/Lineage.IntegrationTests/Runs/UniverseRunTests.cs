using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Trading;
using Lineage.Hosting;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Lineage.Storage;

namespace Lineage.IntegrationTests.Runs;

/// <summary>
/// A training universe: further file datasets train a run beside its own, each cut at the end of the run's training split
/// (by time, so no member shows a day the run validates or tests on), each through its own normaliser; scoring stays on the run's dataset.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class UniverseRunTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly TrainingRun Valid = new() { RunId = "universe", Dataset = "spy", Universe = ["aapl", "msft"] };

    [Fact]
    public void A_universe_beside_a_file_dataset_is_valid_and_none_is_the_default()
    {
        Assert.Empty(TrainingRunValidator.Validate(Valid));
        Assert.Empty(TrainingRunValidator.Validate(Valid with { Universe = ["blob:datasets/prices/x.csv", "dataset:other"] }));
        Assert.Null(new TrainingRun().Universe);
    }

    [Theory]
    [InlineData("synthetic:trend", new[] { "aapl" }, "universe", "trains beside a file dataset only")]
    [InlineData("spy", new[] { "synthetic:trend" }, "universe[0]", "must be a file dataset")]
    [InlineData("spy", new[] { "aapl", "nope" }, "universe[1]", "unknown dataset 'nope'")]
    [InlineData("spy", new[] { "spy" }, "universe[0]", "is the run's own dataset 'spy'")]
    [InlineData("spy", new[] { "aapl", "msft", "aapl" }, "universe[2]", "names 'aapl' twice")]
    public void A_bad_universe_is_refused_naming_the_member(string dataset, string[] universe, string field, string message)
    {
        var error = Assert.Single(TrainingRunValidator.Validate(Valid with { Dataset = dataset, Universe = universe }));

        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_universe_on_a_fold_or_over_the_limit_is_refused()
    {
        var tooMany = Enumerable.Range(0, TrainingRunValidator.MaxUniverse + 1).Select(i => $"blob:datasets/p/{i}.csv").ToArray();

        Assert.Contains(TrainingRunValidator.Validate(Valid with { Universe = tooMany }), e => e.Field == "universe" && e.Message.Contains("at most 32", StringComparison.Ordinal));
        var fold = new WalkForwardFold(0, 500, 100, 610, 100, 21);
        Assert.Contains(TrainingRunValidator.Validate(Valid with { Fold = fold }), e => e.Field == "universe" && e.Message.Contains("walk-forward fold", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Members_are_cut_at_the_end_of_the_run_s_training_split_and_a_member_without_bars_there_is_named()
    {
        var run = Valid with { Universe = ["aapl", "brent"] };

        var data = await DatasetLoader.LoadAsync(run, null, null, CancellationToken.None);
        var alone = await DatasetLoader.LoadAsync(run with { Universe = null }, null, null, CancellationToken.None);

        var end = data.Train.Times[^1];
        var member = Assert.Single(data.Universe);
        Assert.Equal("aapl", member.Dataset);
        var aapl = BundledData.Load("aapl");
        // Every bar up to the cut and none after it: the member's part ends where the run's training split does.
        Assert.All(member.Train.Times, t => Assert.True(t <= end, $"{t:O} after {end:O}"));
        Assert.Equal(aapl.Times.Count(t => t <= end), member.Train.Count);
        Assert.Equal(aapl.Times[0], member.Train.Times[0]);
        var note = Assert.Single(data.UniverseNotes);
        Assert.Contains("'brent' has 0 bars up to", note, StringComparison.Ordinal);
        // The universe is part of the run's data; without one the data (and its fingerprint) is what it was.
        Assert.NotEqual(alone.Fingerprint, data.Fingerprint);
        Assert.Empty(alone.Universe);
        Assert.Equal(alone.Train.Fingerprint(), data.Train.Fingerprint());
        Assert.Equal(alone.Validation.Fingerprint(), data.Validation.Fingerprint());
    }

    [Fact]
    public async Task An_episode_seed_picks_the_asset_deterministically_and_without_a_universe_draws_nothing()
    {
        var run = Valid with { StepsPerEpisode = 32 };
        var data = await DatasetLoader.LoadAsync(run, null, null, CancellationToken.None);
        var normalizer = Normalizer.Fit(MarketFeatures.Compute(data.Train, run.Features));
        var context = new CheckpointContext(run.RunId, 0, run.Dataset, data.Fingerprint, run.Features, normalizer, run.Reward, run.Arena);
        var normalizers = PrepareRunActivity.UniverseNormalizers(data, run.Features, null)!;
        var record = new RunRecord(run, 0, data.Fingerprint, normalizer, run.Features, UniverseNormalizers: normalizers);

        var picked = Enumerable.Range(0, 90).Select(seed => RunEpisodeActivity.EnvironmentFor(context, record, data, new Rng((ulong)seed)).Series.Name).ToList();
        var again = Enumerable.Range(0, 90).Select(seed => RunEpisodeActivity.EnvironmentFor(context, record, data, new Rng((ulong)seed)).Series.Name).ToList();

        Assert.Equal(picked, again);
        var counts = picked.GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(["aapl", "msft", "spy"], counts.Keys.Order());
        Assert.All(counts.Values, c => Assert.InRange(c, 15, 45));
        // Each member through its own normaliser, fitted on its own bars.
        var aapl = RunEpisodeActivity.EnvironmentFor(context, record, data, new Rng((ulong)picked.IndexOf("aapl")));
        Assert.Same(normalizers["aapl"], aapl.Normalizer);
        Assert.NotEqual(normalizer.Mean, aapl.Normalizer.Mean);

        var plain = data with { Universe = [] };
        var rng = new Rng(5);
        var environment = RunEpisodeActivity.EnvironmentFor(context, record with { UniverseNormalizers = null }, plain, rng);
        Assert.Equal("spy", environment.Series.Name);
        Assert.Equal(new Rng(5).GetState(), rng.GetState());
    }

    [Fact]
    public async Task A_universe_run_trains_end_to_end_and_a_resume_keeps_the_members_normalisers()
    {
        await using var runtime = await TestRuns.StartAsync(azurite, DurableBackendKind.Embedded);
        var run = TestRuns.Small("universe-run") with { Dataset = "spy", Universe = ["aapl", "msft", "brent"], Arena = ArenaOptions.Classic };

        var final = await TestRuns.RunToEndAsync(runtime, run);

        var view = RunService.ToView(final);
        Assert.Equal("Completed", view.Status);
        Assert.Contains(view.Result!.Notes, w => w.Contains("'brent' has 0 bars", StringComparison.Ordinal));
        var record = await runtime.Workspace.ReadRunRecordAsync(run.RunId, default);
        Assert.NotNull(record?.UniverseNormalizers);
        Assert.Equal(["aapl", "msft"], record.UniverseNormalizers.Keys.Order());
        Assert.Equal(2 * 4 * 32, (await runtime.Workspace.Replay(run.RunId).GetManifestAsync())!.LiveCount);
        Assert.NotNull(view.Result.Test);

        var resumed = await TestRuns.RunToEndAsync(runtime, run with { Resume = true, Iterations = 1 });

        Assert.Equal("Completed", RunService.ToView(resumed).Status);
        var after = await runtime.Workspace.ReadRunRecordAsync(run.RunId, default);
        Assert.Equal(record.UniverseNormalizers["aapl"].Mean, after!.UniverseNormalizers!["aapl"].Mean);
        Assert.Equal(record.UniverseNormalizers["msft"].Std, after.UniverseNormalizers["msft"].Std);
    }
}
