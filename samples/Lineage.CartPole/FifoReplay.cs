using Lineage.Core.Randomness;
using Lineage.Core.Replay;

namespace Lineage.CartPole;

/// <summary>Minimal fixed-capacity FIFO replay with uniform sampling (with replacement), for the CartPole check only.</summary>
internal sealed class FifoReplay(int capacity)
{
    private readonly Experience[] items = new Experience[capacity];
    private int next;

    public int Count { get; private set; }

    public void Add(Experience e)
    {
        items[next] = e;
        next = (next + 1) % items.Length;
        Count = Math.Min(Count + 1, items.Length);
    }

    public void Sample(Rng rng, List<Experience> into, int size)
    {
        into.Clear();
        for (var i = 0; i < size; i++)
        {
            into.Add(items[rng.NextInt(Count)]);
        }
    }
}
