using Lineage.Core.Episodes;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Replay;
using Lineage.Core.Trading;
using Xunit.Abstractions;

namespace Lineage.Core.Tests.Episodes;

/// <summary>Backs the documented reward magnitudes of <see cref="RewardOptions"/> with numbers from real data.</summary>
public class RewardScaleTests(ITestOutputHelper output)
{
    private (double MeanAbsStep, double MaxAbs) Measure(RewardOptions reward)
    {
        var split = DataSplits.Chronological(BundledData.Load("spy"));
        var env = EnvironmentFactory.Create(split.Train, reward: reward);
        var sink = new List<Experience>();
        EpisodeRunner.Run(env, env.FirstStartIndex, 500, FixedPolicy.Flat(env.StateSize), 0.2, new Rng(3), sink);
        var steps = sink.Take(sink.Count - 1).Select(e => Math.Abs((double)e.Reward)).ToArray();
        var result = (steps.Average(), sink.Max(e => Math.Abs((double)e.Reward)));
        output.WriteLine($"{reward.Kind} × {reward.Scale}: mean |step reward| {result.Item1:F4}, max |reward| {result.Item2:F2}");
        return result;
    }

    [Fact]
    public void Recommended_learning_reward_has_per_step_magnitudes_of_order_one()
    {
        var (meanAbs, maxAbs) = Measure(RewardOptions.RecommendedForLearning);

        Assert.InRange(meanAbs, 0.05, 2);
        Assert.InRange(maxAbs, 0.1, 20);
    }

    [Fact]
    public void Prototype_reward_is_dominated_by_its_end_of_episode_term()
    {
        var (meanAbs, maxAbs) = Measure(new RewardOptions());

        Assert.True(maxAbs > 100 * meanAbs, $"max {maxAbs} vs mean step {meanAbs}");
    }
}
