using Lineage.Core.Trading;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Microsoft.Extensions.DependencyInjection;

namespace Lineage.IntegrationTests.Models;

/// <summary>A resumed run that would outgrow checkpoint or shard names is refused before it starts, not in its middle.</summary>
public sealed class ResumeBoundsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Resume_that_would_pass_the_last_nameable_update_is_refused_at_prepare_and_writes_nothing()
    {
        await using var h = await ModelsHarness.StartAsync(azurite);
        await h.Datasets.PushAsync("rising", ModelsHarness.Csv(600, seed: 3), "test", default);
        await h.SeedRunAsync("old-nightly", "rising", ModelsHarness.Always(TradeAction.Buy), update: 9_999_999_990);
        var before = await h.ListingAsync();
        var prepare = h.Services.GetRequiredService<PrepareRunActivity>();
        var run = new TrainingRun { RunId = "old-nightly", Dataset = DatasetReferences.Registry + "rising", StepsPerEpisode = 32, Seed = 5, Resume = true, Iterations = 1, UpdatesPerIteration = 16 };

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => prepare.ExecuteAsync(new PrepareInput(run, "a"), default));

        Assert.Contains("beyond the last update a checkpoint can be named", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, await h.ListingAsync());
    }

    [Fact]
    public async Task Resume_that_changes_the_action_set_is_refused_at_prepare_and_writes_nothing()
    {
        await using var h = await ModelsHarness.StartAsync(azurite);
        await h.Datasets.PushAsync("rising", ModelsHarness.Csv(600, seed: 3), "test", default);
        await h.SeedRunAsync("classic", "rising", ModelsHarness.Always(TradeAction.Buy));
        var before = await h.ListingAsync();
        var prepare = h.Services.GetRequiredService<PrepareRunActivity>();
        var run = new TrainingRun
        {
            RunId = "classic", Dataset = DatasetReferences.Registry + "rising", StepsPerEpisode = 32, Seed = 5, Resume = true, Iterations = 1, UpdatesPerIteration = 16,
            Arena = ArenaOptions.Classic with { Actions = ActionSet.TargetExposure },
        };

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => prepare.ExecuteAsync(new PrepareInput(run, "a"), default));

        Assert.Contains("was trained with arena.actions Classic (4 outputs); a resume must keep them (got TargetExposure [target:-1, target:-0.5, target:0, target:0.5, target:1])", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, await h.ListingAsync());
    }
}
