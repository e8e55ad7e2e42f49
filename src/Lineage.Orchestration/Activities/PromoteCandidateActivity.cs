using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Experiments;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.DurableTask;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// The last step of a completed run: apply the champion/challenger rule to the run's candidate and write the
/// run's final record (<c>runs/{id}/final.json</c>). Idempotent on retry. Run retention is a separate activity.
/// </summary>
public sealed class PromoteCandidateActivity(ChampionChallenger challenger, RunWorkspace workspace, TimeProvider? timeProvider = null)
    : TaskActivity<PromotionInput, PromotionOutcome>
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public override Task<PromotionOutcome> RunAsync(TaskActivityContext context, PromotionInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<PromotionOutcome> ExecuteAsync(PromotionInput input, CancellationToken cancellationToken)
    {
        await using var hold = await workspace.Locks.HoldAsync(input.RunId, cancellationToken);
        var decision = await challenger.ConsiderAsync(input.RunId, input.CheckpointUpdate, $"run {input.RunId} (champion/challenger rule)", cancellationToken);
        CrashPoints.Reach(CrashPoints.PromoteAfterDecision, input.RunId);
        await workspace.WriteJsonAsync(
            RunBlobs.Final(input.RunId),
            new RunFinal(input.RunId, input.CheckpointUpdate, input.BestValidation, input.Test, decision, _time.GetUtcNow()),
            cancellationToken);
        CrashPoints.Reach(CrashPoints.PromoteAfterFinal, input.RunId);
        return new PromotionOutcome(decision.Model, decision.Promoted, decision.Reason, decision.Candidate.Sharpe, decision.Champion?.Sharpe);
    }
}
