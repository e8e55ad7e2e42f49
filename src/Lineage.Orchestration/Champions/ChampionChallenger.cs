using System.Globalization;
using Lineage.Core.Episodes;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Statistics;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Champions;

/// <summary>The window played by the gate: every policy's score and per-bar returns over the same bars from <see cref="Start"/>.</summary>
public sealed record GateEvaluation(
    PolicyScore Candidate,
    PolicyScore? Champion,
    PolicyScore BuyAndHold,
    double[] CandidateReturns,
    double[]? ChampionReturns,
    double[] BuyAndHoldReturns,
    int Start);

/// <summary>What the gate decided and the significance tests it computed (the champion test only when there is one).</summary>
public sealed record GateVerdict(bool Promoted, string Reason, string? FailedTest, SharpeSignificance VsBuyAndHold, SharpeSignificance? VsChampion);

/// <summary>
/// The champion/challenger gate. A finished run's selected checkpoint (the candidate), buy-and-hold and the
/// model's champion are all played greedily over the model's promotion window (<see cref="ModelSplitStore"/>: the newest
/// bars of its data, which no run of the model trains, selects or reports on; on a synthetic market its own generated
/// series) from the same first bar to its last, with the candidate run's fees and capital. Every candidate is first recorded as one trial of its model (<see cref="TrialStore"/>, once per run and
/// checkpoint), with its per-bar excess Sharpe over buy-and-hold; N is then its place among the model's trials and
/// V[SR] the variance of their excess Sharpe ratios. The candidate is promoted only if, in this order: it did not
/// reach the bankruptcy floor; its per-bar excess returns over buy-and-hold have a deflated Sharpe ratio (Bailey &amp;
/// López de Prado 2014: the PSR against the Sharpe the best of N zero-edge trials reaches, E[max SR]) ≥
/// <see cref="ModelOptions.PromotionConfidence"/>; its max drawdown is at most buy-and-hold's plus
/// <see cref="ModelOptions.MaxDrawdownMargin"/>; and, when there is a champion, its excess returns over the
/// champion's pass the same deflated test (same N and V[SR]). With no champion yet it must still beat buy-and-hold.
/// A run with <c>promote: false</c> is recorded and decided the same way but never changes the champion. Every
/// decision is recorded with the scores, both tests (SR, N, V[SR], E[max SR], DSR) and the first test that failed.
/// </summary>
public sealed class ChampionChallenger(RunWorkspace workspace, ChampionStore champions, TrialStore trials, ModelOptions options, ILogger<ChampionChallenger> logger, TimeProvider? timeProvider = null)
{
    public const string Metric = "deflated Sharpe ratio (N = the model's recorded trials) of per-bar excess returns after fees vs buy-and-hold and vs the champion (greedy, the model's whole promotion window)";

