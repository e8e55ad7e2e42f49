using System.Globalization;
using Lineage.Core.Randomness;
using Lineage.Learning;
using Lineage.Orchestration.Runs;
using Lineage.Storage;

namespace Lineage.Orchestration.Populations;

/// <summary>
/// A population-based training run (issue 19): the body of <c>POST /api/populations</c> and the orchestration's input.
/// <see cref="Members"/> members train <see cref="Run"/> (its <c>runId</c>, <c>resume</c> and <c>populationId</c> are the
/// population's to set) with hyperparameters drawn from <see cref="SearchSpace"/>, all on the same data and splits, for
/// <see cref="Rounds"/> rounds of <see cref="IterationsPerRound"/> iterations; after each round but the last, the bottom
/// <see cref="ExploitQuantile"/> copies a top member and explores. Defaults live here; <see cref="PopulationRequestValidator"/>
/// checks every field.
/// </summary>
public sealed record PopulationRequest
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Run-id rules, at most <see cref="PopulationBlobs.MaxIdLength"/> characters; member k runs as <c>{id}-m{k}</c>.</summary>
    public string PopulationId { get; init; } = "";

    /// <summary>The base of every member's run; its <see cref="TrainingRun.Iterations"/> is ignored (rounds × iterations per round).</summary>
    public TrainingRun Run { get; init; } = new();

    public int Members { get; init; } = 8;

    public int Rounds { get; init; } = 5;

    public int IterationsPerRound { get; init; } = 4;

    public PopulationSearchSpace SearchSpace { get; init; } = new();

    /// <summary>Share of the members that exploit after a round (the bottom) and of the donors they copy (the top).</summary>
    public double ExploitQuantile { get; init; } = 0.25;

    /// <summary>Chance that explore draws fresh hyperparameters from the space instead of perturbing the donor's.</summary>
    public double ResampleProbability { get; init; } = 0.25;

    /// <summary>The seed of the hyperparameter draws, the exploit decisions and the explore steps (each member's run seed derives from it too).</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Members trained at once (each fans out its own episodes, up to the run's <c>maxParallelEpisodes</c>).</summary>
    public int MaxParallelMembers { get; init; } = 2;

    /// <summary>Continue a population that exists: the lineage record says where it stands; the rest must be as first requested.</summary>
    public bool Resume { get; init; }

    public int TotalIterations => Rounds * IterationsPerRound;

    public string MemberRunId(int member) => PopulationBlobs.MemberRunId(PopulationId, member);

    /// <summary>
    /// Member <paramref name="member"/>'s run for iterations [<paramref name="startIteration"/>, +<paramref name="iterations"/>)
    /// of the population's whole schedule: the base run with the member's hyperparameters, seed and id, in member mode, and with
    /// a linear ε schedule cut to this slice of the member's whole <see cref="TotalIterations"/> (a resumed run's own ε schedule
    /// starts again at its start value; a member's must not, round after round).
    /// </summary>
    public TrainingRun MemberRun(int member, MemberHyperparameters hyperparameters, int startIteration, int iterations, bool resume)
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        var run = hyperparameters.ApplyTo(Run) with
        {
            RunId = MemberRunId(member),
            PopulationId = PopulationId,
            Resume = resume,
            Iterations = iterations,
            Seed = Seeds.Derive(Seed, member),
            // Every member on the same market: a synthetic series follows the base run's seed, not the member's.
            MarketSeed = Run.MarketSeed ?? Run.Seed,
        };
        return run with { Epsilon = EpsilonSlice(run.Epsilon, startIteration, iterations, TotalIterations) };
    }

    /// <summary>
    /// The linear schedule of <paramref name="whole"/> over <paramref name="total"/> iterations, restricted to
    /// [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) and expressed as a schedule of its own over
    /// <paramref name="count"/> iterations: the same ε at every iteration. A per-actor schedule does not depend on the iteration.
    /// </summary>
    public static EpsilonSchedule EpsilonSlice(EpsilonSchedule whole, int start, int count, int total)
    {
        ArgumentNullException.ThrowIfNull(whole);
        if (whole.Kind != EpsilonKind.Linear || count < 1)
        {
            return whole;
        }

        var kink = Math.Max(1.0, whole.DecayFraction * total);
        double At(int iteration) => DqnStep.LinearEpsilon(whole.Start, whole.End, whole.DecayFraction, iteration, total);
        if (start >= kink)
        {
            return whole with { Start = whole.End, DecayFraction = 1 };
        }

        return start + count <= kink
            ? whole with { Start = At(start), End = At(start + count), DecayFraction = 1 }
            : whole with { Start = At(start), DecayFraction = (kink - start) / count };
    }

    /// <summary>What a resume must repeat: everything but <see cref="Resume"/> and <see cref="MaxParallelMembers"/>.</summary>
    public PopulationRequest Identity() => this with { Resume = false, MaxParallelMembers = 1 };
}

