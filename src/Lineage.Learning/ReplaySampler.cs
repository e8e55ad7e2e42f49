using Lineage.Core.Randomness;
using Lineage.Core.Replay;

namespace Lineage.Learning;

/// <summary>
/// One minibatch for an update. <see cref="Weights"/> are the importance-sampling weights (null: all 1);
/// <see cref="Indices"/> locate the sampled experiences for the priority update (null: uniform replay).
/// </summary>
public sealed record ReplayBatch(IReadOnlyList<Experience> Experiences, float[]? Weights, int[]? Indices);

/// <summary>The replay buffer as <see cref="DqnStep.Train"/> sees it: sample a batch, then feed back its TD errors.</summary>
public interface IReplaySampler
{
    int Count { get; }

    /// <summary>Draws <paramref name="batchSize"/> experiences with replacement; uniform replay ignores <paramref name="beta"/>.</summary>
    ReplayBatch Sample(int batchSize, double beta, Rng rng);

    /// <summary>Gives the batch's signed TD errors back as new priorities; uniform replay has none to update.</summary>
    void UpdatePriorities(ReplayBatch batch, float[] tdErrors);
}

/// <summary>Uniform replay (the FIFO <see cref="ReplayBuffer"/>): every stored experience equally likely.</summary>
public sealed class UniformReplaySampler(ReplayBuffer buffer) : IReplaySampler
{
    public int Count => buffer.Count;

    public ReplayBatch Sample(int batchSize, double beta, Rng rng) => new(buffer.Sample(batchSize, rng), null, null);

    public void UpdatePriorities(ReplayBatch batch, float[] tdErrors)
    {
    }
}

/// <summary>Proportional prioritized replay: sampled ∝ priority^α, weighted by (N·P)^−β, priorities ← |δ| + ε.</summary>
public sealed class PrioritizedReplaySampler(PrioritizedReplayBuffer buffer) : IReplaySampler
{
    public int Count => buffer.Count;

    public ReplayBatch Sample(int batchSize, double beta, Rng rng)
    {
        var sample = buffer.Sample(batchSize, beta, rng);
        return new ReplayBatch(sample.Items, sample.Weights, sample.Indices);
    }

    public void UpdatePriorities(ReplayBatch batch, float[] tdErrors) =>
        buffer.UpdatePriorities(batch.Indices ?? throw new ArgumentException("A prioritized batch carries its indices.", nameof(batch)), tdErrors);
}