    private const int MaxAttempts = 5;
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Decides on run <paramref name="runId"/>'s checkpoint <paramref name="update"/>; idempotent (a retry returns the recorded decision).</summary>
    public async Task<PromotionDecision> ConsiderAsync(string runId, long update, string decidedBy, CancellationToken cancellationToken)
    {
        var record = await workspace.GetRunAsync(runId, cancellationToken);
        var model = ModelNames.ForRun(record.Run, record.Experiment?.DatasetReference);
        if (await champions.GetDecisionAsync(model, runId, update, cancellationToken) is { } done)
        {
            return done;
        }

        var data = await workspace.GetDataAsync(record, cancellationToken);
        // The model's promotion window: bars no run of the model trains, selects or reports on. A run recorded before models
        // had splits has none; its gate falls back to its test split, scored after its read-only history like its test
        // evaluation, and the decision's window dates say which bars.
        var window = data.Promotion ?? data.Test;
        var firstBar = data.Promotion is null ? data.TestHistory : data.PromotionHistory;
        var candidate = await workspace.GetPolicyAsync(runId, update, cancellationToken);
        var decisionBlob = ChampionStore.DecisionBlob(model, runId, update);
        for (var attempt = 1; ; attempt++)
        {
            var (current, etag) = await champions.ReadAsync(model, cancellationToken);
            var history = await champions.RepairHistoryAsync(model, current, cancellationToken);
            if (history.LastOrDefault(c => c.Decision == decisionBlob) is { } earlier)
            {
                // A retry after this decision's promotion took effect (the crash came before the decision blob). Record it as
                // it was decided — even if the champion has changed since (say, a rollback): never promote it a second time.
                return await RecordEarlierPromotionAsync(record, model, runId, update, candidate, window, firstBar, earlier, decidedBy, cancellationToken);
            }

            ChampionPolicy? champion = current is null ? null : await champions.LoadPolicyAsync(current.Champion, cancellationToken);
            var evaluation = Score(candidate.Policy, candidate.Context, champion, window, firstBar);
            var selection = await RecordTrialAsync(model, runId, update, record.Run.Promote, evaluation, window, cancellationToken);
            var verdict = Decide(evaluation, options, current, window, selection);

            var alreadyChampion = current is not null && current.Champion.RunId == runId && current.Champion.Update == update;
            if (alreadyChampion)
            {
                verdict = verdict with { Promoted = true, Reason = "The candidate is already the champion (a retry after its promotion).", FailedTest = null };
            }
            else if (!record.Run.Promote)
            {
                verdict = WithoutPromotion(verdict, model, selection);
            }

            var promoted = verdict.Promoted;
            var reason = verdict.Reason;
            var decision = NewDecision(record, model, runId, update, evaluation, verdict, current?.Champion, window, decidedBy);

            if (promoted && !alreadyChampion)
            {
                var bytes = await LoadBytesAsync(runId, update, cancellationToken);
                var entry = await champions.CopyCheckpointAsync(model, runId, update, bytes, cancellationToken);
                CrashPoints.Reach(CrashPoints.ChampionAfterCopy, runId);
                try
                {
                    await champions.PromoteAsync(model, current, etag, entry, ChampionActions.AutoPromote, decidedBy, reason, decisionBlob, cancellationToken);
                }
                catch (ChampionConflictException) when (attempt < MaxAttempts)
                {
                    ModelsLog.ChampionChangedMeanwhile(logger, model, runId, attempt);
                    continue;
                }
            }

            await champions.WriteDecisionAsync(decision, cancellationToken);
            ModelsLog.Decided(logger, model, runId, update, promoted, evaluation.Candidate.Sharpe, evaluation.Champion?.Sharpe, reason);
            return decision;
        }
    }

    /// <summary>
    /// Records run <paramref name="runId"/>'s checkpoint <paramref name="update"/> as a trial of its model, scored on the model's
    /// promotion window as a candidate would be, without deciding on it: a population's members other than its candidate, so
    /// the candidate's gate is deflated for every member (a population never gets an easier gate than its members would have
    /// as runs of their own). At most once per run and checkpoint; returns the trial's place among the model's trials.
    /// </summary>
    public async Task<int> RecordTrialAsync(string runId, long update, CancellationToken cancellationToken)
    {
        var record = await workspace.GetRunAsync(runId, cancellationToken);
        var model = ModelNames.ForRun(record.Run, record.Experiment?.DatasetReference);
        var data = await workspace.GetDataAsync(record, cancellationToken);
        var window = data.Promotion ?? data.Test;
        var firstBar = data.Promotion is null ? data.TestHistory : data.PromotionHistory;
        var policy = await workspace.GetPolicyAsync(runId, update, cancellationToken);
        var evaluation = Score(policy.Policy, policy.Context, null, window, firstBar);
        var selection = await RecordTrialAsync(model, runId, update, promote: false, evaluation, window, cancellationToken);
        return selection.Count;
    }

