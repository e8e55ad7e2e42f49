using System.Collections;
using Lineage.Core.Randomness;

namespace Lineage.Core.Replay;

/// <summary>
/// Proportional prioritized replay (Schaul et al. 2016) over a FIFO of <see cref="Capacity"/> experiences:
/// experience i is drawn with probability p_i^α / Σ p^α where p_i = |δ_i| + ε. New experiences get the
/// highest priority seen so far, so each is likely to be replayed at least once. A sum tree over the ring
/// buffer's slots makes add, update and sample O(log capacity). Index 0 is the oldest experience.
/// </summary>
public sealed class PrioritizedReplayBuffer : IReadOnlyList<Experience>
{
    public const double DefaultAlpha = 0.6;
    public const double DefaultEpsilon = 1e-6;

    private readonly Experience[] _items;
    private readonly float[] _priorities;
    private readonly double[] _tree;
    private readonly int _leaves;
    private int _head;

    public PrioritizedReplayBuffer(int capacity = ReplayBuffer.DefaultCapacity, double alpha = DefaultAlpha, double epsilon = DefaultEpsilon)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        if (!(alpha >= 0 && alpha <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Alpha must be in [0, 1].");
        }

        if (!(epsilon > 0 && double.IsFinite(epsilon)))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be positive and finite.");
        }

