using Lineage.Core.Randomness;
using Lineage.Core.Replay;

namespace Lineage.Core.Tests.Replay;

public class ReplayBufferTests
{
    [Fact]
    public void DefaultCapacity_Is10000()
    {
        Assert.Equal(10_000, new ReplayBuffer().Capacity);
    }

    [Fact]
    public void Indexer_ReturnsOldestFirst_BeforeFull()
    {
        var buffer = new ReplayBuffer(10);
        buffer.AddRange(Enumerable.Range(0, 4).Select(i => ExperienceFactory.Tagged(i)));

        Assert.Equal([0f, 1f, 2f, 3f], Enumerable.Range(0, buffer.Count).Select(i => buffer[i].Reward));
    }

    [Fact]
    public void Overflow_EvictsOldest_KeepsExactlyCapacity()
    {
        var buffer = new ReplayBuffer(5);
        buffer.AddRange(Enumerable.Range(0, 12).Select(i => ExperienceFactory.Tagged(i)));

        Assert.Equal(5, buffer.Count);
        Assert.Equal([7f, 8f, 9f, 10f, 11f], buffer.Select(e => e.Reward));
        Assert.Equal(7f, buffer[0].Reward);
        Assert.Equal(11f, buffer[4].Reward);
    }

    [Fact]
    public void Indexer_OutOfRange_Throws()
    {
        var buffer = new ReplayBuffer(5);
        buffer.Add(ExperienceFactory.Tagged(1));

        Assert.Throws<ArgumentOutOfRangeException>(() => buffer[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer[-1]);
    }

    [Fact]
    public void Sample_FromEmpty_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => new ReplayBuffer(5).Sample(1, new Rng(1)));
    }

    [Fact]
    public void Sample_SameSeed_SameBatch()
    {
        var buffer = new ReplayBuffer(50);
        buffer.AddRange(Enumerable.Range(0, 50).Select(i => ExperienceFactory.Tagged(i)));

        var a = buffer.Sample(32, new Rng(99)).Select(e => e.Reward);
        var b = buffer.Sample(32, new Rng(99)).Select(e => e.Reward);

        Assert.Equal(a, b);
    }

    [Fact]
    public void Sample_IsUniform_ChiSquare()
    {
        const int size = 20;
        var buffer = new ReplayBuffer(size);
        buffer.AddRange(Enumerable.Range(0, size + 7).Select(i => ExperienceFactory.Tagged(i)));
        var counts = new long[size];
        var rng = new Rng(2024);

        for (var batch = 0; batch < 1000; batch++)
        {
            foreach (var e in buffer.Sample(100, rng))
            {
                counts[(int)e.Reward - 7]++;
            }
        }

        var stat = ExperienceFactory.ChiSquare(counts, Enumerable.Repeat(1.0 / size, size).ToArray());
        // Critical value of chi-square with 19 degrees of freedom at p = 0.001.
        Assert.True(stat < 43.82, $"chi-square {stat:F2} >= 43.82");
    }
}