    /// <summary>
    /// Records the candidate as a trial of <paramref name="model"/> (at most once: a retry finds its line) and returns
    /// the selection its decision is deflated for: the model's trials up to and including this one.
    /// </summary>
    private async Task<SelectionTrials> RecordTrialAsync(
        string model, string runId, long update, bool promote, GateEvaluation evaluation, PriceSeries window, CancellationToken cancellationToken)
    {
        var excess = ProbabilisticSharpe.ExcessOver(evaluation.CandidateReturns, evaluation.BuyAndHoldReturns, "buy-and-hold", options.PromotionConfidence);
        var (trial, upTo) = await trials.RecordAsync(model, runId, update, excess.Sharpe, excess.Bars, promote, window.Fingerprint(), cancellationToken);
        CrashPoints.Reach(CrashPoints.ChampionAfterTrial, runId);
        return TrialStore.Selection(upTo, trial);
    }

    /// <summary>A run with <c>promote: false</c>: the gate's verdict, recorded, never a promotion.</summary>
    private static GateVerdict WithoutPromotion(GateVerdict verdict, string model, SelectionTrials selection)
    {
        var trial = string.Create(CultureInfo.InvariantCulture, $"it is recorded as trial {selection.Count} of model '{model}', which counts towards the N later candidates are deflated for");
        return verdict.Promoted
            ? verdict with
            {
                Promoted = false,
                FailedTest = GateTests.PromoteDisabled,
                Reason = $"Not promoted: the run has promote: false, so it never changes the champion; {trial}. The gate would have promoted it: {verdict.Reason}",
            }
            : verdict with { Reason = $"{verdict.Reason} (The run has promote: false, so it could not have changed the champion anyway; {trial}.)" };
    }

    private async Task<PromotionDecision> RecordEarlierPromotionAsync(
        RunRecord record, string model, string runId, long update, LoadedPolicy candidate, PriceSeries window, int firstBar, ChampionChange earlier, string decidedBy, CancellationToken cancellationToken)
    {
        var replaced = earlier.Replaced is null ? null : await champions.LoadPolicyAsync(earlier.Replaced, cancellationToken);
        var evaluation = Score(candidate.Policy, candidate.Context, replaced, window, firstBar);
        var selection = await RecordTrialAsync(model, runId, update, record.Run.Promote, evaluation, window, cancellationToken);
        var verdict = Decide(evaluation, options, null, window, selection) with { Promoted = true, Reason = earlier.Reason, FailedTest = null };
        var decision = NewDecision(record, model, runId, update, evaluation, verdict, earlier.Replaced, window, decidedBy);
        await champions.WriteDecisionAsync(decision, cancellationToken);
        ModelsLog.Decided(logger, model, runId, update, true, evaluation.Candidate.Sharpe, evaluation.Champion?.Sharpe, earlier.Reason);
        return decision;
    }

    private PromotionDecision NewDecision(
        RunRecord record,
        string model,
        string runId,
        long update,
        GateEvaluation evaluation,
        GateVerdict verdict,
        ModelEntry? championBefore,
        PriceSeries window,
        string decidedBy) =>
        new(
            model,
            runId,
            update,
            verdict.Promoted,
            verdict.Reason,
            Metric,
            options.PromotionConfidence,
            options.MaxDrawdownMargin,
            evaluation.Candidate,
            evaluation.Champion,
            evaluation.BuyAndHold,
            verdict.VsBuyAndHold,
            verdict.VsChampion,
            verdict.FailedTest,
            championBefore,
            record.Run.Dataset,
            window.Fingerprint(),
            window.Times[evaluation.Start],
            window.Times[^1],
            _time.GetUtcNow(),
            decidedBy,
            record.Run.Promote);

