using System.Globalization;
using Lineage.Core.Episodes;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Champions;

/// <summary>
/// The champion/challenger rule. A finished run's selected checkpoint (the candidate) and the model's
/// champion are both played greedily over the candidate run's test split — the newest window of its data,
/// never seen in training or selection — from the same first bar, with the candidate run's fees and capital.
/// The candidate is promoted when it is not bankrupt and its annualised Sharpe ratio after fees is at least
/// the champion's plus <see cref="ModelOptions.PromotionMargin"/>; with no champion yet, it is promoted.
/// Every decision is recorded with both scores and the reason.
/// </summary>
public sealed class ChampionChallenger(RunWorkspace workspace, ChampionStore champions, ModelOptions options, ILogger<ChampionChallenger> logger, TimeProvider? timeProvider = null)
{
    public const string Metric = "sharpe-after-fees (annualised, greedy, test split of the candidate run)";

    private const int MaxAttempts = 5;
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Decides on run <paramref name="runId"/>'s checkpoint <paramref name="update"/>; idempotent (a retry returns the recorded decision).</summary>
    public async Task<PromotionDecision> ConsiderAsync(string runId, long update, string decidedBy, CancellationToken cancellationToken)
    {
        var record = await workspace.GetRunAsync(runId, cancellationToken);
        var model = ModelNames.ForDataset(record.Experiment?.DatasetReference ?? record.Run.Dataset);
        if (await champions.GetDecisionAsync(model, runId, update, cancellationToken) is { } done)
        {
            return done;
        }

        var data = await workspace.GetDataAsync(record, cancellationToken);
        var window = data.Test;
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
                return await RecordEarlierPromotionAsync(record, model, runId, update, candidate, window, earlier, decidedBy, cancellationToken);
            }

            ChampionPolicy? champion = current is null ? null : await champions.LoadPolicyAsync(current.Champion, cancellationToken);
            var (candidateScore, championScore, start) = Score(candidate.Policy, candidate.Context, champion, window);

            var alreadyChampion = current is not null && current.Champion.RunId == runId && current.Champion.Update == update;
            bool promoted;
            string reason;
            if (alreadyChampion)
            {
                (promoted, reason) = (true, "The candidate is already the champion (a retry after its promotion).");
            }
            else
            {
                (promoted, reason) = Decide(candidateScore, championScore, options.PromotionMargin, current);
            }

            var decision = NewDecision(record, model, runId, update, promoted, reason, candidateScore, championScore, current?.Champion, window, start, decidedBy);

            if (promoted && !alreadyChampion)
            {
                var bytes = await LoadBytesAsync(runId, update, cancellationToken);
                var entry = await champions.CopyCheckpointAsync(model, runId, update, bytes, cancellationToken);
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
            ModelsLog.Decided(logger, model, runId, update, promoted, candidateScore.Sharpe, championScore?.Sharpe, reason);
            return decision;
        }
    }

    private async Task<PromotionDecision> RecordEarlierPromotionAsync(
        RunRecord record, string model, string runId, long update, LoadedPolicy candidate, Core.MarketData.PriceSeries window, ChampionChange earlier, string decidedBy, CancellationToken cancellationToken)
    {
        var replaced = earlier.Replaced is null ? null : await champions.LoadPolicyAsync(earlier.Replaced, cancellationToken);
        var (candidateScore, championScore, start) = Score(candidate.Policy, candidate.Context, replaced, window);
        var decision = NewDecision(record, model, runId, update, true, earlier.Reason, candidateScore, championScore, earlier.Replaced, window, start, decidedBy);
        await champions.WriteDecisionAsync(decision, cancellationToken);
        ModelsLog.Decided(logger, model, runId, update, true, candidateScore.Sharpe, championScore?.Sharpe, earlier.Reason);
        return decision;
    }

    private PromotionDecision NewDecision(
        RunRecord record,
        string model,
        string runId,
        long update,
        bool promoted,
        string reason,
        PolicyScore candidate,
        PolicyScore? champion,
        ModelEntry? championBefore,
        Core.MarketData.PriceSeries window,
        int start,
        string decidedBy) =>
        new(
            model,
            runId,
            update,
            promoted,
            reason,
            Metric,
            options.PromotionMargin,
            candidate,
            champion,
            championBefore,
            record.Run.Dataset,
            window.Fingerprint(),
            window.Times[start],
            window.Times[^1],
            _time.GetUtcNow(),
            decidedBy);

    /// <summary>The rule itself, separate from storage so it can be read (and tested) on its own.</summary>
    public static (bool Promoted, string Reason) Decide(PolicyScore candidate, PolicyScore? champion, double margin, ChampionPointer? current)
    {
        static string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
        if (candidate.Bankrupt)
        {
            return (false, $"Kept as candidate: it went bankrupt on the test window (Sharpe {F(candidate.Sharpe)}).");
        }

        if (!double.IsFinite(candidate.Sharpe))
        {
            return (false, $"Kept as candidate: its Sharpe ratio is not finite ({candidate.Sharpe}).");
        }

        if (champion is null || current is null)
        {
            return (true, $"Promoted: there was no champion yet (candidate Sharpe {F(candidate.Sharpe)}).");
        }

        var needed = champion.Sharpe + margin;
        return candidate.Sharpe >= needed
            ? (true, $"Promoted: Sharpe {F(candidate.Sharpe)} beats the champion's {F(champion.Sharpe)} (run '{current.Champion.RunId}' update {current.Champion.Update}) by {F(candidate.Sharpe - champion.Sharpe)} ≥ margin {F(margin)}.")
            : (false, $"Kept as candidate: Sharpe {F(candidate.Sharpe)} does not beat the champion's {F(champion.Sharpe)} (run '{current.Champion.RunId}' update {current.Champion.Update}) by the margin {F(margin)} (needed ≥ {F(needed)}).");
    }

    /// <summary>
    /// Plays both policies greedily over <paramref name="window"/> from the same first bar (the later of the two
    /// feature warm-ups), each through its own features and normaliser, both with the candidate's arena and reward.
    /// </summary>
    public static (PolicyScore Candidate, PolicyScore? Champion, int Start) Score(
        IQFunction candidate, CheckpointContext candidateContext, ChampionPolicy? champion, PriceSeries window)
    {
        var candidateEnv = new TradingEnvironment(window, candidateContext.Features, candidateContext.Normalizer, candidateContext.Arena, candidateContext.Reward);
        var championEnv = champion is null
            ? null
            : new TradingEnvironment(window, champion.Context.Features, champion.Context.Normalizer, candidateContext.Arena, candidateContext.Reward);
        var start = Math.Max(candidateEnv.FirstStartIndex, championEnv?.FirstStartIndex ?? 0);
        return (Play(candidateEnv, candidate, start), championEnv is null ? null : Play(championEnv, champion!.Policy, start), start);
    }

    private static PolicyScore Play(TradingEnvironment environment, IQFunction policy, int start)
    {
        var result = EpisodeRunner.Run(environment, start, int.MaxValue, policy, 0, new Rng(0), null);
        var m = result.Metrics;
        return new PolicyScore(m.Sharpe, m.Roi, m.MaxDrawdown, m.Trades, m.Bankrupt, result.Steps);
    }

    private async Task<byte[]> LoadBytesAsync(string runId, long update, CancellationToken cancellationToken)
    {
        var name = workspace.Checkpoints(runId).CheckpointBlobName(update);
        return (await workspace.Container.GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
    }
}
