using Lineage.Core.Randomness;
using Lineage.CartPole;

namespace Lineage.IntegrationTests.Learning;

public sealed class CartPoleEnvironmentTests
{
    [Fact]
    public void Two_steps_match_hand_computed_gym_dynamics()
    {
        // Expected values computed by hand from Gym's cartpole.py equations (Euler, τ = 0.02).
        var env = new CartPoleEnvironment();
        env.SetState(0.01, -0.02, 0.03, 0.04);

        var left = env.Step(0);
        var right = env.Step(1);

        AssertClose([0.0096, -0.21553901710278936, 0.0308, 0.3419952237760392], left.State);
        AssertClose([0.005289219657944213, -0.020868498014729647, 0.037639904475520784, 0.05918170675641765], right.State);
        Assert.Equal((1f, false, false), (right.Reward, right.Terminated, right.Truncated));
    }

    [Fact]
    public void Pushing_right_from_rest_tips_the_pole_past_12_degrees_on_step_9()
    {
        var env = new CartPoleEnvironment();
        env.SetState(0, 0, 0, 0);

        var steps = Enumerable.Range(0, 9).Select(_ => env.Step(1)).ToList();

        Assert.All(steps.Take(8), s => Assert.False(s.Terminated));
        Assert.True(steps[8].Terminated);
        Assert.Equal(1f, steps[8].Reward);
        Assert.Equal(-0.21518604988500967, steps[8].State[2], tolerance: 1e-7);
    }

    [Fact]
    public void Cart_beyond_2_4_terminates()
    {
        var env = new CartPoleEnvironment();
        env.SetState(2.39, 1.0, 0, 0);

        Assert.True(env.Step(1).Terminated);
    }

    [Fact]
    public void Episode_is_truncated_not_terminated_at_500_steps()
    {
        var env = new CartPoleEnvironment();
        env.SetState(0, 0, 0, 0);
        CartPoleStep last = default;
        for (var i = 0; i < 500; i++)
        {
            // A balancing controller: push towards the side the pole leans to.
            last = env.Step(last.State is null || last.State[2] + (0.5f * last.State[3]) > 0 ? 1 : 0);
            Assert.False(last.Terminated);
        }

        Assert.True(last.Truncated);
        Assert.Throws<InvalidOperationException>(() => env.Step(0));
    }

    [Fact]
    public void Reset_draws_each_state_component_within_plus_minus_0_05()
    {
        var env = new CartPoleEnvironment();
        var rng = new Rng(61);

        var states = Enumerable.Range(0, 200).Select(_ => env.Reset(rng)).ToList();

        Assert.All(states.SelectMany(s => s), v => Assert.InRange(v, -0.05f, 0.05f));
        Assert.True(states.Select(s => s[0]).Distinct().Count() > 190);
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], tolerance: 1e-7);
        }
    }
}
