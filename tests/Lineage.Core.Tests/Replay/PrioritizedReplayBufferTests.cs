using Lineage.Core.Randomness;
using Lineage.Core.Replay;

namespace Lineage.Core.Tests.Replay;

public class PrioritizedReplayBufferTests
{
    [Fact]
    public void NewExperiences_GetMaxPriority()
    {
        var buffer = new PrioritizedReplayBuffer(10);
        buffer.AddRange(Enumerable.Range(0, 4).Select(i => ExperienceFactory.Tagged(i)));
        buffer.UpdatePriorities([1], [5f]);

        buffer.Add(ExperienceFactory.Tagged(99));

        Assert.Equal(5f + 1e-6f, buffer.GetPriorities()[^1], 5);
        Assert.Equal(1f, buffer.GetPriorities()[0]);
    }

    [Fact]
    public void Sample_IsProportionalToPriorityPowAlpha_ChiSquare()
    {
        var buffer = Filled(10);
        float[] td = [0.1f, 0.5f, 1f, 2f, 3f, 0.05f, 4f, 0.7f, 1.5f, 0.2f];
        buffer.UpdatePriorities(Enumerable.Range(0, 10).ToArray(), td);
        var weights = td.Select(d => Math.Pow(Math.Abs(d) + 1e-6, 0.6)).ToArray();
        var probabilities = weights.Select(w => w / weights.Sum()).ToArray();
        var counts = new long[10];
        var rng = new Rng(5);

        for (var batch = 0; batch < 2000; batch++)
        {
            foreach (var i in buffer.Sample(100, 0.4, rng).Indices)
            {
                counts[i]++;
            }
        }

        var stat = ExperienceFactory.ChiSquare(counts, probabilities);
        // Critical value of chi-square with 9 degrees of freedom at p = 0.001.
        Assert.True(stat < 27.88, $"chi-square {stat:F2} >= 27.88");
    }

    [Fact]
    public void Sample_ReturnsItemsMatchingIndices()
    {
        var buffer = Filled(30);

        var sample = buffer.Sample(64, 0.5, new Rng(3));

        for (var i = 0; i < sample.Indices.Length; i++)
        {
            Assert.Same(buffer[sample.Indices[i]], sample.Items[i]);
        }
    }

    [Fact]
    public void Weights_AreImportanceSamplingWeightsNormalisedByMax()
    {
        var buffer = Filled(2);
        buffer.UpdatePriorities([0, 1], [1f, 3f]);
        const double beta = 0.5;
        var p0 = Math.Pow(1 + 1e-6, 0.6);
        var p1 = Math.Pow(3 + 1e-6, 0.6);
        var w0 = Math.Pow(2 * p0 / (p0 + p1), -beta);
        var w1 = Math.Pow(2 * p1 / (p0 + p1), -beta);

        var sample = buffer.Sample(200, beta, new Rng(8));

        Assert.Contains(0, sample.Indices);
        Assert.Contains(1, sample.Indices);
        for (var i = 0; i < sample.Indices.Length; i++)
        {
            var expected = sample.Indices[i] == 0 ? 1.0 : w1 / w0;
            Assert.Equal(expected, sample.Weights[i], 5);
        }
    }

    [Fact]
    public void FifoEviction_KeepsSumTreeConsistent()
    {
        var buffer = new PrioritizedReplayBuffer(7);
        var rng = new Rng(12);
        for (var i = 0; i < 40; i++)
        {
            buffer.Add(ExperienceFactory.Tagged(i));
            var sample = buffer.Sample(3, 0.4, rng);
            buffer.UpdatePriorities(sample.Indices, sample.Indices.Select(_ => (float)(rng.NextDouble() * 4)).ToArray());
        }

        Assert.Equal(7, buffer.Count);
        Assert.Equal([33f, 34f, 35f, 36f, 37f, 38f, 39f], buffer.Select(e => e.Reward));
        Assert.True(buffer.TreeInconsistency() < 1e-12);
        var expectedTotal = buffer.GetPriorities().Sum(p => Math.Pow(p, 0.6));
        Assert.Equal(expectedTotal, buffer.TotalPriority, 9);
        Assert.All(Enumerable.Range(0, 7), i => Assert.Equal(Math.Pow(buffer.GetPriorities()[i], 0.6), buffer.TreeLeaf(i), 9));
    }

    [Fact]
    public void Sample_NeverReturnsEvictedExperiences()
    {
        var buffer = new PrioritizedReplayBuffer(5);
        buffer.AddRange(Enumerable.Range(0, 23).Select(i => ExperienceFactory.Tagged(i)));

        var sample = buffer.Sample(500, 0.4, new Rng(4));

        Assert.All(sample.Items, e => Assert.InRange(e.Reward, 18f, 22f));
    }

    [Fact]
    public void Priorities_RoundTripIntoAFreshBuffer_SameSamples()
    {
        var buffer = Filled(20);
        var rng = new Rng(77);
        for (var i = 0; i < 10; i++)
        {
            var s = buffer.Sample(8, 0.4, rng);
            buffer.UpdatePriorities(s.Indices, s.Indices.Select(_ => (float)rng.NextGaussian()).ToArray());
        }

        var restored = new PrioritizedReplayBuffer(20);
        restored.AddRange(buffer);
        restored.SetPriorities(buffer.GetPriorities());
        restored.MaxPriority = buffer.MaxPriority;

        Assert.Equal(buffer.GetPriorities(), restored.GetPriorities());
        Assert.Equal(buffer.Sample(50, 0.4, new Rng(1)).Indices, restored.Sample(50, 0.4, new Rng(1)).Indices);
    }

    [Fact]
    public void SetPriorities_WrongLengthOrNonPositive_Throws()
    {
        var buffer = Filled(3);

        Assert.Throws<ArgumentException>(() => buffer.SetPriorities([1f, 1f]));
        var ex = Assert.Throws<ArgumentException>(() => buffer.SetPriorities([1f, 0f, 1f]));
        Assert.Contains("Priority 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UpdatePriorities_RejectsNaNAndBadIndex()
    {
        var buffer = Filled(3);

        Assert.Throws<ArgumentException>(() => buffer.UpdatePriorities([0], [float.NaN]));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.UpdatePriorities([3], [1f]));
        Assert.Throws<ArgumentException>(() => buffer.UpdatePriorities([0, 1], [1f]));
    }

    private static PrioritizedReplayBuffer Filled(int n)
    {
        var buffer = new PrioritizedReplayBuffer(n);
        buffer.AddRange(Enumerable.Range(0, n).Select(i => ExperienceFactory.Tagged(i)));
        return buffer;
    }
}