        Alpha = alpha;
        Epsilon = epsilon;
        _items = new Experience[capacity];
        _priorities = new float[capacity];
        _leaves = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity);
        _tree = new double[2 * _leaves];
    }

    public int Capacity => _items.Length;

    public int Count { get; private set; }

    public double Alpha { get; }

    public double Epsilon { get; }

    /// <summary>Priority given to new experiences: the largest priority seen so far (starts at 1). Persist it to resume exactly.</summary>
    public float MaxPriority { get; set; } = 1f;

    /// <summary>Σ p_i^α over the live experiences (the sum tree's root).</summary>
    public double TotalPriority => _tree[1];

    public Experience this[int index]
    {
        get
        {
            CheckIndex(index, nameof(index));
            return _items[Slot(index)];
        }
    }

    public void Add(Experience experience)
    {
        ArgumentNullException.ThrowIfNull(experience);
        int slot;
        if (Count < Capacity)
        {
            slot = Slot(Count);
            Count++;
        }
        else
        {
            slot = _head;
            _head = (_head + 1) % Capacity;
        }

        _items[slot] = experience;
        SetSlotPriority(slot, MaxPriority);
    }

    public void AddRange(IEnumerable<Experience> experiences)
    {
        ArgumentNullException.ThrowIfNull(experiences);
        foreach (var e in experiences)
        {
            Add(e);
        }
    }

    /// <summary>Draws <paramref name="n"/> experiences with replacement, proportionally to priority^α.</summary>
    public PrioritizedSample Sample(int n, double beta, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentNullException.ThrowIfNull(rng);
        if (!(beta >= 0 && beta <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "Beta must be in [0, 1].");
        }

        if (Count == 0 && n > 0)
        {
            throw new InvalidOperationException($"Cannot sample {n} experiences from an empty replay buffer.");
        }

        var indices = new int[n];
        var items = new Experience[n];
        var weights = new float[n];
        var total = TotalPriority;
        var raw = new double[n];
        var maxWeight = 0.0;
        for (var i = 0; i < n; i++)
        {
            var slot = FindSlot(rng, total);
            indices[i] = (slot - _head + Capacity) % Capacity;
            items[i] = _items[slot];
            var probability = _tree[_leaves + slot] / total;
            raw[i] = Math.Pow(Count * probability, -beta);
            maxWeight = Math.Max(maxWeight, raw[i]);
        }

        for (var i = 0; i < n; i++)
        {
            weights[i] = (float)(raw[i] / maxWeight);
        }

        return new PrioritizedSample(indices, items, weights);
    }

    /// <summary>Sets p_i = |δ_i| + ε for the sampled indices (counted from the oldest).</summary>
    public void UpdatePriorities(ReadOnlySpan<int> indices, ReadOnlySpan<float> tdErrors)
    {
        if (indices.Length != tdErrors.Length)
        {
            throw new ArgumentException($"{indices.Length} indices but {tdErrors.Length} TD errors; they must match.", nameof(tdErrors));
        }

        for (var i = 0; i < indices.Length; i++)
        {
            CheckIndex(indices[i], nameof(indices));
            if (!float.IsFinite(tdErrors[i]))
            {
                throw new ArgumentException($"TD error {i} is {tdErrors[i]}; it must be finite.", nameof(tdErrors));
            }

            var priority = (float)(Math.Abs(tdErrors[i]) + Epsilon);
            MaxPriority = Math.Max(MaxPriority, priority);
            SetSlotPriority(Slot(indices[i]), priority);
        }
    }

    /// <summary>The raw priorities p_i (before the α exponent), oldest first, for persistence.</summary>
    public float[] GetPriorities()
    {
        var result = new float[Count];
        for (var i = 0; i < Count; i++)
        {
            result[i] = _priorities[Slot(i)];
        }

        return result;
    }

    /// <summary>Restores raw priorities saved by <see cref="GetPriorities"/> (one per experience, oldest first).</summary>
    public void SetPriorities(ReadOnlySpan<float> priorities)
    {
        if (priorities.Length != Count)
        {
            throw new ArgumentException($"Got {priorities.Length} priorities for {Count} experiences; they must match.", nameof(priorities));
        }

        for (var i = 0; i < priorities.Length; i++)
        {
            if (!(priorities[i] > 0 && float.IsFinite(priorities[i])))
            {
                throw new ArgumentException($"Priority {i} is {priorities[i]}; priorities must be positive and finite.", nameof(priorities));
            }
        }

        for (var i = 0; i < priorities.Length; i++)
        {
            MaxPriority = Math.Max(MaxPriority, priorities[i]);
            SetSlotPriority(Slot(i), priorities[i]);
        }
    }

    public IEnumerator<Experience> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return _items[Slot(i)];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>p^α of the experience at <paramref name="index"/> as the sum tree holds it (for tests and diagnostics).</summary>
    internal double TreeLeaf(int index) => _tree[_leaves + Slot(index)];

    /// <summary>Recomputes every internal node from the leaves and returns the largest disagreement with the stored tree.</summary>
    internal double TreeInconsistency()
    {
        var worst = 0.0;
        for (var node = _leaves - 1; node >= 1; node--)
        {
            worst = Math.Max(worst, Math.Abs(_tree[node] - (_tree[2 * node] + _tree[(2 * node) + 1])));
        }

        return worst;
    }

    private int FindSlot(Rng rng, double total)
    {
        // Rounding can, very rarely, walk past the last live leaf; redraw in that case.
        for (var attempt = 0; attempt < 64; attempt++)
        {
            var u = rng.NextDouble() * total;
            var node = 1;
            while (node < _leaves)
            {
                var left = 2 * node;
                if (u < _tree[left])
                {
                    node = left;
                }
                else
                {
                    u -= _tree[left];
                    node = left + 1;
                }
            }

            if (_tree[node] > 0)
            {
                return node - _leaves;
            }
        }

        throw new InvalidOperationException("Sum tree sampling failed repeatedly; the tree is inconsistent.");
    }

    private void SetSlotPriority(int slot, float priority)
    {
        _priorities[slot] = priority;
        var node = _leaves + slot;
        _tree[node] = Math.Pow(priority, Alpha);
        for (node /= 2; node >= 1; node /= 2)
        {
            _tree[node] = _tree[2 * node] + _tree[(2 * node) + 1];
        }
    }

    private void CheckIndex(int index, string paramName)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(paramName, index, $"Index must be in [0, {Count}).");
        }
    }

    private int Slot(int index) => (_head + index) % Capacity;
}
