using Lineage.Core.Replay;

namespace Lineage.Core.Tests.Replay;

public sealed class NStepReturnsTests
{
    private static Experience Step(int t, float reward, bool terminated = false, bool truncated = false) =>
        new([t], t % 4, reward, [t + 1], terminated, truncated);

    [Fact]
    public void Each_transition_sums_n_discounted_rewards_and_bootstraps_from_the_state_n_steps_on()
    {
        var episode = new[] { Step(0, 1), Step(1, 2), Step(2, 4), Step(3, 8), Step(4, 16, truncated: true) };

        var nStep = NStepReturns.Apply(episode, 3, 0.5);

        Assert.Equal(5, nStep.Count);
        Assert.Equal(1 + (0.5 * 2) + (0.25 * 4), nStep[0].Reward, 6);
        Assert.Equal([3f], nStep[0].NextState);
        Assert.Equal(3, nStep[0].Steps);
        Assert.Equal(0, nStep[0].Action);
        Assert.Equal([0f], nStep[0].State);
        Assert.False(nStep[0].Truncated);
        Assert.Equal(2 + (0.5 * 4) + (0.25 * 8), nStep[1].Reward, 6);

        // The episode's end shortens the window: fewer steps, the truncation kept, so the learner still bootstraps.
        Assert.Equal(8 + (0.5 * 16), nStep[3].Reward, 6);
        Assert.Equal(2, nStep[3].Steps);
        Assert.True(nStep[3].Truncated);
        Assert.Equal([5f], nStep[3].NextState);
        Assert.Equal(16, nStep[4].Reward, 6);
        Assert.Equal(1, nStep[4].Steps);
    }

    [Fact]
    public void A_termination_inside_the_window_ends_it_with_no_bootstrap()
    {
        var episode = new[] { Step(0, 1), Step(1, -10, terminated: true) };

        var nStep = NStepReturns.Apply(episode, 4, 0.9);

        Assert.Equal(1 + (0.9 * -10), nStep[0].Reward, 5);
        Assert.True(nStep[0].Terminated);
        Assert.Equal(2, nStep[0].Steps);
        Assert.True(nStep[1].Terminated);
        Assert.Equal(1, nStep[1].Steps);
    }

    [Fact]
    public void One_step_returns_are_the_transitions_themselves()
    {
        var episode = new[] { Step(0, 1), Step(1, 2) };
        Assert.Same(episode, NStepReturns.Apply(episode, 1, 0.99));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        var episode = new[] { Step(0, 1) };
        Assert.Throws<ArgumentOutOfRangeException>(() => NStepReturns.Apply(episode, 0, 0.9));
        Assert.Throws<ArgumentOutOfRangeException>(() => NStepReturns.Apply(episode, 2, 1.5));
        Assert.Throws<ArgumentException>(() => NStepReturns.Apply([episode[0] with { Steps = 2 }], 2, 0.9));
    }
}
