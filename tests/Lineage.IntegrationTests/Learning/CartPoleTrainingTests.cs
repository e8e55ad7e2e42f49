using Lineage.CartPole;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Learning;

[Collection(TorchCollection.Name)]
public sealed class CartPoleTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void Dqn_solves_cartpole_within_50000_steps_for_at_least_2_of_3_seeds()
    {
        var options = new CartPoleTrainingOptions();
        var solved = 0;
        foreach (var seed in new ulong[] { 1, 2, 3 })
        {
            var result = CartPoleDqn.Train(options, seed);
            // Held-out evaluation episodes: a seed family never used during training or periodic evaluation.
            var score = CartPoleDqn.Evaluate(result.Policy, episodes: 10, seed: 1_000_000 + seed);
            output.WriteLine($"seed {seed}: stopped at {result.EnvSteps} env steps, {result.Updates} updates, {result.Elapsed.TotalSeconds:F1} s; held-out greedy mean {score:F1}; evals {string.Join(" ", result.Evaluations.Select(e => $"{e.EnvSteps}:{e.MeanReturn:F0}"))}");
            if (score >= 475)
            {
                solved++;
            }
        }

        Assert.True(solved >= 2, $"solved {solved} of 3 seeds");
    }
}
