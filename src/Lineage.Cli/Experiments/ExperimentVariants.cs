using Lineage.Core.MarketData;
using Lineage.Core.Trading;
using Lineage.Orchestration.Runs;

namespace Lineage.Cli.Experiments;

/// <summary>A named change to a training run, so variants are compared on the same data and seeds.</summary>
internal sealed record ExperimentVariant(string Name, string Description, Func<TrainingRun, TrainingRun> Apply);

internal static class ExperimentVariants
{
    public const string Default = "default";
    public const string Original = "original";
    public const string FiveComponent = "five-component";
    public const string LogReturn = "log-return";
    public const string RichState = "rich-state";
    public const string MarkAtEnd = "mark-at-end";
    public const string NoBorrow = "no-borrow";
    public const string Classic = "classic";
    public const string TargetExposure = "target-exposure";
    public const string TargetExposureLongOnly = "target-exposure-long-only";
    public const string VolatilityTarget = "vol-target";
    public const string DsrReward = "dsr-reward";
    public const string ExcessReward = "excess-reward";
    public const string Polyak = "polyak";
    public const string Prioritized = "per";
    public const string LowLearningRate = "low-lr";
    public const string LargeReplay = "large-replay";
    public const string NStep = "n-step";
    public const string AccountState = "account-state";
    public const string TurnoverPenalty = "turnover-penalty";
    public const string Universe = "universe";
    public const string UniverseSameClass = "universe-same-class";
    public const string PolicyAveraging = "policy-averaging";

    public static IReadOnlyList<ExperimentVariant> All { get; } =
    [
        new(Default, "the training run's defaults (or --config)", run => run),
        new(
            Original,
            "the original prototype as Lineage implements it: plain SGD, MSE, no target network, no double DQN, no gradient clipping, the 5-component reward with its default weights (scale 1); everything else as the base run",
            run => run with
            {
                Dqn = run.Dqn with { Optimizer = Lineage.Policy.DqnOptimizer.Sgd, Loss = Lineage.Policy.DqnLoss.Mse, UseTargetNetwork = false, DoubleDqn = false, MaxGradNorm = 0 },
                Arena = ClassicActions(run.Arena),
                Reward = new RewardOptions { Kind = RewardKind.FiveComponent, Scale = 1 },
            }),
        new(FiveComponent, "the base run's learner with the 5-component reward at its default weights (scale 1)", run => run with { Reward = new RewardOptions { Kind = RewardKind.FiveComponent, Scale = 1 } }),
        new(LogReturn, "the base run's learner with the log-return reward × 100 (RewardOptions.RecommendedForLearning)", run => run with { Reward = RewardOptions.RecommendedForLearning }),
        new(
            RichState,
            "the base run with FeatureSpec.Rich: the default features plus 5/60/120-bar momentum, 20/60-bar volatility, distance from the 50/200-bar moving averages and the 250-bar drawdown (warm-up 250 bars); the base run's window",
            run => run with { Features = Lineage.Core.Features.FeatureSpec.Rich with { Window = run.Features.Window } }),
        new(MarkAtEnd, "the base run with a position still open at the end of an evaluated window marked at the last close, not sold (no exit fee; the default before issue 17)", run => run with { Arena = run.Arena with { CloseAtEnd = false } }),
        new(NoBorrow, "the base run with shorts free to hold (borrow cost 0; the default is 0.5 % a year)", run => run with { Arena = run.Arena with { ShortBorrowRate = 0 } }),
        new(Classic, "the 4 classic actions (Hold, Buy, Sell, Close), long and short, instead of target exposures (the default before issue 17)", run => run with { Arena = ClassicActions(run.Arena) }),
        new(TargetExposure, "target-exposure actions −1, −0.5, 0, 0.5, 1 of equity, long and short", run => run with { Arena = run.Arena with { Actions = ActionSet.TargetExposure, TargetExposures = ArenaOptions.LongShortTargetExposures, LongOnly = false } }),
        new(TargetExposureLongOnly, "long-only target-exposure actions 0, 0.5, 1 of equity (the default since issue 17)", run => run with { Arena = run.Arena with { Actions = ActionSet.TargetExposure, TargetExposures = ArenaOptions.DefaultTargetExposures, LongOnly = true } }),
        new(VolatilityTarget, "target-exposure actions −1 … 1 scaled to 15 % annual volatility (20-bar realised), capped at 1", run => run with { Arena = run.Arena with { Actions = ActionSet.TargetExposure, TargetExposures = ArenaOptions.LongShortTargetExposures, LongOnly = false, TargetVolatility = 0.15 } }),
        new(DsrReward, "the differential Sharpe ratio reward (Moody & Saffell, η = 0.01)", run => run with { Reward = new RewardOptions { Kind = RewardKind.DifferentialSharpe, DsrRate = 0.01 } }),
        new(ExcessReward, "the log return in excess of the asset's (over buy-and-hold) × 100", run => run with { Reward = new RewardOptions { Kind = RewardKind.ExcessLogReturn, Scale = 100 } }),
        new(TurnoverPenalty, "the base run's reward minus 0.002 per unit of exposure the agent trades (20 bp of equity for a full switch, twice the default fee) while learning; evaluation is net of the real fees only", run => run with { Reward = run.Reward with { TurnoverPenalty = 0.002 } }),
        new(
            Universe,
            "the base run trained on every bundled daily series (the market's own and the other daily names, each cut at the end of the market's training split, each with its own normaliser; an episode samples one uniformly), scored on the market's own validation and test; on a synthetic market the base run",
            run => run.Dataset.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal)
                ? run
                : run with { Universe = [.. BundledData.DailyNames.Where(n => n != run.Dataset)] }),
        new(
            UniverseSameClass,
            "as universe, with the bundled daily series of the market's own asset class only (equities, energy or FX); on a synthetic market or a file that is not bundled, the base run",
            run => BundledData.Contains(run.Dataset)
                ? run with
                {
                    Universe = [.. BundledData.DailyNames.Where(
                        n => n != run.Dataset && BundledData.AssetClass(n) == BundledData.AssetClass(run.Dataset))],
                }
                : run),
        new(
            PolicyAveraging,
            "checkpoints act and are scored with the moving average of the online weights, τ 0.002 per update (~500 updates, two iterations), not the online network itself",
            run => run with { Dqn = run.Dqn with { PolicyAveraging = 0.002 } }),
        new(Polyak, "Polyak target updates, τ = 0.005 after every update, instead of a hard copy every 250 updates", run => run with { Dqn = run.Dqn with { Tau = 0.005 } }),
        new(Prioritized, "prioritized replay (α 0.6, β 0.4 → 1) instead of uniform sampling", run => run with { PrioritizedReplay = true }),
        new(LowLearningRate, "learning rate 3e-4 (the base run's ÷ 3.3) with twice the learner updates per iteration", run => run with { Dqn = run.Dqn with { LearningRate = 3e-4 }, UpdatesPerIteration = run.UpdatesPerIteration * 2 }),
        new(NStep, "3-step returns: each transition sums 3 discounted rewards and bootstraps with γ³", run => run with { NStep = 3 }),
        new(LargeReplay, "a replay buffer of 50,000 experiences (every experience of the default run) instead of 10,000", run => run with { ReplayCapacity = 50_000 }),
        new(
            AccountState,
            "the base run's features plus TimeInPosition, the bars the current position has been held, min(bars, 60) / 60 (0 when flat)",
            run => run with { Features = run.Features with { Features = [.. run.Features.Features.Where(f => f != Lineage.Core.Features.FeatureKind.TimeInPosition), Lineage.Core.Features.FeatureKind.TimeInPosition] } }),
    ];

    public static ExperimentVariant? Find(string name) => All.FirstOrDefault(v => v.Name == name);

    private static ArenaOptions ClassicActions(ArenaOptions arena) => arena with { Actions = ActionSet.Classic, LongOnly = false };
}

