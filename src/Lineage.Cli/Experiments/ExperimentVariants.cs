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

    public static IReadOnlyList<ExperimentVariant> All { get; } =
    [
        new(Default, "the training run's defaults (or --config)", run => run),
        new(
            Original,
            "the original prototype as Lineage implements it: plain SGD, MSE, no target network, no double DQN, no gradient clipping, the 5-component reward with its default weights (scale 1); everything else as the base run",
            run => run with
            {
                Dqn = run.Dqn with { Optimizer = Lineage.Policy.DqnOptimizer.Sgd, Loss = Lineage.Policy.DqnLoss.Mse, UseTargetNetwork = false, DoubleDqn = false, MaxGradNorm = 0 },
                Reward = new RewardOptions { Kind = RewardKind.FiveComponent, Scale = 1 },
            }),
        new(FiveComponent, "the base run's learner with the 5-component reward at its default weights (scale 1)", run => run with { Reward = new RewardOptions { Kind = RewardKind.FiveComponent, Scale = 1 } }),
        new(LogReturn, "the base run's learner with the log-return reward × 100 (RewardOptions.RecommendedForLearning)", run => run with { Reward = RewardOptions.RecommendedForLearning }),
        new(
            RichState,
            "the base run with FeatureSpec.Rich: the default features plus 5/60/120-bar momentum, 20/60-bar volatility, distance from the 50/200-bar moving averages and the 250-bar drawdown (warm-up 250 bars); the base run's window",
            run => run with { Features = Lineage.Core.Features.FeatureSpec.Rich with { Window = run.Features.Window } }),
    ];

    public static ExperimentVariant? Find(string name) => All.FirstOrDefault(v => v.Name == name);
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

    /// <summary>A run-id fragment: lowercase letters and digits, everything else a hyphen, at most <paramref name="max"/> characters.</summary>
    public static string Slug(string text, int max)
    {
        var slug = new string([.. text.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]).Trim('-');
        return slug.Length > max ? slug[..max].TrimEnd('-') : slug;
    }

    public static string ShortName(string dataset) =>
        dataset.StartsWith(Orchestration.Runs.DatasetReferences.Synthetic, StringComparison.Ordinal)
            ? dataset[Orchestration.Runs.DatasetReferences.Synthetic.Length..]
            : dataset.Replace(':', '-').Replace('/', '-');
}