    /// <summary>
    /// The gate itself, separate from storage so it can be read (and tested) on its own. The champion test applies
    /// when <paramref name="evaluation"/> has a champion; <paramref name="current"/> only names it. Both excess series
    /// are deflated for <paramref name="trials"/>: the model's trials up to and including this candidate.
    /// </summary>
    public static GateVerdict Decide(GateEvaluation evaluation, ModelOptions options, ChampionPointer? current, PriceSeries window, SelectionTrials trials)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(trials);
        static string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
        static string P(double v) => v.ToString("0.0%", CultureInfo.InvariantCulture);
        var confidence = options.PromotionConfidence;
        var candidate = evaluation.Candidate;
        var buyAndHold = evaluation.BuyAndHold;
        var vsBuyAndHold = DeflatedSharpe.ExcessOver(evaluation.CandidateReturns, evaluation.BuyAndHoldReturns, "buy-and-hold", confidence, trials);
        var hasChampion = evaluation.Champion is not null && evaluation.ChampionReturns is not null;
        var vsChampion = hasChampion ? DeflatedSharpe.ExcessOver(evaluation.CandidateReturns, evaluation.ChampionReturns!, "champion", confidence, trials) : null;
        var span = string.Create(CultureInfo.InvariantCulture, $"{vsBuyAndHold.Bars} bars, {window.Times[evaluation.Start]:yyyy-MM-dd} to {window.Times[^1]:yyyy-MM-dd}, after fees");
        var variance = string.Create(CultureInfo.InvariantCulture, $"V[SR] = {trials.SharpeVariance:0.######}{(trials.VarianceFromTrials ? "" : " (the zero-edge default 1/(bars − 1): fewer than 2 trials)")}");
        string Test(SharpeSignificance t) => string.Create(CultureInfo.InvariantCulture,
            $"excess Sharpe SR {F(t.Sharpe)} per bar ({F(t.Sharpe * Math.Sqrt(window.BarsPerYear))} annualised), DSR {F(t.Dsr ?? t.Psr)} {(t.Passed ? "≥" : "<")} {F(t.Confidence)} " +
            $"(N = {t.Trials} trial{(t.Trials == 1 ? "" : "s")} of the model, {variance}, E[max SR] = {F(t.ExpectedMaxSharpe)} per bar; PSR {F(t.Psr)}) over {span}");
        var championName = current is null ? "the champion" : $"the champion (run '{current.Champion.RunId}' update {current.Champion.Update})";
        GateVerdict Refuse(string test, string reason) => new(false, "Kept as candidate: " + reason, test, vsBuyAndHold, vsChampion);

        if (candidate.Bankrupt)
        {
            return Refuse(GateTests.Bankrupt, string.Create(CultureInfo.InvariantCulture, $"it reached the bankruptcy floor on the test window{(candidate.HitFloorAt is { } bar ? $" at {window.Times[bar]:yyyy-MM-dd}" : "")} (return {P(candidate.Return)}, Sharpe {F(candidate.Sharpe)})."));
        }

        if (!double.IsFinite(candidate.Sharpe) || !double.IsFinite(vsBuyAndHold.Dsr ?? double.NaN) || (vsChampion is not null && !double.IsFinite(vsChampion.Dsr ?? double.NaN)))
        {
            return Refuse(GateTests.NotFinite, $"its scores are not finite (Sharpe {candidate.Sharpe}, DSR vs buy-and-hold {vsBuyAndHold.Dsr}, vs champion {vsChampion?.Dsr}).");
        }

        if (!vsBuyAndHold.Passed)
        {
            return Refuse(GateTests.BeatsBuyAndHold, $"it does not beat buy-and-hold significantly: {Test(vsBuyAndHold)} (return {P(candidate.Return)} vs buy-and-hold's {P(buyAndHold.Return)}).");
        }

        if (candidate.MaxDrawdown > buyAndHold.MaxDrawdown + options.MaxDrawdownMargin)
        {
            return Refuse(GateTests.Drawdown, $"its max drawdown {P(candidate.MaxDrawdown)} is worse than buy-and-hold's {P(buyAndHold.MaxDrawdown)} by more than the margin {P(options.MaxDrawdownMargin)} (it beats buy-and-hold: {Test(vsBuyAndHold)}).");
        }

        if (vsChampion is null)
        {
            return new GateVerdict(true, $"Promoted: there was no champion yet, and it beats buy-and-hold: {Test(vsBuyAndHold)} (return {P(candidate.Return)} vs {P(buyAndHold.Return)}; max drawdown {P(candidate.MaxDrawdown)} vs {P(buyAndHold.MaxDrawdown)}).", null, vsBuyAndHold, null);
        }