/// <summary>Checks a <see cref="PopulationRequest"/> at the edge, naming each bad field and its value.</summary>
public static class PopulationRequestValidator
{
    public const int MaxMembers = 64;
    public const int MaxRounds = 200;
    public const int MaxParallelMembers = 16;

    public static IReadOnlyList<FieldError> Validate(PopulationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<FieldError>();
        void Check(bool ok, string field, string message)
        {
            if (!ok)
            {
                errors.Add(new FieldError(field, message));
            }
        }

        static string V(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        Check(request.SchemaVersion == PopulationRequest.CurrentSchemaVersion, "schemaVersion", $"must be {PopulationRequest.CurrentSchemaVersion}, got {request.SchemaVersion}");
        var idError = PopulationBlobs.Validate(request.PopulationId);
        if (idError is not null)
        {
            errors.Add(new FieldError("populationId", idError));
        }

        Check(request.Members is >= 2 and <= MaxMembers, "members", $"must be 2..{MaxMembers}, got {request.Members}");
        Check(request.Rounds is >= 1 and <= MaxRounds, "rounds", $"must be 1..{MaxRounds}, got {request.Rounds}");
        Check(request.IterationsPerRound is >= 1 and <= 10_000, "iterationsPerRound", $"must be 1..10000, got {request.IterationsPerRound}");
        Check(request.ExploitQuantile is > 0 and <= 0.5, "exploitQuantile", $"must be in (0, 0.5], got {V(request.ExploitQuantile)}");
        Check(request.ResampleProbability is >= 0 and <= 1, "resampleProbability", $"must be in [0, 1], got {V(request.ResampleProbability)}");
        Check(request.MaxParallelMembers is >= 1 and <= MaxParallelMembers, "maxParallelMembers", $"must be 1..{MaxParallelMembers}, got {request.MaxParallelMembers}");
        if (request.Run is not { } run)
        {
            errors.Add(new FieldError("run", "must be an object: the training run every member trains (as the body of POST /api/runs, without runId)"));
            return errors;
        }

        Check(string.IsNullOrEmpty(run.RunId), "run.runId", $"leave it out: member k runs as {{populationId}}-m{{k}}, got '{run.RunId}'");
        Check(!run.Resume, "run.resume", "leave it out: send \"resume\": true on the population to continue it");
        Check(run.PopulationId is null, "run.populationId", "leave it out: the population sets it");
        Check(run.Fold is null, "run.fold", "leave it out: a population trains on the run's own splits");
        Check(run.EvaluateEvery >= 1, "run.evaluateEvery", $"must be at least 1: members are ranked on the validation evaluation of each round's last iteration, got {run.EvaluateEvery}");
        if (request.SearchSpace is not { } space)
        {
            errors.Add(new FieldError("searchSpace", "must be an object (leave it out for the default space)"));
            return errors;
        }

        var population = idError is null ? request.PopulationId : "population-check";
        var probe = run with
        {
            RunId = PopulationBlobs.MemberRunId(population, Math.Clamp(request.Members, 2, MaxMembers) - 1),
            PopulationId = population,
            Resume = false,
            Fold = null,
            Iterations = Math.Max(1, request.IterationsPerRound),
        };
        foreach (var error in TrainingRunValidator.Validate(probe))
        {
            errors.Add(error with { Field = "run." + error.Field });
        }

        errors.AddRange(space.Problems(probe).Select(p => new FieldError("searchSpace", p)));
        return errors;
    }
}
