namespace Lineage.Core.Replay;

/// <summary>
/// A prioritized minibatch. <see cref="Indices"/> count from the oldest experience (0) and stay valid
/// until the buffer next changes; pass them back to <see cref="PrioritizedReplayBuffer.UpdatePriorities"/>.
/// <see cref="Weights"/> are importance-sampling weights (N·P(i))^-β divided by the batch maximum.
/// </summary>
public sealed record PrioritizedSample(int[] Indices, Experience[] Items, float[] Weights);
