using Lineage.Core.Trading;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Datasets;

namespace Lineage.IntegrationTests.Models;

/// <summary>The gate plays a champion through its own action set, whatever the candidate's, under the candidate's costs.</summary>
public sealed class GateActionSetTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task A_classic_candidate_is_scored_against_a_target_exposure_champion_holding_its_own_targets()
    {
        await using var h = await ModelsHarness.StartAsync(azurite);
        await h.Datasets.PushAsync("live", ModelsHarness.Csv(300, seed: 9), "test", default);
        var targets = new ArenaOptions { Actions = ActionSet.TargetExposure, TargetExposures = [0, 0.5, 1], LongOnly = true };
        var championContext = await h.SeedRunAsync("champ", "live", ModelsHarness.AlwaysOutput(2, 3), arena: targets);
        var candidateContext = await h.SeedRunAsync("cand", "live", ModelsHarness.Always(TradeAction.Buy));
        var window = await DatasetLoader.LoadSeriesAsync("blob:" + DatasetRegistry.BlobName("live", 1), h.Container, 100, default);
        var champion = new ChampionPolicy(new ModelEntry("champ", 16, "c", "0", "live", "f"), ModelsHarness.AlwaysOutput(2, 3), championContext);

        var gate = ChampionChallenger.Score(ModelsHarness.Always(TradeAction.Buy), candidateContext, champion, window);

        // Always fully long through either set: the same single entry as buy-and-hold, the same return.
        Assert.Equal(gate.BuyAndHold.Return, gate.Candidate.Return, 9);
        Assert.Equal(gate.BuyAndHold.Return, gate.Champion!.Return, 9);
        Assert.Equal(1, gate.Champion.Trades);
    }
}
