using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Statistics;
using Lineage.Core.Trading;
using Lineage.Learning;
using Lineage.Policy;

namespace Lineage.Orchestration.Runs;

/// <summary>
/// A request to train (or continue training) one run. This is the orchestration's input contract:
/// <see cref="SchemaVersion"/> changes whenever a field changes meaning, so in-flight instances can be
/// drained or routed to a matching orchestrator version (see README, "Deploying changes").
/// Defaults live here, in one place; <see cref="TrainingRunValidator"/> checks every field.
/// </summary>
public sealed record TrainingRun
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Lowercase letters, digits and hyphens, 1–63 characters; also the Durable instance id.</summary>
    public string RunId { get; init; } = "";

    /// <summary>
    /// A bundled series (<c>spy</c>, <c>googl</c>, <c>eurusd</c>), a synthetic market
    /// (<c>synthetic:trend</c>, <c>synthetic:meanrev</c>, <c>synthetic:randomwalk</c>), or an uploaded
    /// CSV in blob storage (<c>blob:datasets/{name}/{file}.csv</c>).
    /// </summary>
    public string Dataset { get; init; } = "synthetic:trend";

    /// <summary>
    /// Further file datasets (bundled names, <c>blob:</c> or <c>dataset:</c> references) that train the run beside its own
    /// <see cref="Dataset"/>: each episode samples one asset uniformly from the dataset and these, and plays a slice of its
    /// bars up to the last bar (by time) of the run's training split, normalised by a normaliser fitted on those bars alone
    /// (kept in run.json, like the run's own, across resumes). Validation, test, selection and the gate stay on
    /// <see cref="Dataset"/>, so a universe run is scored on the same window as one without. Null or empty (default): none.
    /// Only with a file dataset and without a walk-forward fold; at most <see cref="TrainingRunValidator.MaxUniverse"/>.
    /// </summary>
    public IReadOnlyList<string>? Universe { get; init; }

    /// <summary>Bars generated for a synthetic dataset (ignored for files).</summary>
    public int SyntheticBars { get; init; } = 4000;

    /// <summary>
    /// How hard a synthetic trend or mean-reverting market is, for every series the run generates (train, validation, test,
    /// promotion, a walk-forward's whole series); null (default): the generator's defaults, today's markets bit for bit.
    /// Trend: per-bar |drift| / volatility, drift = value × volatility (default 0.25). Mean-reverting: the one-bar
    /// predictable move at one stationary SD over the bar's volatility, θ·σ_stationary / σ = √(θ / (2 − θ)), so
    /// θ = 2s² / (1 + s²) (default θ 0.1, s ≈ 0.229). In (0, 2]; set on the random walk (no signal) or a file it is a 400.
    /// </summary>
    public double? SyntheticSignalToNoise { get; init; }

    public int Iterations { get; init; } = 20;

    public int EpisodesPerIteration { get; init; } = 8;

    public int StepsPerEpisode { get; init; } = 256;

    public int UpdatesPerIteration { get; init; } = 256;

    /// <summary>Episodes of one iteration that run at once (throttled fan-out).</summary>
    public int MaxParallelEpisodes { get; init; } = 8;

    /// <summary>
    /// Episodes one actor activity plays, one after another, each with its own seed and ε and its own shard (issue 18: an
    /// activity's lock check, run-record read and dispatch are paid once for all of them). The replay buffer gets the same
    /// shards in the same order, so the run is the same bit for bit whatever the value. An actor that fails after its retries
    /// fails all its episodes. 1 (default): one activity per episode (<c>RunEpisode</c>); larger values use <c>RunEpisodes</c>.
    /// </summary>
    public int EpisodesPerActivity { get; init; } = 1;

    /// <summary>
    /// Evaluate greedily on the validation split every this many iterations (and after the last). Default 1:
    /// an evaluation costs far less than an iteration, and in the tuning runs (docs/results.md) the best
    /// validation checkpoint fell on an iteration that evaluating every 5th would have missed in most runs.
    /// </summary>
    public int EvaluateEvery { get; init; } = 1;

    /// <summary>Start a fresh orchestration history every this many iterations (ContinueAsNew).</summary>
    public int IterationsPerGeneration { get; init; } = 10;

    /// <summary>An iteration goes on when at least this fraction of its episodes succeeded.</summary>
    public double MinEpisodeSuccessFraction { get; init; } = 0.75;

    public int ReplayCapacity { get; init; } = 10_000;

    public bool PrioritizedReplay { get; init; }

    public double PriorityAlpha { get; init; } = 0.6;

    public double PriorityBetaStart { get; init; } = 0.4;

    /// <summary>Updates are skipped until the buffer holds this many experiences.</summary>
    public int LearningStarts { get; init; } = 500;

    /// <summary>
    /// n of the n-step returns the episodes write to the replay buffer (<see cref="Core.Replay.NStepReturns"/>): each
    /// transition sums n discounted rewards and bootstraps with γ^n. 1 (default) is one-step Q-learning. 1 to 16.
    /// </summary>
    public int NStep { get; init; } = 1;

    public EpsilonSchedule Epsilon { get; init; } = new();

    public DqnOptions Dqn { get; init; } = new();

    /// <summary>
    /// Default LogReturn × 100 (<see cref="RewardOptions.RecommendedForLearning"/>): in the experiments of
    /// docs/results.md it learns the trend and mean-reverting markets, where the 5-component reward does not.
    /// </summary>
    public RewardOptions Reward { get; init; } = RewardOptions.RecommendedForLearning;

    public ArenaOptions Arena { get; init; } = new();

    public FeatureSpec Features { get; init; } = new();

    public double TrainFraction { get; init; } = 0.7;

    public double ValidationFraction { get; init; } = 0.15;

    /// <summary>
    /// A walk-forward fold (<see cref="WalkForward"/>): the run trains, selects and tests on these bar ranges of its
    /// dataset's whole series (a synthetic market: one series of <see cref="SyntheticBars"/> bars from the run's seed)
    /// instead of <see cref="TrainFraction"/> / <see cref="ValidationFraction"/>. Recorded in run.json; a resume must
    /// name the same fold. A fold run never competes for the champion: its test block is an out-of-sample report.
    /// </summary>
    public WalkForwardFold? Fold { get; init; }

    /// <summary>
    /// Member mode (issue 19, population-based training): the population this run is a member of, or null (default) for a run
    /// of its own. A member trains, evaluates on validation and checkpoints as any run, but skips the test evaluation and the
    /// champion gate: its population ranks it on validation and only the population's final candidate is tested and gated.
    /// Its run id must be one the population derived (<c>{populationId}-m{k}</c>), so no other start can claim it.
    /// </summary>
    public string? PopulationId { get; init; }

    /// <summary>The seed the agent's randomness derives from: network initialisation, ε-greedy acting, replay sampling.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>
    /// The seed a synthetic market's series are generated from (train, validation, test); null (default): <see cref="Seed"/>.
    /// Experiments vary it separately from the agent's seed, so market paths and training noise are two sources of spread.
    /// A file dataset has one path and ignores it.
    /// </summary>
    public ulong? MarketSeed { get; init; }

    /// <summary>
    /// Paired stationary block bootstrap draws for the test evaluation's excess figures (vs buy-and-hold and the best
    /// simple rule); 0 turns it off. Validation evaluations, run every iteration, skip it.
    /// </summary>
    public int BootstrapDraws { get; init; } = StationaryBootstrap.DefaultDraws;

    /// <summary>Continue from the run's latest checkpoint (retraining) instead of refusing an existing run.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// The model whose champion this run's candidate competes for (<see cref="ModelNames"/> rules); null: the model
    /// named after the dataset (<see cref="ModelNames.ForDataset"/>, e.g. <c>dataset:spy-live</c> → <c>spy-live</c>).
    /// </summary>
    public string? Model { get; init; }

    /// <summary>
    /// Whether the gate may make this run's candidate the champion (default true; <c>lineage experiment</c> sets false
    /// unless asked). Either way the candidate is recorded as one of the model's trials, so it counts towards the N
    /// the model's later candidates are deflated for; with false the decision is recorded and the champion never changes.
    /// </summary>
    public bool Promote { get; init; } = true;

    /// <summary>
    /// Freshness: when set, the run refuses (before writing anything) a dataset whose newest bar is older than this many
    /// days, and notes any gap over a week between bars; null (default) checks nothing. The nightly run sets it
    /// (<see cref="NightlyOptions.MaxDataAgeDays"/>), so it never retrains quietly on stale data. A synthetic market is generated
    /// for the run, never stale: it is not checked.
    /// </summary>
    public double? MaxDataAgeDays { get; init; }
}

