using Lineage.Core.Randomness;
using Lineage.Core.Replay;

namespace Lineage.IntegrationTests.Learning;

internal static class LearningTestData
{
    public static float[] RandomState(Rng rng, int size, double scale = 1.0)
    {
        var s = new float[size];
        for (var i = 0; i < size; i++)
        {
            s[i] = (float)(rng.NextGaussian() * scale);
        }

        return s;
    }

    public static List<Experience> RandomBatch(Rng rng, int count, int stateSize = 5, int actionCount = 4)
    {
        var batch = new List<Experience>(count);
        for (var i = 0; i < count; i++)
        {
            batch.Add(new Experience(
                RandomState(rng, stateSize),
                rng.NextInt(actionCount),
                (float)rng.NextGaussian(),
                RandomState(rng, stateSize),
                Terminated: rng.NextDouble() < 0.1,
                Truncated: rng.NextDouble() < 0.1));
        }

        return batch;
    }

    public static bool SameBits(IReadOnlyList<Lineage.Policy.NamedTensor> a, IReadOnlyList<Lineage.Policy.NamedTensor> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.BitwiseEquals(p.Second));
}
