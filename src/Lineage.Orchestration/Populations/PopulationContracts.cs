using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Training;

namespace Lineage.Orchestration.Populations;

// The population orchestration's inputs and outputs: plans and headline figures, never per-bar arrays or the lineage
// record itself (that is in populations/{id}/lineage.json), so every message stays far below Durable's 64 KB limit.

/// <summary>
/// The orchestration's input, and what each execution continues as new with: the request, the dataset version its start
/// checked, and whether a stop was asked for. Where the population stands (its round, each member's hyperparameters) is
/// read from the lineage record and the members' runs by <c>PlanPopulationRound</c>, never carried here.
/// </summary>
public sealed record PopulationState(PopulationRequest Request, ResolvedDataset Dataset, bool StopRequested = false);

public sealed record PlanPopulationRoundInput(PopulationRequest Request);

/// <summary>
/// One member in a round's plan: its run, current hyperparameters and generation, how many of its iterations are trained,
/// and how many it trains this round (0 when an earlier attempt trained them) — as a fresh run or a resume — and the
/// validation return it was ranked on at the round's start (none in round 0).
/// </summary>
public sealed record MemberPlan(
    int Member,
    string RunId,
    MemberHyperparameters Hyperparameters,
    int Generation,
    int TrainedIterations,
    int Iterations,
    bool Resume,
    double? Score = null);

/// <summary>The round the population stands at (from its lineage record) and every member's plan for it, in member order.</summary>
public sealed record PopulationRoundPlan(int Round, IReadOnlyList<MemberPlan> Members);

/// <summary>The end of round <paramref name="Round"/>: rank the members on validation, exploit and explore, record the next round's events.</summary>
public sealed record PopulationRoundInput(PopulationRequest Request, int Round);

/// <summary>One member as the round ranked it: its latest checkpoint and that checkpoint's validation return (null: none, ranked last).</summary>
public sealed record MemberScore(int Member, string RunId, long CheckpointUpdate, double? ValidationReturn);

/// <summary>What a round decided: every member's score, and the exploits (recipient ← donor) applied.</summary>
public sealed record PopulationRoundOutcome(int Round, IReadOnlyList<MemberScore> Scores, IReadOnlyList<ExploitDecision> Exploits);

public sealed record FinishPopulationInput(PopulationRequest Request);

/// <summary>
/// The final ranking and the candidate: the best member on validation (its latest checkpoint) with the validation
/// evaluation it was ranked on (the member's own, stored with its last iteration; null when it has none), and every other
/// member already recorded as a trial of the model, so the candidate's gate is deflated for the whole population.
/// </summary>
public sealed record PopulationCandidate(MemberScore Best, int Iteration, IReadOnlyList<MemberScore> Scores, int TrialsRecorded, EvaluateOutput? Validation = null);

/// <summary>Release the population's lock as it ends; with <paramref name="Result"/>, first write it to <c>populations/{id}/result.json</c>.</summary>
public sealed record ReleasePopulationInput(string PopulationId, string Outcome, PopulationResult? Result = null);

/// <summary>
/// The orchestration's custom status: the phase, the round, and one line per member. Bounded below Durable's 16 KB: at most
/// 64 members of a few numbers each.
/// </summary>
public sealed record PopulationProgress(string Phase, int Round, int Rounds, IReadOnlyList<MemberProgress> Members);

/// <param name="Score">The validation return the member was ranked on at this round's start (null in round 0).</param>
public sealed record MemberProgress(int Member, string RunId, string Status, int Generation, double? Score);

/// <summary>
/// How a population ended, its candidate and, completed, the candidate's test evaluation and gate decision, and every
/// member's final validation score (the last round's ranking).
/// </summary>
public sealed record PopulationResult(
    string PopulationId,
    string Outcome,
    int RoundsCompleted,
    MemberScore? Best,
    EvaluateOutput? Test,
    PromotionOutcome? Promotion,
    IReadOnlyList<string> Notes,
    IReadOnlyList<MemberScore>? FinalScores = null);

public static class PopulationPhases
{
    public const string Planning = "Planning";
    public const string Training = "Training";
    public const string Ranking = "Ranking";
    public const string Testing = "Testing";
    public const string Deciding = "Deciding promotion";
}
