using Lineage.Core.Trading;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Experiments;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Lineage.IntegrationTests.Models;

/// <summary>The champion/challenger gate, promote and rollback on a real blob store (Azurite).</summary>
public sealed class ChampionChallengerTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string By = "run (champion/challenger rule)";

    [Fact]
    public async Task First_candidate_with_real_edge_becomes_champion_and_the_decision_says_why()
    {
        await using var h = await StartWithRegimeDataAsync();
        await h.SeedRunAsync("first", "regimes", ModelsHarness.Trend());

        var decision = await h.Challenger.ConsiderAsync("first", 16, By, default);

        Assert.True(decision.Promoted, decision.Reason);
        Assert.Contains("no champion yet", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("beats buy-and-hold", decision.Reason, StringComparison.Ordinal);
        Assert.Null(decision.Champion);
        Assert.Null(decision.FailedTest);
        Assert.True(decision.VsBuyAndHold!.Psr >= decision.Confidence, $"PSR {decision.VsBuyAndHold.Psr}");
        Assert.Equal(decision.Candidate.Steps, decision.VsBuyAndHold.Bars);
        Assert.Equal(decision.Candidate.Steps, decision.BuyAndHold!.Steps);
        var pointer = await h.Champions.GetAsync("regimes", default);
        Assert.Equal(("first", 16L), (pointer!.Champion.RunId, pointer.Champion.Update));
        Assert.Equal(ChampionActions.AutoPromote, pointer.LastChange.Action);
    }

    [Fact]
    public async Task First_candidate_that_loses_to_buy_and_hold_is_refused_even_with_no_champion()
    {
        await using var h = await StartWithRisingDataAsync();
        await h.SeedRunAsync("flat", "rising", ModelsHarness.Always(TradeAction.Close));

        var decision = await h.Challenger.ConsiderAsync("flat", 16, By, default);

        Assert.False(decision.Promoted);
        Assert.Equal(GateTests.BeatsBuyAndHold, decision.FailedTest);
        Assert.Contains("does not beat buy-and-hold", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("PSR", decision.Reason, StringComparison.Ordinal);
        Assert.True(decision.VsBuyAndHold!.Sharpe < 0, $"excess Sharpe {decision.VsBuyAndHold.Sharpe}");
        Assert.Null(await h.Champions.GetAsync("rising", default));
    }

    [Fact]
    public async Task Copy_of_buy_and_hold_is_refused_it_has_no_edge()
    {
        await using var h = await StartWithRisingDataAsync();
        await h.SeedRunAsync("buyer", "rising", ModelsHarness.Always(TradeAction.Buy));

        var decision = await h.Challenger.ConsiderAsync("buyer", 16, By, default);

        Assert.False(decision.Promoted);
        Assert.Equal(GateTests.BeatsBuyAndHold, decision.FailedTest);
        Assert.Equal((0.0, 0.5), (decision.VsBuyAndHold!.Sharpe, decision.VsBuyAndHold.Psr));
    }

    [Fact]
    public async Task Better_candidate_is_promoted_with_every_score_recorded()
    {
        await using var h = await StartWithRegimeDataAsync();
        await h.SeedRunAsync("long-only", "regimes", ModelsHarness.Trend());
        await PromoteByHandAsync(h, "long-only", "regimes");
        await h.SeedRunAsync("long-short", "regimes", ModelsHarness.Trend(longShort: true));

        var decision = await h.Challenger.ConsiderAsync("long-short", 16, By, default);

        Assert.True(decision.Promoted, decision.Reason);
        Assert.NotNull(decision.Champion);
        Assert.True(decision.VsChampion!.Psr >= decision.Confidence && decision.VsBuyAndHold!.Psr >= decision.Confidence, decision.Reason);
        Assert.Contains("the champion (run 'long-only' update 16)", decision.Reason, StringComparison.Ordinal);
        Assert.Equal("long-only", decision.ChampionBefore!.RunId);
        var pointer = await h.Champions.GetAsync("regimes", default);
        Assert.Equal("long-short", pointer!.Champion.RunId);
        Assert.Equal(["long-only"], pointer.Previous.Select(p => p.RunId));
        Assert.Equal(decision, await h.Champions.GetDecisionAsync("regimes", "long-short", 16, default));
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
    public async Task Candidate_that_beats_buy_and_hold_but_not_the_champion_is_refused()
    {
        await using var h = await StartWithRegimeDataAsync();
        await h.SeedRunAsync("trend-a", "regimes", ModelsHarness.Trend());
        await PromoteByHandAsync(h, "trend-a", "regimes");
        await h.SeedRunAsync("trend-b", "regimes", ModelsHarness.Trend());

        var decision = await h.Challenger.ConsiderAsync("trend-b", 16, By, default);

        Assert.Equal(decision.Champion!.Sharpe, decision.Candidate.Sharpe);
        Assert.False(decision.Promoted);
        Assert.True(decision.VsBuyAndHold!.Passed, decision.Reason);
        Assert.Equal(GateTests.BeatsChampion, decision.FailedTest);
        Assert.Contains("not the champion (run 'trend-a' update 16)", decision.Reason, StringComparison.Ordinal);
        Assert.Equal("trend-a", (await h.Champions.GetAsync("regimes", default))!.Champion.RunId);
    }

    [Fact]
    public async Task Considering_the_same_candidate_again_returns_the_recorded_decision()
    {
        await using var h = await StartWithRegimeDataAsync();
        await h.SeedRunAsync("once", "regimes", ModelsHarness.Trend());
        var first = await h.Challenger.ConsiderAsync("once", 16, By, default);

        var again = await h.Challenger.ConsiderAsync("once", 16, "someone else", default);

        Assert.True(first.Promoted, first.Reason);
        Assert.Equal(first, again);
        Assert.Single(await h.Champions.HistoryAsync("regimes", default));
    }

    [Fact]
    public async Task Every_candidate_is_recorded_once_as_a_trial_and_the_next_is_deflated_for_both()
    {
        await using var h = await StartWithRegimeDataAsync();
        await h.SeedRunAsync("first", "regimes", ModelsHarness.Trend());
        await h.SeedRunAsync("second", "regimes", ModelsHarness.Trend(longShort: true));

        var first = await h.Challenger.ConsiderAsync("first", 16, By, default);
        await h.Challenger.ConsiderAsync("first", 16, By, default);
        var second = await h.Challenger.ConsiderAsync("second", 16, By, default);

        var trials = await h.Trials.ListAsync("regimes", default);
        Assert.Equal([(1, "first"), (2, "second")], trials.Select(t => (t.Sequence, t.RunId)));
        Assert.Equal(1, first.VsBuyAndHold!.Trials);
        Assert.Equal((2, 2), (second.VsBuyAndHold!.Trials, second.VsChampion!.Trials));
        Assert.Equal(first.VsBuyAndHold.Sharpe, trials[0].ExcessSharpe);
        Assert.Equal(second.VsBuyAndHold.Sharpe, trials[1].ExcessSharpe);
        var mean = (trials[0].ExcessSharpe + trials[1].ExcessSharpe) / 2;
        var variance = (Math.Pow(trials[0].ExcessSharpe - mean, 2) + Math.Pow(trials[1].ExcessSharpe - mean, 2)) / 1;
        Assert.Equal(variance, second.VsBuyAndHold.TrialSharpeVariance, 12);
        Assert.Equal(Core.Statistics.DeflatedSharpe.ExpectedMaximumSharpe(2, variance), second.VsBuyAndHold.ExpectedMaxSharpe, 12);
        Assert.Contains("N = 2 trials of the model", second.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_checkpoint_of_the_same_run_is_another_trial()
    {
        await using var h = await StartWithRisingDataAsync();
        await h.SeedRunAsync("run", "rising", ModelsHarness.Always(TradeAction.Close), update: 16);
        await h.SeedRunAsync("run", "rising", ModelsHarness.Always(TradeAction.Close), update: 32);

        await h.Challenger.ConsiderAsync("run", 16, By, default);
        var later = await h.Challenger.ConsiderAsync("run", 32, By, default);

        Assert.Equal([16L, 32L], (await h.Trials.ListAsync("rising", default)).Select(t => t.Update));
        Assert.Equal(2, later.VsBuyAndHold!.Trials);
    }

    [Fact]
    public async Task Retry_after_the_trial_was_recorded_but_not_the_decision_counts_the_candidate_once()
    {
        await using var h = await StartWithRisingDataAsync();
        await h.SeedRunAsync("lost", "rising", ModelsHarness.Always(TradeAction.Close));
        var first = await h.Challenger.ConsiderAsync("lost", 16, By, default);
        // The activity crashed after its trial append and before the decision blob: the retry starts from there.
        await h.Container.DeleteBlobAsync(ChampionStore.DecisionBlob("rising", "lost", 16));

        var retried = await h.Challenger.ConsiderAsync("lost", 16, By, default);

        Assert.Single(await h.Trials.ListAsync("rising", default));
        Assert.Equal(first with { DecidedAt = retried.DecidedAt }, retried);
        Assert.Equal(1, retried.VsBuyAndHold!.Trials);
    }

    [Fact]
    public async Task Retry_after_a_promotion_whose_decision_was_lost_counts_the_candidate_once()
    {
        await using var h = await StartWithRegimeDataAsync();
        await h.SeedRunAsync("promoted", "regimes", ModelsHarness.Trend());
        var first = await h.Challenger.ConsiderAsync("promoted", 16, By, default);
        await h.Container.DeleteBlobAsync(ChampionStore.DecisionBlob("regimes", "promoted", 16));

        var retried = await h.Challenger.ConsiderAsync("promoted", 16, By, default);

        Assert.True(first.Promoted && retried.Promoted, retried.Reason);
        Assert.Single(await h.Trials.ListAsync("regimes", default));
        Assert.Single(await h.Champions.HistoryAsync("regimes", default));
        Assert.Equal(1, retried.VsBuyAndHold!.Trials);
    }

    [Fact]
    public async Task Run_with_promote_false_is_recorded_as_a_trial_and_never_changes_the_champion()
    {
        await using var h = await StartWithRegimeDataAsync();
        await h.SeedRunAsync("experiment", "regimes", ModelsHarness.Trend(), promote: false);
        await h.SeedRunAsync("nightly", "regimes", ModelsHarness.Trend(longShort: true));

        var experiment = await h.Challenger.ConsiderAsync("experiment", 16, By, default);
        Assert.Null(await h.Champions.GetAsync("regimes", default));
        var nightly = await h.Challenger.ConsiderAsync("nightly", 16, By, default);

        Assert.False(experiment.Promoted);
        Assert.False(experiment.Promote);
        Assert.Equal(GateTests.PromoteDisabled, experiment.FailedTest);
        Assert.True(experiment.VsBuyAndHold!.Passed, experiment.Reason);
        Assert.StartsWith("Not promoted: the run has promote: false, so it never changes the champion; it is recorded as trial 1 of model 'regimes'", experiment.Reason, StringComparison.Ordinal);
        Assert.Contains("The gate would have promoted it: Promoted: there was no champion yet", experiment.Reason, StringComparison.Ordinal);
        Assert.Equal([(1, false), (2, true)], (await h.Trials.ListAsync("regimes", default)).Select(t => (t.Sequence, t.Promote)));
        Assert.Equal(2, nightly.VsBuyAndHold!.Trials);
        Assert.Null(nightly.Champion);
        Assert.Equal(nightly.Promoted ? "nightly" : null, (await h.Champions.GetAsync("regimes", default))?.Champion.RunId);
    }

    [Fact]
    public async Task Run_with_promote_false_that_fails_the_gate_names_the_test_and_says_it_could_not_promote()
    {
        await using var h = await StartWithRisingDataAsync();
        await h.SeedRunAsync("flat", "rising", ModelsHarness.Always(TradeAction.Close), promote: false);

        var decision = await h.Challenger.ConsiderAsync("flat", 16, By, default);

        Assert.False(decision.Promoted);
        Assert.Equal(GateTests.BeatsBuyAndHold, decision.FailedTest);
        Assert.EndsWith("(The run has promote: false, so it could not have changed the champion anyway; it is recorded as trial 1 of model 'rising', which counts towards the N later candidates are deflated for.)", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Final_record_of_a_run_with_promote_false_says_it_was_not_promoted()
    {
        await using var h = await StartWithRegimeDataAsync();
        await h.SeedRunAsync("experiment", "regimes", ModelsHarness.Trend(), promote: false);
        var activity = h.Services.GetRequiredService<PromoteCandidateActivity>();
        var test = new EvaluateOutput("test", 1, 16, 0.1, 1, 0.1, 3, 0.05, 0, 0, 0, null);

        var outcome = await activity.ExecuteAsync(new PromotionInput("experiment", 16, test, null), default);

        var final = await h.Workspace.ReadJsonAsync<RunFinal>(RunBlobs.Final("experiment"), default);
        Assert.False(outcome.Promoted);
        Assert.Equal((false, false, GateTests.PromoteDisabled), (final!.Decision.Promoted, final.Decision.Promote, final.Decision.FailedTest));
        Assert.Contains("promote: false", final.Decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_with_a_model_name_is_a_trial_of_that_model_and_competes_for_its_champion()
    {
        await using var h = await StartWithRegimeDataAsync();
        await h.SeedRunAsync("named", "regimes", ModelsHarness.Trend(), model: "regimes-research");

        var decision = await h.Challenger.ConsiderAsync("named", 16, By, default);

        Assert.Equal("regimes-research", decision.Model);
        Assert.Single(await h.Trials.ListAsync("regimes-research", default));
        Assert.Empty(await h.Trials.ListAsync("regimes", default));
        Assert.Null(await h.Champions.GetAsync("regimes", default));
        Assert.Equal(decision.Promoted, await h.Champions.GetAsync("regimes-research", default) is not null);
    }

    [Fact]
    public async Task Promotion_by_hand_is_logged_as_an_override_of_the_gate()
    {
        await using var h = await StartWithRisingDataAsync();
        await h.SeedRunAsync("refused", "rising", ModelsHarness.Always(TradeAction.Close));
        await h.SeedRunAsync("undecided", "rising", ModelsHarness.Always(TradeAction.Buy));
        var refused = await h.Challenger.ConsiderAsync("refused", 16, By, default);

        await PromoteByHandAsync(h, "refused");
        await PromoteByHandAsync(h, "undecided");

        var history = await h.Champions.HistoryAsync("rising", default);
        Assert.False(refused.Promoted);
        Assert.Equal([ChampionActions.Promote, ChampionActions.Promote], history.Select(c => c.Action));
        Assert.StartsWith("setup [override of the champion/challenger gate: the gate had not promoted it (excess-sharpe-vs-buy-and-hold: Kept as candidate:", history[0].Reason, StringComparison.Ordinal);
        Assert.Equal(ChampionStore.DecisionBlob("rising", "refused", 16), history[0].Decision);
        Assert.Equal("setup [override of the champion/challenger gate: the gate has not decided on this checkpoint]", history[1].Reason);
        Assert.Null(history[1].Decision);
        Assert.Single(await h.Trials.ListAsync("rising", default));
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

    private static async Task PromoteByHandAsync(ModelsHarness h, string runId, string model = "rising")
    {
        var response = await h.Models.PromoteAsync(model, new PromoteRequest { RunId = runId, By = "tester", Reason = "setup" }, default);
        Assert.Equal(ApiOutcome.Ok, response.Outcome);
    }

    private async Task<ModelsHarness> StartWithRisingDataAsync()
    {
        var h = await ModelsHarness.StartAsync(azurite);
        var pushed = await h.Datasets.PushAsync("rising", ModelsHarness.Csv(600, seed: 3), "test", default);
        Assert.True(pushed.Created);
        return h;
    }

    private async Task<ModelsHarness> StartWithRegimeDataAsync()
    {
        var h = await ModelsHarness.StartAsync(azurite);
        var pushed = await h.Datasets.PushAsync("regimes", ModelsHarness.RegimeCsv(600, seed: 3), "test", default);
        Assert.True(pushed.Created);
        return h;
    }
}
