using Lineage.Core.Randomness;

namespace Lineage.CartPole;

/// <summary>One transition of <see cref="CartPoleEnvironment"/>; <see cref="State"/> is the next observation.</summary>
public readonly record struct CartPoleStep(float[] State, float Reward, bool Terminated, bool Truncated);

/// <summary>
/// CartPole-v1 with Gym's exact dynamics: cart-pole constants of Barto, Sutton &amp; Anderson, explicit
/// Euler with τ = 0.02 s, termination at |x| &gt; 2.4 or |θ| &gt; 12°, truncation at 500 steps,
/// reward 1 per step (the terminating step included), initial state uniform in ±0.05.
/// Physics in double precision, observations float32 (as Gym returns them).
/// Observation: [x, ẋ, θ, θ̇]; actions: 0 = push left, 1 = push right.
/// </summary>
public sealed class CartPoleEnvironment
{
    public const int StateSize = 4;
    public const int ActionCount = 2;
    public const int MaxEpisodeSteps = 500;

    public const double Gravity = 9.8;
    public const double MassCart = 1.0;
    public const double MassPole = 0.1;
    public const double TotalMass = MassCart + MassPole;
    public const double Length = 0.5; // half the pole's length
    public const double PoleMassLength = MassPole * Length;
    public const double ForceMagnitude = 10.0;
    public const double Tau = 0.02;
    public const double ThetaThresholdRadians = 12 * 2 * Math.PI / 360;
    public const double XThreshold = 2.4;

    private double x, xDot, theta, thetaDot;
    private int steps;
    private bool done = true;

    public int EpisodeSteps => steps;

    public float[] Reset(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        x = Uniform(rng);
        xDot = Uniform(rng);
        theta = Uniform(rng);
        thetaDot = Uniform(rng);
        steps = 0;
        done = false;
        return Observation();
    }

    /// <summary>Puts the system in a given state (for tests and hand-checked trajectories).</summary>
    public float[] SetState(double cartPosition, double cartVelocity, double poleAngle, double poleAngularVelocity)
    {
        (x, xDot, theta, thetaDot) = (cartPosition, cartVelocity, poleAngle, poleAngularVelocity);
        steps = 0;
        done = false;
        return Observation();
    }

    public CartPoleStep Step(int action)
    {
        if (action is not (0 or 1))
        {
            throw new ArgumentOutOfRangeException(nameof(action), action, "CartPole actions are 0 (left) and 1 (right).");
        }

        if (done)
        {
            throw new InvalidOperationException("The episode has ended: call Reset first.");
        }

        var force = action == 1 ? ForceMagnitude : -ForceMagnitude;
        var cos = Math.Cos(theta);
        var sin = Math.Sin(theta);
        var temp = (force + (PoleMassLength * thetaDot * thetaDot * sin)) / TotalMass;
        var thetaAcc = ((Gravity * sin) - (cos * temp)) / (Length * ((4.0 / 3.0) - (MassPole * cos * cos / TotalMass)));
        var xAcc = temp - (PoleMassLength * thetaAcc * cos / TotalMass);

        x += Tau * xDot;
        xDot += Tau * xAcc;
        theta += Tau * thetaDot;
        thetaDot += Tau * thetaAcc;
        steps++;

        var terminated = x < -XThreshold || x > XThreshold || theta < -ThetaThresholdRadians || theta > ThetaThresholdRadians;
        var truncated = steps >= MaxEpisodeSteps;
        done = terminated || truncated;
        return new CartPoleStep(Observation(), 1f, terminated, truncated);
    }

    private static double Uniform(Rng rng) => (rng.NextDouble() * 0.1) - 0.05;

    private float[] Observation() => [(float)x, (float)xDot, (float)theta, (float)thetaDot];
}
