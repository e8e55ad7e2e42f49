using Lineage.Core.Randomness;
using Lineage.Core.Replay;

namespace Lineage.Core.Tests.Replay;

internal static class ExperienceFactory
{
    public static Experience[] Random(int count, int stateSize, ulong seed)
    {
        var rng = new Rng(seed);
        var result = new Experience[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = new Experience(
                Floats(rng, stateSize),
                rng.NextInt(4),
                (float)rng.NextGaussian(),
                Floats(rng, stateSize),
                rng.NextInt(2) == 0,
                rng.NextInt(3) == 0);
        }

        return result;
    }

    /// <summary>An experience whose reward carries an id, so FIFO order is visible.</summary>
    public static Experience Tagged(int id, int stateSize = 3) =>
        new(Enumerable.Repeat((float)id, stateSize).ToArray(), id % 4, id, Enumerable.Repeat(id + 0.5f, stateSize).ToArray(), false, false);

    public static void AssertSame(Experience expected, Experience actual)
    {
        Assert.Equal(expected.State, actual.State);
        Assert.Equal(expected.Action, actual.Action);
        Assert.Equal(expected.Reward, actual.Reward);
        Assert.Equal(expected.NextState, actual.NextState);
        Assert.Equal(expected.Terminated, actual.Terminated);
        Assert.Equal(expected.Truncated, actual.Truncated);
        Assert.Equal(expected.Steps, actual.Steps);
    }

    /// <summary>Pearson's chi-square statistic of observed counts against expected probabilities.</summary>
    public static double ChiSquare(long[] observed, double[] probabilities)
    {
        var n = observed.Sum();
        var stat = 0.0;
        for (var i = 0; i < observed.Length; i++)
        {
            var expected = n * probabilities[i];
            stat += (observed[i] - expected) * (observed[i] - expected) / expected;
        }

        return stat;
    }

    private static float[] Floats(Rng rng, int n)
    {
        var values = new float[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = (float)rng.NextGaussian();
        }

        return values;
    }
}