/// <summary>
/// ε for acting. <see cref="EpsilonKind.Linear"/> anneals one ε for every actor over the run;
/// <see cref="EpsilonKind.PerActor"/> gives actor i of N the fixed Ape-X ε = Base^(1 + Alpha·i/(N−1)).
/// </summary>
public sealed record EpsilonSchedule
{
    public EpsilonKind Kind { get; init; } = EpsilonKind.Linear;

    public double Start { get; init; } = 1.0;

    public double End { get; init; } = 0.05;

    /// <summary>Fraction of the run's iterations over which ε decays linearly from Start to End.</summary>
    public double DecayFraction { get; init; } = 0.5;

    public double ApeXBase { get; init; } = 0.4;

    public double ApeXAlpha { get; init; } = 7.0;

    /// <summary>The schedule's ε for one actor in one iteration; the formulas are <see cref="DqnStep"/>'s.</summary>
    public double EpsilonFor(int iteration, int totalIterations, int actor, int actorCount) => Kind == EpsilonKind.PerActor
        ? DqnStep.ApeXEpsilon(ApeXBase, ApeXAlpha, actor, actorCount)
        : DqnStep.LinearEpsilon(Start, End, DecayFraction, iteration, totalIterations);
}

public enum EpsilonKind
{
    Linear,
    PerActor,
}
