using Lineage.Core.Trading;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Champions;

namespace Lineage.IntegrationTests.Models;

/// <summary>The champion/challenger rule, promote and rollback on a real blob store (Azurite).</summary>
public sealed class ChampionChallengerTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string By = "run (champion/challenger rule)";

    [Fact]
    public async Task First_candidate_becomes_champion_and_the_decision_says_why()
    {
        await using var h = await StartWithRisingDataAsync();
        await h.SeedRunAsync("first", "rising", ModelsHarness.Always(TradeAction.Buy));

        var decision = await h.Challenger.ConsiderAsync("first", 16, By, default);

        Assert.True(decision.Promoted);
        Assert.Contains("no champion yet", decision.Reason, StringComparison.Ordinal);
        Assert.Null(decision.Champion);
        var pointer = await h.Champions.GetAsync("rising", default);
        Assert.Equal(("first", 16L), (pointer!.Champion.RunId, pointer.Champion.Update));
        Assert.Equal(ChampionActions.AutoPromote, pointer.LastChange.Action);
    }

    [Fact]
    public async Task Better_candidate_is_promoted_with_both_scores_recorded()
    {
        await using var h = await StartWithRisingDataAsync();
        await h.SeedRunAsync("flat-champion", "rising", ModelsHarness.Always(TradeAction.Close));
        await PromoteByHandAsync(h, "flat-champion");
        await h.SeedRunAsync("buyer", "rising", ModelsHarness.Always(TradeAction.Buy));

        var decision = await h.Challenger.ConsiderAsync("buyer", 16, By, default);

        Assert.True(decision.Promoted, decision.Reason);
        Assert.NotNull(decision.Champion);
        Assert.True(decision.Candidate.Sharpe >= decision.Champion.Sharpe + decision.Margin, $"{decision.Candidate.Sharpe} vs {decision.Champion.Sharpe}");
        Assert.Equal("flat-champion", decision.ChampionBefore!.RunId);
        var pointer = await h.Champions.GetAsync("rising", default);
        Assert.Equal("buyer", pointer!.Champion.RunId);
        Assert.Equal(["flat-champion"], pointer.Previous.Select(p => p.RunId));
        Assert.Equal(decision, await h.Champions.GetDecisionAsync("rising", "buyer", 16, default));
    }

    [Fact]
    public async Task Worse_candidate_is_refused_and_the_champion_pointer_is_untouched()
    {
        await using var h = await StartWithRisingDataAsync();
        await h.SeedRunAsync("buy-champion", "rising", ModelsHarness.Always(TradeAction.Buy));
        await PromoteByHandAsync(h, "buy-champion");
        var (_, etagBefore) = await h.Champions.ReadAsync("rising", default);
        await h.SeedRunAsync("seller", "rising", ModelsHarness.Always(TradeAction.Sell));

        var decision = await h.Challenger.ConsiderAsync("seller", 16, By, default);

        Assert.False(decision.Promoted);
        Assert.Contains("Kept as candidate", decision.Reason, StringComparison.Ordinal);
        Assert.True(decision.Candidate.Sharpe < decision.Champion!.Sharpe, $"{decision.Candidate.Sharpe} vs {decision.Champion.Sharpe}");
        var (pointer, etagAfter) = await h.Champions.ReadAsync("rising", default);
        Assert.Equal(etagBefore, etagAfter);
        Assert.Equal("buy-champion", pointer!.Champion.RunId);
        Assert.Single(await h.Champions.HistoryAsync("rising", default));
        Assert.False((await h.Champions.GetDecisionAsync("rising", "seller", 16, default))!.Promoted);
    }

    [Fact]
    public async Task Candidate_as_good_as_the_champion_is_refused_by_the_margin()
    {
        await using var h = await StartWithRisingDataAsync();
        await h.SeedRunAsync("buy-a", "rising", ModelsHarness.Always(TradeAction.Buy));
        await PromoteByHandAsync(h, "buy-a");
        await h.SeedRunAsync("buy-b", "rising", ModelsHarness.Always(TradeAction.Buy));

        var decision = await h.Challenger.ConsiderAsync("buy-b", 16, By, default);

        Assert.Equal(decision.Champion!.Sharpe, decision.Candidate.Sharpe);
        Assert.False(decision.Promoted);
        Assert.Contains("margin 0.050", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Considering_the_same_candidate_again_returns_the_recorded_decision()
    {
        await using var h = await StartWithRisingDataAsync();
        await h.SeedRunAsync("once", "rising", ModelsHarness.Always(TradeAction.Buy));
        var first = await h.Challenger.ConsiderAsync("once", 16, By, default);

        var again = await h.Challenger.ConsiderAsync("once", 16, "someone else", default);

        Assert.Equal(first, again);
        Assert.Single(await h.Champions.HistoryAsync("rising", default));
    }

    [Fact]
    public async Task Rollback_restores_the_previous_champion_and_the_history_says_who()
    {
        await using var h = await StartWithRisingDataAsync();
        await h.SeedRunAsync("old", "rising", ModelsHarness.Always(TradeAction.Close));
        await h.SeedRunAsync("new", "rising", ModelsHarness.Always(TradeAction.Buy));
        await PromoteByHandAsync(h, "old");
        await PromoteByHandAsync(h, "new");

        var response = await h.Models.RollbackAsync("rising", new RollbackRequest { By = "alice", Reason = "new one misbehaves live" }, default);

        Assert.Equal(ApiOutcome.Ok, response.Outcome);
        var pointer = await h.Champions.GetAsync("rising", default);
        Assert.Equal("old", pointer!.Champion.RunId);
        Assert.Empty(pointer.Previous);
        var history = await h.Champions.HistoryAsync("rising", default);
        Assert.Equal([ChampionActions.Promote, ChampionActions.Promote, ChampionActions.Rollback], history.Select(c => c.Action));
        Assert.Equal([1, 2, 3], history.Select(c => c.Sequence));
        Assert.Equal(("alice", "new one misbehaves live", "new"), (history[2].By, history[2].Reason, history[2].Replaced!.RunId));
    }

    [Fact]
    public async Task Rollback_without_a_previous_champion_is_refused_and_changes_nothing()
    {
        await using var h = await StartWithRisingDataAsync();
        await h.SeedRunAsync("only", "rising", ModelsHarness.Always(TradeAction.Buy));
        await PromoteByHandAsync(h, "only");
        var before = await h.ListingAsync();

        var response = await h.Models.RollbackAsync("rising", new RollbackRequest { By = "bob" }, default);

        Assert.Equal(ApiOutcome.Conflict, response.Outcome);
        Assert.Equal(before, await h.ListingAsync());
    }

    [Fact]
    public async Task Promote_without_who_is_refused_naming_the_field()
    {
        await using var h = await StartWithRisingDataAsync();
        await h.SeedRunAsync("anon", "rising", ModelsHarness.Always(TradeAction.Buy));

        var response = await h.Models.PromoteAsync("rising", new PromoteRequest { RunId = "anon", By = " " }, default);

        Assert.Equal(ApiOutcome.Invalid, response.Outcome);
        Assert.Contains(((ErrorBody)response.Body!).Fields, f => f.Field == "by");
        Assert.Null(await h.Champions.GetAsync("rising", default));
    }

    private static async Task PromoteByHandAsync(ModelsHarness h, string runId)
    {
        var response = await h.Models.PromoteAsync("rising", new PromoteRequest { RunId = runId, By = "tester", Reason = "setup" }, default);
        Assert.Equal(ApiOutcome.Ok, response.Outcome);
    }

    private async Task<ModelsHarness> StartWithRisingDataAsync()
    {
        var h = await ModelsHarness.StartAsync(azurite);
        var pushed = await h.Datasets.PushAsync("rising", ModelsHarness.Csv(600, seed: 3), "test", default);
        Assert.True(pushed.Created);
        return h;
    }
}
