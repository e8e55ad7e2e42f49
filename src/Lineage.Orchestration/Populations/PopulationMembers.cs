using Lineage.Core.Episodes;
using Lineage.Orchestration.Training;
using Lineage.Storage;

namespace Lineage.Orchestration.Populations;

/// <summary>What a population's activities read of its members' runs, and the exploit step as the lineage record plans it.</summary>
public static class PopulationMembers
{
    /// <summary>The checkpoint update of a member that has none (it failed before its first checkpoint).</summary>
    public const long NoCheckpoint = -1;

    /// <summary>
    /// Member <paramref name="member"/>'s latest checkpoint and that checkpoint's validation return after fees (the training
    /// orchestration evaluates each round's last iteration); a member without that evaluation scores null and ranks last, and
    /// a member without any checkpoint has update <see cref="NoCheckpoint"/>.
    /// </summary>
    public static async Task<MemberScore> ScoreAsync(RunWorkspace workspace, PopulationRequest request, int member, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(request);
        var runId = request.MemberRunId(member);
        if (await workspace.Checkpoints(runId).GetLatestUpdateAsync(cancellationToken) is not { } latest)
        {
            return new MemberScore(member, runId, NoCheckpoint, null);
        }

        var report = await workspace.ReadJsonAsync<EvaluationReport>(RunBlobs.Evaluation(runId, latest, Splits.Validation), cancellationToken);
        return new MemberScore(member, runId, latest, report?.Agent.Roi);
    }

    public static async Task<IReadOnlyList<MemberScore>> ScoreAllAsync(RunWorkspace workspace, PopulationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var scores = new List<MemberScore>();
        for (var member = 0; member < request.Members; member++)
        {
            scores.Add(await ScoreAsync(workspace, request, member, cancellationToken));
        }

        return scores;
    }

    /// <summary>
    /// Carries out one exploit event of the lineage record: the recipient's checkpoint <see cref="LineageEvent.CheckpointUpdate"/>
    /// becomes the donor's checkpoint <see cref="LineageEvent.DonorUpdate"/>, with a copy of the donor's replay window. Done once:
    /// a recipient whose latest checkpoint is already that update has it (the checkpoint is written last), so a retried round
    /// or a crashed population's next attempt finishes what the record planned and never copies twice.
    /// </summary>
    public static async Task ApplyExploitAsync(RunWorkspace workspace, PopulationRequest request, LineageEvent exploit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(exploit);
        if (exploit is not { Kind: LineageEventKinds.Exploited, Parent: { } donor, CheckpointUpdate: { } target, DonorUpdate: { } donorUpdate })
        {
            throw new ArgumentException($"Lineage event {exploit.Id} is not a complete exploit.", nameof(exploit));
        }

        var recipient = request.MemberRunId(exploit.Member);
        var latest = await workspace.Checkpoints(recipient).GetLatestUpdateAsync(cancellationToken)
            ?? throw new InvalidOperationException($"Member run '{recipient}' has no checkpoint to exploit into (event {exploit.Id}).");
        if (latest >= target)
        {
            return;
        }

        // The plan put the copy right after the recipient's latest: anything else means the run moved on without the population.
        if (latest != target - 1)
        {
            throw new InvalidOperationException(
                $"Member run '{recipient}' is at checkpoint {latest}, but event {exploit.Id} planned its exploit as checkpoint {target} right after {target - 1}.");
        }

        await ExploitTransfer.ApplyAsync(workspace, request.MemberRunId(donor), donorUpdate, recipient, latest, target, cancellationToken);
    }
}
