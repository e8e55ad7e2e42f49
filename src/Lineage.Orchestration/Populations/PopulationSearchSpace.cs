using System.Globalization;
using Lineage.Core.Randomness;
using Lineage.Orchestration.Runs;
using Lineage.Policy;

namespace Lineage.Orchestration.Populations;

/// <summary>
/// One hyperparameter's range: a closed interval [<see cref="Min"/>, <see cref="Max"/>], sampled uniformly or (when
/// <see cref="Log"/>) log-uniformly, or a list of <see cref="Choices"/> (ascending, so "a neighbour" is a step along it).
/// </summary>
public sealed record ParameterRange(double Min, double Max, bool Log = false, IReadOnlyList<double>? Choices = null)
{
    public static ParameterRange Of(params double[] choices) => new(choices.Min(), choices.Max(), Choices: [.. choices.Order()]);

    /// <summary>Why the range is unusable, or null.</summary>
    public string? Problem(string name)
    {
        if (Choices is { } choices)
        {
            return choices.Count == 0 || choices.Any(c => !double.IsFinite(c)) ? $"{name}: choices must be one or more finite numbers" : null;
        }

        if (!double.IsFinite(Min) || !double.IsFinite(Max) || Min > Max)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{name}: needs finite min ≤ max, got [{Min}, {Max}]");
        }

        return Log && Min <= 0 ? string.Create(CultureInfo.InvariantCulture, $"{name}: a log range needs min > 0, got {Min}") : null;
    }

    public double Sample(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (Choices is { Count: > 0 } choices)
        {
            return choices[rng.NextInt(choices.Count)];
        }

        var u = rng.NextDouble();
        return Log ? Math.Exp(Math.Log(Min) + (u * (Math.Log(Max) - Math.Log(Min)))) : Min + (u * (Max - Min));
    }

    /// <summary>
    /// PBT's explore step: ×0.8 or ×1.2 (one coin), clamped to the range; for choices, the neighbour below or above (staying
    /// put at an end).
    /// </summary>
    public double Perturb(double value, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var up = rng.NextDouble() < 0.5;
        if (Choices is { Count: > 0 } choices)
        {
            var at = Math.Max(0, choices.ToList().IndexOf(value));
            return choices[Math.Clamp(at + (up ? 1 : -1), 0, choices.Count - 1)];
        }

        return Math.Clamp(value * (up ? 1.2 : 0.8), Min, Max);
    }
}

/// <summary>
/// The hyperparameters a population searches over, all ones a resumed run may change (the network's shape, the features,
/// the arena and the data may not change on a resume, so they are not searched). Defaults: learning rate 1e-4–3e-3
/// log-uniform, γ 0.9 / 0.95 / 0.99, target update every 100 / 250 / 500 updates, batch 32 / 64 / 128, ε decay over
/// 20–80 % of the iterations.
/// </summary>
public sealed record PopulationSearchSpace
{
    public ParameterRange LearningRate { get; init; } = new(1e-4, 3e-3, Log: true);

    public ParameterRange Gamma { get; init; } = ParameterRange.Of(0.9, 0.95, 0.99);

    public ParameterRange TargetUpdateInterval { get; init; } = ParameterRange.Of(100, 250, 500);

    public ParameterRange BatchSize { get; init; } = ParameterRange.Of(32, 64, 128);

    public ParameterRange EpsilonDecayFraction { get; init; } = new(0.2, 0.8);

    /// <summary>
    /// Every unusable range, named (empty when the space is valid): a malformed range, or an end of a range that a run's own
    /// validation (<see cref="TrainingRunValidator"/>, with <see cref="DqnOptions"/>' rules) refuses on <paramref name="template"/>
    /// (default: a run with the defaults), each end tried with the other parameters at the template's values. γ must also stay
    /// below 1, stricter than a run: a member's bootstrapped targets must stay discounted whatever the explore step does; and the
    /// counts' ranges must start at 1 or more.
    /// </summary>
    public IReadOnlyList<string> Problems(TrainingRun? template = null)
    {
        var run = template ?? new TrainingRun { RunId = "search-space" };
        var current = MemberHyperparameters.Of(run);
        var problems = new List<string>();
        foreach (var (name, range, at) in new (string, ParameterRange, Func<double, MemberHyperparameters>)[]
                 {
                     ("learningRate", LearningRate, v => current with { LearningRate = v }),
                     ("gamma", Gamma, v => current with { Gamma = v }),
                     ("targetUpdateInterval", TargetUpdateInterval, v => current with { TargetUpdateInterval = (int)Math.Round(v) }),
                     ("batchSize", BatchSize, v => current with { BatchSize = (int)Math.Round(v) }),
                     ("epsilonDecayFraction", EpsilonDecayFraction, v => current with { EpsilonDecayFraction = v }),
                 })
        {
            if (range.Problem(name) is { } malformed)
            {
                problems.Add(malformed);
                continue;
            }

            foreach (var end in new[] { range.Min, range.Max }.Distinct())
            {
                problems.AddRange(TrainingRunValidator.Validate(at(end).ApplyTo(run))
                    .Select(e => string.Create(CultureInfo.InvariantCulture, $"{name}: {end} is refused by a run ({e.Field}: {e.Message})")));
            }
        }

        if (Gamma.Problem("gamma") is null && Gamma.Max >= 1)
        {
            problems.Add("gamma: must lie in [0, 1)");
        }

        // Counts: an end below 1 would round to a valid count and hide a range that means something else.
        if (TargetUpdateInterval.Min < 1 || BatchSize.Min < 1)
        {
            problems.Add("targetUpdateInterval and batchSize: must be ≥ 1");
        }

        return problems;
    }

