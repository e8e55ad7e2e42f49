using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Statistics;
using Lineage.Orchestration.Champions;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Models;

/// <summary>Every branch of the gate's rule (<see cref="ChampionChallenger.Decide"/>) on constructed per-bar returns; no storage.</summary>
public sealed class PromotionGateTests(ITestOutputHelper output)
{
    private const int Bars = 252;
    private static readonly ModelOptions Options = new();
    private static readonly PriceSeries Window = new("window", [.. Enumerable.Range(0, Bars + 1).Select(i => new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(i))], null, [.. Enumerable.Repeat(100.0, Bars + 1)]);
    private static readonly SelectionTrials FirstTrial = SelectionTrials.One(Bars);
    private static readonly ChampionPointer Pointer = new("m", 1, new ModelEntry("champ", 16, "c", "s", "d", "f"), [], null!);

    [Fact]
    public void Zero_edge_candidates_recorded_as_trials_are_promoted_at_most_5_percent()
    {
        // 100 models × 20 consecutive zero-edge candidates (the random-walk experiment of 20 nightly candidates,
        // 100 times): each is recorded as the next trial of its model before the gate decides, as ConsiderAsync does,
        // and a promoted one becomes the champion the next candidates must also beat.
        const int models = 100;
        const int perModel = 20;
        var rng = new Rng(16);
        var promoted = 0;
        var modelsWithAPromotion = 0;
        for (var m = 0; m < models; m++)
        {
            var sharpes = new List<double>();
            double[]? champion = null;
            for (var c = 0; c < perModel; c++)
            {
                var buyAndHold = Gaussian(rng, 0.0004, 0.01);
                var candidate = buyAndHold.Select(r => r + (0.005 * rng.NextGaussian())).ToArray();
                sharpes.Add(ProbabilisticSharpe.ExcessOver(candidate, buyAndHold, "buy-and-hold", 0.95).Sharpe);
                var evaluation = Evaluation(candidate, buyAndHold);
                if (champion is not null)
                {
                    evaluation = evaluation with { Champion = Score(0.2), ChampionReturns = champion };
                }

                var verdict = ChampionChallenger.Decide(evaluation, Options, champion is null ? null : Pointer, Window, SelectionTrials.Of(sharpes, Bars));
                if (verdict.Promoted)
                {
                    promoted++;
                    champion = candidate;
                }
            }

            modelsWithAPromotion += champion is null ? 0 : 1;
        }

        const int candidates = models * perModel;
        output.WriteLine($"gate decision on {candidates} zero-edge candidates ({models} models × {perModel}, 252 bars, confidence {Options.PromotionConfidence}, deflated for each model's trials so far): " +
            $"{promoted} promoted = {(double)promoted / candidates:P2}; {modelsWithAPromotion}/{models} models ever promoted one");
        Assert.True(promoted <= 0.05 * candidates, $"{promoted}/{candidates} zero-edge candidates promoted");
    }

    [Fact]
    public void Zero_edge_first_candidates_are_promoted_at_about_the_confidence_level()
    {
        // A model's first candidate is one trial: the deflated Sharpe ratio is its PSR, a 5 % test. 2,000 of them
        // (every one the first of its model) pass at ≈ 5 % ± 0.5 % (binomial standard error): the bound leaves room for that.
        var rng = new Rng(16);
        var promoted = 0;
        const int candidates = 2000;
        for (var c = 0; c < candidates; c++)
        {
            var buyAndHold = Gaussian(rng, 0.0004, 0.01);
            var candidate = buyAndHold.Select(r => r + (0.005 * rng.NextGaussian())).ToArray();
            promoted += ChampionChallenger.Decide(Evaluation(candidate, buyAndHold), Options, null, Window, FirstTrial).Promoted ? 1 : 0;
        }

        output.WriteLine($"gate decision on {candidates} zero-edge first candidates (N = 1: DSR = PSR; 252 bars, confidence {Options.PromotionConfidence}): {promoted} promoted = {(double)promoted / candidates:P2}");
        Assert.True(promoted <= 0.06 * candidates, $"{promoted}/{candidates} zero-edge candidates promoted");
    }

