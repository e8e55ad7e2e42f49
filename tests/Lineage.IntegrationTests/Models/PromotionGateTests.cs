using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Orchestration.Champions;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Models;

/// <summary>Every branch of the gate's rule (<see cref="ChampionChallenger.Decide"/>) on constructed per-bar returns; no storage.</summary>
public sealed class PromotionGateTests(ITestOutputHelper output)
{
    private const int Bars = 252;
    private static readonly ModelOptions Options = new();
    private static readonly PriceSeries Window = new("window", [.. Enumerable.Range(0, Bars + 1).Select(i => new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(i))], null, [.. Enumerable.Repeat(100.0, Bars + 1)]);

    [Fact]
    public void Zero_edge_candidates_are_promoted_at_most_at_the_confidence_level()
    {
        var rng = new Rng(16);
        var promoted = 0;
        const int candidates = 2000;
        for (var c = 0; c < candidates; c++)
        {
            var buyAndHold = Gaussian(rng, 0.0004, 0.01);
            var candidate = buyAndHold.Select(r => r + (0.005 * rng.NextGaussian())).ToArray();
            promoted += ChampionChallenger.Decide(Evaluation(candidate, buyAndHold), Options, null, Window).Promoted ? 1 : 0;
        }

        output.WriteLine($"gate decision on {candidates} zero-edge candidates (252 bars, confidence {Options.PromotionConfidence}): {promoted} promoted = {(double)promoted / candidates:P2}");
        Assert.True(promoted <= 0.06 * candidates, $"{promoted}/{candidates} zero-edge candidates promoted");
    }

    [Fact]
    public void Candidate_with_a_clear_edge_is_promoted()
    {
        var rng = new Rng(3);
        var buyAndHold = Gaussian(rng, 0.0004, 0.01);
        var candidate = buyAndHold.Select(r => r + 0.002 + (0.005 * rng.NextGaussian())).ToArray();

        var verdict = ChampionChallenger.Decide(Evaluation(candidate, buyAndHold), Options, null, Window);

        Assert.True(verdict.Promoted, verdict.Reason);
        Assert.Null(verdict.FailedTest);
    }

    [Fact]
    public void Bankrupt_candidate_is_refused_first()
    {
        var rng = new Rng(3);
        var buyAndHold = Gaussian(rng, 0.0004, 0.01);
        var candidate = buyAndHold.Select(r => r + 0.002).ToArray();

        var verdict = ChampionChallenger.Decide(Evaluation(candidate, buyAndHold) with { Candidate = Score(0.2) with { Bankrupt = true, HitFloorAt = 100 } }, Options, null, Window);

        Assert.Equal(GateTests.Bankrupt, verdict.FailedTest);
        Assert.Contains("bankruptcy floor on the test window at 2024-04-10", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Candidate_whose_drawdown_is_too_much_worse_than_buy_and_holds_is_refused()
    {
        var rng = new Rng(3);
        var buyAndHold = Gaussian(rng, 0.0004, 0.01);
        var candidate = buyAndHold.Select(r => r + 0.002 + (0.005 * rng.NextGaussian())).ToArray();

        var verdict = ChampionChallenger.Decide(Evaluation(candidate, buyAndHold) with { Candidate = Score(0.31) }, Options, null, Window);

        Assert.False(verdict.Promoted);
        Assert.Equal(GateTests.Drawdown, verdict.FailedTest);
        Assert.Contains("max drawdown 31.0% is worse than buy-and-hold's 20.0% by more than the margin 10.0%", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Candidate_no_better_than_the_champion_is_refused_naming_the_champion_test()
    {
        var rng = new Rng(5);
        var buyAndHold = Gaussian(rng, 0.0004, 0.01);
        var champion = buyAndHold.Select(r => r + 0.002 + (0.005 * rng.NextGaussian())).ToArray();
        var candidate = champion.Select(r => r + (0.003 * rng.NextGaussian())).ToArray();
        var pointer = new ChampionPointer("m", 1, new ModelEntry("champ", 16, "c", "s", "d", "f"), [], null!);

        var verdict = ChampionChallenger.Decide(Evaluation(candidate, buyAndHold) with { Champion = Score(0.1), ChampionReturns = champion }, Options, pointer, Window);

        Assert.True(verdict.VsBuyAndHold.Passed, verdict.Reason);
        Assert.Equal(GateTests.BeatsChampion, verdict.FailedTest);
        Assert.Contains("run 'champ' update 16", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains($"over {Bars} bars, 2024-01-01 to 2024-09-09, after fees", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_outside_their_ranges_are_refused_naming_the_setting()
    {
        var result = new ModelOptionsValidator().Validate(null, new ModelOptions { PromotionConfidence = 0.4, MaxDrawdownMargin = -0.1 });

        Assert.True(result.Failed);
        Assert.Contains("Lineage:Models:PromotionConfidence is 0.4", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Lineage:Models:MaxDrawdownMargin is -0.1", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new ModelOptionsValidator().Validate(null, new ModelOptions()).Succeeded);
    }

    private static GateEvaluation Evaluation(double[] candidate, double[] buyAndHold) =>
        new(Score(0.1), null, Score(0.2), candidate, null, buyAndHold, 0);

    private static PolicyScore Score(double maxDrawdown) => new(1, 0.1, maxDrawdown, 3, false, Bars);

    private static double[] Gaussian(Rng rng, double mean, double sd) => [.. Enumerable.Range(0, Bars).Select(_ => mean + (sd * rng.NextGaussian()))];
}