        if (!vsChampion.Passed)
        {
            return Refuse(GateTests.BeatsChampion, $"it beats buy-and-hold ({Test(vsBuyAndHold)}) but not {championName} significantly: {Test(vsChampion)} (Sharpe {F(candidate.Sharpe)} vs the champion's {F(evaluation.Champion!.Sharpe)}).");
        }

        return new GateVerdict(true, $"Promoted: it beats buy-and-hold ({Test(vsBuyAndHold)}) and {championName} ({Test(vsChampion)}); max drawdown {P(candidate.MaxDrawdown)} vs buy-and-hold's {P(buyAndHold.MaxDrawdown)}.", null, vsBuyAndHold, vsChampion);
    }

    /// <summary>
    /// Plays the candidate, the champion and buy-and-hold over <paramref name="window"/> from the same first bar (the
    /// latest of <paramref name="firstBar"/> and the two feature warm-ups) to its last, the candidate and champion each through its own features and
    /// normaliser, all with the candidate's arena and reward (the champion keeps its own action set: its outputs mean what they were trained to). The floor flattens the candidate or champion to cash as
    /// <see cref="Core.Trading.ArenaOptions.EvaluationFloor"/> says; buy-and-hold has none.
    /// </summary>
    public static GateEvaluation Score(
        IQFunction candidate, CheckpointContext candidateContext, ChampionPolicy? champion, PriceSeries window, int firstBar = 0)
    {
        ArgumentNullException.ThrowIfNull(candidateContext);
        var candidateEnv = new TradingEnvironment(window, candidateContext.Features, candidateContext.Normalizer, candidateContext.Arena, candidateContext.Reward);
        var championEnv = champion is null
            ? null
            : new TradingEnvironment(window, champion.Context.Features, champion.Context.Normalizer, candidateContext.Arena.WithActionsOf(champion.Context.Arena), candidateContext.Reward);
        var start = Math.Max(firstBar, Math.Max(candidateEnv.FirstStartIndex, championEnv?.FirstStartIndex ?? 0));
        var (candidateScore, candidateReturns) = Play(candidateEnv, candidate, start);
        var (championScore, championReturns) = championEnv is null ? (null, null) : Play(championEnv, champion!.Policy, start);
        var (buyAndHold, buyAndHoldCurve) = Evaluator.RunBuyAndHold(candidateEnv, start);
        var buyAndHoldReturns = Evaluator.PerBarReturns(buyAndHoldCurve);
        candidateScore = candidateScore with { CorrelationWithBuyAndHold = Correlation.Pearson(candidateReturns, buyAndHoldReturns) };
        championScore = championScore is null ? null : championScore with { CorrelationWithBuyAndHold = Correlation.Pearson(championReturns, buyAndHoldReturns) };
        return new GateEvaluation(candidateScore, championScore, ToScore(buyAndHold), candidateReturns, championReturns, buyAndHoldReturns, start);
    }

    private static (PolicyScore Score, double[] Returns) Play(TradingEnvironment environment, IQFunction policy, int start)
    {
        var result = EpisodeRunner.Run(environment, start, int.MaxValue, policy, 0, new Rng(0), null, environment.Arena.Options.EvaluationFloor);
        return (ToScore(result), Evaluator.PerBarReturns(environment.EquityCurve));
    }

    private static PolicyScore ToScore(EpisodeResult result)
    {
        var m = result.Metrics;
        return new PolicyScore(m.Sharpe, m.Roi, m.MaxDrawdown, m.Trades, m.Bankrupt, result.Steps, m.HitFloorAt, m.TimeLong, m.TimeShort, m.MeanAbsExposure);
    }

    private async Task<byte[]> LoadBytesAsync(string runId, long update, CancellationToken cancellationToken)
    {
        var name = workspace.Checkpoints(runId).CheckpointBlobName(update);
        return (await workspace.Container.GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
    }
}