    [Fact]
    public void First_candidate_with_a_clear_edge_is_promoted_with_no_champion_and_the_reason_gives_the_numbers()
    {
        var rng = new Rng(3);
        var buyAndHold = Gaussian(rng, 0.0004, 0.01);
        var candidate = buyAndHold.Select(r => r + 0.002 + (0.005 * rng.NextGaussian())).ToArray();

        var verdict = ChampionChallenger.Decide(Evaluation(candidate, buyAndHold), Options, null, Window, FirstTrial);

        Assert.True(verdict.Promoted, verdict.Reason);
        Assert.Null(verdict.FailedTest);
        Assert.Null(verdict.VsChampion);
        Assert.Equal((1, verdict.VsBuyAndHold.Psr), (verdict.VsBuyAndHold.Trials, verdict.VsBuyAndHold.Dsr!.Value));
        Assert.StartsWith("Promoted: there was no champion yet, and it beats buy-and-hold: excess Sharpe SR ", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains("(N = 1 trial of the model, V[SR] = 0.003984 (the zero-edge default 1/(bars − 1): fewer than 2 trials), E[max SR] = 0.000 per bar", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Bankrupt_candidate_is_refused_first()
    {
        var rng = new Rng(3);
        var buyAndHold = Gaussian(rng, 0.0004, 0.01);
        var candidate = buyAndHold.Select(r => r + 0.002).ToArray();

        var verdict = ChampionChallenger.Decide(Evaluation(candidate, buyAndHold) with { Candidate = Score(0.2) with { Bankrupt = true, HitFloorAt = 100 } }, Options, null, Window, FirstTrial);

        Assert.Equal(GateTests.Bankrupt, verdict.FailedTest);
        Assert.Contains("bankruptcy floor on the test window at 2024-04-10", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Candidate_whose_scores_are_not_finite_is_refused()
    {
        var rng = new Rng(3);
        var buyAndHold = Gaussian(rng, 0.0004, 0.01);
        var candidate = buyAndHold.Select(r => r + 0.002).ToArray();

        var verdict = ChampionChallenger.Decide(Evaluation(candidate, buyAndHold) with { Candidate = Score(0.2) with { Sharpe = double.NaN } }, Options, null, Window, FirstTrial);

        Assert.False(verdict.Promoted);
        Assert.Equal(GateTests.NotFinite, verdict.FailedTest);
    }

    [Fact]
    public void Candidate_no_better_than_buy_and_hold_is_refused_naming_the_test_and_its_numbers()
    {
        var rng = new Rng(8);
        var buyAndHold = Gaussian(rng, 0.0004, 0.01);
        var candidate = buyAndHold.Select(r => r + (0.005 * rng.NextGaussian())).ToArray();

        var verdict = ChampionChallenger.Decide(Evaluation(candidate, buyAndHold), Options, null, Window, new SelectionTrials(4, 0.002, true));

        Assert.False(verdict.Promoted);
        Assert.Equal(GateTests.BeatsBuyAndHold, verdict.FailedTest);
        Assert.Equal((4, 0.002), (verdict.VsBuyAndHold.Trials, verdict.VsBuyAndHold.TrialSharpeVariance));
        Assert.Contains("does not beat buy-and-hold significantly: excess Sharpe SR ", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains("(N = 4 trials of the model, V[SR] = 0.002, E[max SR] = ", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains($"over {Bars} bars, 2024-01-01 to 2024-09-09, after fees", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Candidate_that_passes_as_a_first_trial_is_refused_as_a_tenth()
    {
        // An excess series with PSR ≈ 0.99 (SR ≈ 0.15 per bar): enough as the model's first trial, not as its tenth
        // when zero-edge trials scatter by 1/(n − 1) (E[max SR] ≈ 0.099 per bar: it needs ≈ 0.204).
        var rng = new Rng(21);
        var buyAndHold = Gaussian(rng, 0.0004, 0.01);
        var noise = Enumerable.Range(0, Bars).Select(_ => rng.NextGaussian()).ToArray();
        var mean = noise.Average();
        var sd = Math.Sqrt(noise.Sum(x => (x - mean) * (x - mean)) / (Bars - 1));
        var candidate = buyAndHold.Select((r, i) => r + (0.005 * (((noise[i] - mean) / sd) + 0.15))).ToArray();

        var first = ChampionChallenger.Decide(Evaluation(candidate, buyAndHold), Options, null, Window, FirstTrial);
        var tenth = ChampionChallenger.Decide(Evaluation(candidate, buyAndHold), Options, null, Window, new SelectionTrials(10, 1.0 / (Bars - 1), true));

        Assert.True(first.Promoted, first.Reason);
        Assert.False(tenth.Promoted, tenth.Reason);
        Assert.Equal(GateTests.BeatsBuyAndHold, tenth.FailedTest);
        Assert.Equal(first.VsBuyAndHold.Psr, tenth.VsBuyAndHold.Psr);
        Assert.Equal(DeflatedSharpe.ExpectedMaximumSharpe(10, 1.0 / (Bars - 1)), tenth.VsBuyAndHold.ExpectedMaxSharpe);
        Assert.True(tenth.VsBuyAndHold.Dsr < 0.95 && first.VsBuyAndHold.Dsr >= 0.95, $"DSR first {first.VsBuyAndHold.Dsr}, tenth {tenth.VsBuyAndHold.Dsr}");
    }

    [Fact]
    public void Candidate_whose_drawdown_is_too_much_worse_than_buy_and_holds_is_refused()
    {
        var rng = new Rng(3);
        var buyAndHold = Gaussian(rng, 0.0004, 0.01);
        var candidate = buyAndHold.Select(r => r + 0.002 + (0.005 * rng.NextGaussian())).ToArray();

        var verdict = ChampionChallenger.Decide(Evaluation(candidate, buyAndHold) with { Candidate = Score(0.31) }, Options, null, Window, FirstTrial);

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

        var verdict = ChampionChallenger.Decide(Evaluation(candidate, buyAndHold) with { Champion = Score(0.1), ChampionReturns = champion }, Options, Pointer, Window, new SelectionTrials(2, 0.001, true));

        Assert.True(verdict.VsBuyAndHold.Passed, verdict.Reason);
        Assert.Equal(GateTests.BeatsChampion, verdict.FailedTest);
        Assert.Equal(2, verdict.VsChampion!.Trials);
        Assert.Contains("but not the champion (run 'champ' update 16) significantly: excess Sharpe SR ", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains($"over {Bars} bars, 2024-01-01 to 2024-09-09, after fees", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Candidate_that_beats_buy_and_hold_and_the_champion_is_promoted()
    {
        var rng = new Rng(6);
        var buyAndHold = Gaussian(rng, 0.0004, 0.01);
        var champion = buyAndHold.Select(r => r + (0.005 * rng.NextGaussian())).ToArray();
        var candidate = buyAndHold.Select(r => r + 0.003 + (0.004 * rng.NextGaussian())).ToArray();

        var verdict = ChampionChallenger.Decide(Evaluation(candidate, buyAndHold) with { Champion = Score(0.1), ChampionReturns = champion }, Options, Pointer, Window, new SelectionTrials(3, 1.0 / (Bars - 1), true));

        Assert.True(verdict.Promoted, verdict.Reason);
        Assert.Null(verdict.FailedTest);
        Assert.True(verdict.VsChampion!.Dsr >= 0.95 && verdict.VsBuyAndHold.Dsr >= 0.95, verdict.Reason);
        Assert.StartsWith("Promoted: it beats buy-and-hold (excess Sharpe SR ", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains("and the champion (run 'champ' update 16) (excess Sharpe SR ", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_outside_their_ranges_are_refused_naming_the_setting()
    {
        var result = new ModelOptionsValidator().Validate(null, new ModelOptions { PromotionConfidence = 0.4, MaxDrawdownMargin = -0.1, WithoutChampion = (NoChampionFallback)7 });

        Assert.True(result.Failed);
        Assert.Contains("Lineage:Models:PromotionConfidence is 0.4", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Lineage:Models:MaxDrawdownMargin is -0.1", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Lineage:Models:WithoutChampion is 7", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new ModelOptionsValidator().Validate(null, new ModelOptions()).Succeeded);
    }

    private static GateEvaluation Evaluation(double[] candidate, double[] buyAndHold) =>
        new(Score(0.1), null, Score(0.2), candidate, null, buyAndHold, 0);

    private static PolicyScore Score(double maxDrawdown) => new(1, 0.1, maxDrawdown, 3, false, Bars);

    private static double[] Gaussian(Rng rng, double mean, double sd) => [.. Enumerable.Range(0, Bars).Select(_ => mean + (sd * rng.NextGaussian()))];
}