/// <summary>Short market names and the datasets they stand for.</summary>
internal static class ExperimentMarkets
{
    public static string Dataset(string market) => market switch
    {
        "trend" or "meanrev" or "randomwalk" => "synthetic:" + market,
        _ => market,
    };

    /// <summary>Whether a market is generated (synthetic: many paths, one per market seed) rather than a file (one path).</summary>
    public static bool IsSynthetic(string market) =>
        Dataset(market).StartsWith(Orchestration.Runs.DatasetReferences.Synthetic, StringComparison.Ordinal);

    /// <summary>
    /// A run-id fragment: lowercase letters and digits, everything else a hyphen, at most <paramref name="max"/> characters.
    /// A longer text is cut and ends in 4 hex digits of its hash, so two names that share their first characters
    /// (target-exposure, target-exposure-long-only) still get different fragments.
    /// </summary>
    public static string Slug(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slug = new string([.. text.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]).Trim('-');
        if (slug.Length <= max)
        {
            return slug;
        }

        const int HashChars = 4;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..HashChars];
        return max <= HashChars + 1 ? hash[..Math.Min(max, HashChars)] : slug[..(max - HashChars - 1)].TrimEnd('-') + "-" + hash;
    }

    public static string ShortName(string dataset) =>
        dataset.StartsWith(Orchestration.Runs.DatasetReferences.Synthetic, StringComparison.Ordinal)
            ? dataset[Orchestration.Runs.DatasetReferences.Synthetic.Length..]
            : dataset.Replace(':', '-').Replace('/', '-');
}