    /// <summary>A member's hyperparameters drawn from the space (one draw per parameter, in a fixed order).</summary>
    public MemberHyperparameters Sample(Rng rng) => new(
        LearningRate.Sample(rng),
        Gamma.Sample(rng),
        (int)Math.Round(TargetUpdateInterval.Sample(rng)),
        (int)Math.Round(BatchSize.Sample(rng)),
        EpsilonDecayFraction.Sample(rng));

    /// <summary>
    /// PBT's explore: with probability <paramref name="resampleProbability"/> a fresh draw from the space, else every parameter
    /// perturbed (×0.8 / ×1.2, or a neighbouring choice). Returns the new hyperparameters and a description of the mutation.
    /// </summary>
    public (MemberHyperparameters Next, string Mutation) Explore(MemberHyperparameters current, Rng rng, double resampleProbability = 0.25)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(rng);
        if (rng.NextDouble() < resampleProbability)
        {
            return (Sample(rng), "resampled");
        }

        var next = new MemberHyperparameters(
            LearningRate.Perturb(current.LearningRate, rng),
            Gamma.Perturb(current.Gamma, rng),
            (int)Math.Round(TargetUpdateInterval.Perturb(current.TargetUpdateInterval, rng)),
            (int)Math.Round(BatchSize.Perturb(current.BatchSize, rng)),
            EpsilonDecayFraction.Perturb(current.EpsilonDecayFraction, rng));
        return (next, "perturbed " + next.DescribeChange(current));
    }
}

/// <summary>One member's searched hyperparameters.</summary>
public sealed record MemberHyperparameters(double LearningRate, double Gamma, int TargetUpdateInterval, int BatchSize, double EpsilonDecayFraction)
{
    /// <summary>The searched hyperparameters as <paramref name="run"/> has them.</summary>
    public static MemberHyperparameters Of(TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new(run.Dqn.LearningRate, run.Dqn.Gamma, run.Dqn.TargetUpdateInterval, run.Dqn.BatchSize, run.Epsilon.DecayFraction);
    }

    /// <summary><paramref name="run"/> with these hyperparameters (everything else, the shape and the data included, as it was).</summary>
    public TrainingRun ApplyTo(TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run with
        {
            Dqn = run.Dqn with { LearningRate = LearningRate, Gamma = Gamma, TargetUpdateInterval = TargetUpdateInterval, BatchSize = BatchSize },
            Epsilon = run.Epsilon with { DecayFraction = EpsilonDecayFraction },
        };
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"lr {LearningRate:G3}, γ {Gamma:G3}, target every {TargetUpdateInterval}, batch {BatchSize}, ε decay {EpsilonDecayFraction:P0}");

    /// <summary>The parameters that differ from <paramref name="before"/>, as "name old→new" pairs.</summary>
    public string DescribeChange(MemberHyperparameters before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var changes = new List<string>();
        void Add(string name, double old, double now)
        {
            if (old != now)
            {
                changes.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {old:G3}→{now:G3}"));
            }
        }

        Add("lr", before.LearningRate, LearningRate);
        Add("γ", before.Gamma, Gamma);
        Add("target", before.TargetUpdateInterval, TargetUpdateInterval);
        Add("batch", before.BatchSize, BatchSize);
        Add("ε decay", before.EpsilonDecayFraction, EpsilonDecayFraction);
        return changes.Count == 0 ? "(unchanged: every parameter at a bound)" : string.Join(", ", changes);
    }
}
