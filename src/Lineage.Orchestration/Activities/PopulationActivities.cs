using Lineage.Core.Episodes;
using Lineage.Core.Randomness;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Populations;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Orchestration.WalkForwards;
using Lineage.Storage;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// The start of each execution of the population orchestration. A population without a lineage record draws every member's
/// hyperparameters (seeded) and records their <c>started</c> events; then the record's newest round is the round to train.
/// Exploits that round's events planned are completed (a crash between the record and the copies), each member's trained
/// iterations are counted (a member trains up to the round's end: nothing when an earlier attempt did), and the members that
/// train claim their reserved run locks.
/// </summary>
public sealed class PlanPopulationRoundActivity(RunWorkspace workspace) : TaskActivity<PlanPopulationRoundInput, PopulationRoundPlan>
{
    /// <summary>The part of <see cref="Seeds.Derive"/>'s input that marks the initial draws (rounds use their index).</summary>
    public const long SamplingStream = -1;

    public override Task<PopulationRoundPlan> RunAsync(TaskActivityContext context, PlanPopulationRoundInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<PopulationRoundPlan> ExecuteAsync(PlanPopulationRoundInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var request = input.Request;
        var id = request.PopulationId;
        await using var hold = await workspace.Locks.ForPopulations().HoldAsync(id, cancellationToken);
        var store = new LineageStore(workspace.Container);
        var record = await store.ReadAsync(id, cancellationToken) ?? await store.AppendAsync(id, Started(request), cancellationToken);
        var round = record.Events.Max(e => e.Round);
        foreach (var exploit in record.Events.Where(e => e.Round == round && e.Kind == LineageEventKinds.Exploited))
        {
            await PopulationMembers.ApplyExploitAsync(workspace, request, exploit, cancellationToken);
        }

        var latest = record.Latest();
        var members = new List<MemberPlan>();
        for (var member = 0; member < request.Members; member++)
        {
            var runId = request.MemberRunId(member);
            var trained = await FoldRuns.TrainedIterationsAsync(workspace, runId, cancellationToken);
            var iterations = Math.Max(0, ((round + 1) * request.IterationsPerRound) - trained);
            var exists = await workspace.ReadRunRecordAsync(runId, cancellationToken) is not null;
            if (iterations > 0)
            {
                await workspace.Locks.ClaimReservedAsync(runId, PopulationBlobs.Owner(id), $"population '{id}'", cancellationToken);
            }

            var now = latest[member];
            members.Add(new MemberPlan(member, runId, now.Hyperparameters, now.Generation, trained, iterations, Resume: exists, now.Score));
        }

        return new PopulationRoundPlan(round, members);
    }

    /// <summary>Round 0's events: every member's hyperparameters drawn from the space, in member order, from one seeded stream.</summary>
    public static IReadOnlyList<LineageEvent> Started(PopulationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var rng = new Rng(Seeds.Derive(request.Seed, SamplingStream));
        return [.. Enumerable.Range(0, request.Members).Select(member => new LineageEvent(
            LineageEvent.IdOf(0, member), 0, member, 0, null, LineageEventKinds.Started, request.SearchSpace.Sample(rng), "drawn from the search space", null, null))];
    }
}

/// <summary>
/// The end of a round but the last: rank the members on the validation return of their latest checkpoints, and let the
/// bottom quantile copy a donor from the top one (PBT's exploit) with hyperparameters explored from the donor's. The next
/// round's events are recorded first (each id once), then the exploits carried out from them, so a retry, or the next
/// attempt after a crash, finishes exactly what was recorded: the record, not a second draw, decides.
/// </summary>
public sealed class PopulationRoundActivity(RunWorkspace workspace) : TaskActivity<PopulationRoundInput, PopulationRoundOutcome>
{
    public override Task<PopulationRoundOutcome> RunAsync(TaskActivityContext context, PopulationRoundInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<PopulationRoundOutcome> ExecuteAsync(PopulationRoundInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var request = input.Request;
        var id = request.PopulationId;
        await using var hold = await workspace.Locks.ForPopulations().HoldAsync(id, cancellationToken);
        var store = new LineageStore(workspace.Container);
        var record = await store.ReadAsync(id, cancellationToken)
            ?? throw new InvalidOperationException($"Population '{id}' has no lineage record to rank round {input.Round} in.");
        var next = input.Round + 1;
        if (!record.Events.Any(e => e.Round == next))
        {
            var scores = await PopulationMembers.ScoreAllAsync(workspace, request, cancellationToken);
            record = await store.AppendAsync(id, Decide(request, input.Round, record, scores), cancellationToken);
            CrashPoints.Reach(CrashPoints.PopulationAfterRecord, id);
        }

        var events = record.Events.Where(e => e.Round == next).OrderBy(e => e.Member).ToList();
        foreach (var exploit in events.Where(e => e.Kind == LineageEventKinds.Exploited))
        {
            await PopulationMembers.ApplyExploitAsync(workspace, request, exploit, cancellationToken);
        }

        return new PopulationRoundOutcome(
            input.Round,
            [.. events.Select(e => new MemberScore(e.Member, request.MemberRunId(e.Member), e.CheckpointUpdate ?? 0, e.Score))],
            [.. events.Where(e => e.Parent is not null).Select(e => new ExploitDecision(e.Member, e.Parent!.Value))]);
    }

    /// <summary>
    /// Round <paramref name="round"/>'s decisions as the next round's events, pure and seeded (one stream per round): truncation
    /// selection on <paramref name="scores"/>, then, for each recipient in member order, explore from its donor's hyperparameters.
    /// </summary>
    public static IReadOnlyList<LineageEvent> Decide(PopulationRequest request, int round, LineageRecord record, IReadOnlyList<MemberScore> scores)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(scores);
        var rng = new Rng(Seeds.Derive(request.Seed, round));
        var decisions = Exploitation.Decide([.. scores.Select(s => s.ValidationReturn ?? double.NaN)], request.ExploitQuantile, rng)
            .ToDictionary(d => d.Recipient);
        var latest = record.Latest();
        var next = round + 1;
        var events = new List<LineageEvent>();
        foreach (var score in scores)
        {
            var member = score.Member;
            var now = latest[member];
            if (decisions.TryGetValue(member, out var exploit))
            {
                var donor = latest[exploit.Donor];
                var (explored, mutation) = request.SearchSpace.Explore(donor.Hyperparameters, rng, request.ResampleProbability);
                events.Add(new LineageEvent(
                    LineageEvent.IdOf(next, member), next, member, donor.Generation + 1, exploit.Donor, LineageEventKinds.Exploited, explored, mutation,
                    score.ValidationReturn, score.CheckpointUpdate + 1, scores[exploit.Donor].CheckpointUpdate));
            }
            else
            {
                events.Add(new LineageEvent(
                    LineageEvent.IdOf(next, member), next, member, now.Generation, null, LineageEventKinds.Survived, now.Hyperparameters, null,
                    score.ValidationReturn, score.CheckpointUpdate));
            }
        }

        return events;
    }
}

/// <summary>
/// After the last round: rank the members as a round would and pick the best on validation (ties: the lower member), and
/// record every other member's latest checkpoint as a trial of the model first, so the candidate's gate counts the whole
/// population (multiple testing). Idempotent: a trial is recorded once per run and checkpoint.
/// </summary>
public sealed class FinishPopulationActivity(RunWorkspace workspace, ChampionChallenger challenger) : TaskActivity<FinishPopulationInput, PopulationCandidate>
{
    public override Task<PopulationCandidate> RunAsync(TaskActivityContext context, FinishPopulationInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<PopulationCandidate> ExecuteAsync(FinishPopulationInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var request = input.Request;
        await using var hold = await workspace.Locks.ForPopulations().HoldAsync(request.PopulationId, cancellationToken);
        var scores = await PopulationMembers.ScoreAllAsync(workspace, request, cancellationToken);
        var best = Best(scores);
        var trials = 0;
        foreach (var other in scores.Where(s => s.Member != best.Member && s.CheckpointUpdate != PopulationMembers.NoCheckpoint))
        {
            await challenger.RecordTrialAsync(other.RunId, other.CheckpointUpdate, cancellationToken);
            trials++;
        }

        var iteration = Math.Max(0, await FoldRuns.TrainedIterationsAsync(workspace, best.RunId, cancellationToken) - 1);
        var report = await workspace.ReadJsonAsync<EvaluationReport>(RunBlobs.Evaluation(best.RunId, best.CheckpointUpdate, Splits.Validation), cancellationToken);
        var validation = report is null ? null : EvaluateActivity.Summarize(new EvaluateInput(best.RunId, iteration, best.CheckpointUpdate, Splits.Validation), report);
        return new PopulationCandidate(best, iteration, scores, trials, validation);
    }

    /// <summary>The highest validation return; a member without one ranks below every member with one; ties go to the lower index.</summary>
    public static MemberScore Best(IReadOnlyList<MemberScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        return scores
            .OrderByDescending(s => s.ValidationReturn is { } r && !double.IsNaN(r) ? r : double.NegativeInfinity)
            .ThenBy(s => s.Member)
            .First();
    }
}

/// <summary>The population's last step, whatever the outcome: writes its result (when it has one) and releases its lock.</summary>
public sealed class ReleasePopulationActivity(RunWorkspace workspace, ILogger<ReleasePopulationActivity> logger) : TaskActivity<ReleasePopulationInput, bool>
{
    public override Task<bool> RunAsync(TaskActivityContext context, ReleasePopulationInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<bool> ExecuteAsync(ReleasePopulationInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Result is { } result)
        {
            await workspace.WriteJsonAsync(PopulationBlobs.Result(input.PopulationId), result, cancellationToken);
        }

        var released = await workspace.Locks.ForPopulations().ReleaseAsync(input.PopulationId, cancellationToken);
        OrchestrationLog.RunLockReleased(logger, input.PopulationId, input.Outcome, released);
        return released;
    }
}
