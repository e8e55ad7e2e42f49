using System.Collections;
using Lineage.Core.Randomness;

namespace Lineage.Core.Replay;

/// <summary>
/// FIFO experience replay: holds the newest <see cref="Capacity"/> experiences; index 0 is the oldest.
/// </summary>
public sealed class ReplayBuffer : IReadOnlyList<Experience>
{
    public const int DefaultCapacity = 10_000;

    private readonly Experience[] _items;
    private int _head;

    public ReplayBuffer(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _items = new Experience[capacity];
    }

    public int Capacity => _items.Length;

    public int Count { get; private set; }

    /// <summary>The experience at <paramref name="index"/>, counted from the oldest (0) to the newest (Count - 1).</summary>
    public Experience this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"Index must be in [0, {Count}).");
            }

            return _items[Slot(index)];
        }
    }

    public void Add(Experience experience)
    {
        ArgumentNullException.ThrowIfNull(experience);
        if (Count < Capacity)
        {
            _items[Slot(Count)] = experience;
            Count++;
        }
        else
        {
            _items[_head] = experience;
            _head = (_head + 1) % Capacity;
        }
    }

    public void AddRange(IEnumerable<Experience> experiences)
    {
        ArgumentNullException.ThrowIfNull(experiences);
        foreach (var e in experiences)
        {
            Add(e);
        }
    }

    /// <summary><paramref name="n"/> experiences drawn uniformly with replacement.</summary>
    public Experience[] Sample(int n, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentNullException.ThrowIfNull(rng);
        if (Count == 0 && n > 0)
        {
            throw new InvalidOperationException($"Cannot sample {n} experiences from an empty replay buffer.");
        }

        var result = new Experience[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = _items[Slot(rng.NextInt(Count))];
        }

        return result;
    }

    public IEnumerator<Experience> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return _items[Slot(i)];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int Slot(int index) => (_head + index) % Capacity;
}
