namespace Lineage.Core.Replay;

/// <summary>
/// n-step returns (Sutton &amp; Barto §7.1; Rainbow uses n = 3): transition t of an episode becomes
/// (s_t, a_t, Σ_{k&lt;m} γ^k r_{t+k}, s_{t+m}) with m = n, or fewer where the episode ends first, and
/// <see cref="Experience.Steps"/> = m, so the learner bootstraps with γ^m. A termination inside the window ends it there
/// (no bootstrap); the episode's last transitions keep its truncation (still bootstrapped, from the last state seen).
/// The acting policy's later actions are inside the sum, so with ε-greedy acting the target is slightly on-policy:
/// the usual, uncorrected trade of a little bias for faster credit assignment.
/// </summary>
public static class NStepReturns
{
    /// <summary>The n-step transitions of one episode's one-step transitions, in order (the same list when n is 1).</summary>
    public static IReadOnlyList<Experience> Apply(IReadOnlyList<Experience> episode, int n, double gamma)
    {
        ArgumentNullException.ThrowIfNull(episode);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, ExperienceCodec.MaxSteps);
        if (!double.IsFinite(gamma) || gamma is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "γ must be in [0, 1].");
        }

        if (n == 1)
        {
            return episode;
        }

        var result = new Experience[episode.Count];
        for (var t = 0; t < episode.Count; t++)
        {
            var first = episode[t];
            if (first.Steps != 1)
            {
                throw new ArgumentException($"Transition {t} already spans {first.Steps} steps; n-step returns are built from one-step transitions.", nameof(episode));
            }

            var sum = 0.0;
            var discount = 1.0;
            var last = t;
            for (var k = 0; k < n && t + k < episode.Count; k++)
            {
                last = t + k;
                var step = episode[last];
                sum += discount * step.Reward;
                discount *= gamma;
                if (step.Terminated || step.Truncated)
                {
                    break;
                }
            }

            var end = episode[last];
            result[t] = new Experience(first.State, first.Action, (float)sum, end.NextState, end.Terminated, end.Truncated, last - t + 1);
        }

        return result;
    }
}
