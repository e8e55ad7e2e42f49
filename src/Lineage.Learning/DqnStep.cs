using Lineage.Core.Randomness;

namespace Lineage.Learning;

/// <summary>
/// What one training iteration does with the replay buffer: refused updates stop the loop.
/// <see cref="UpdatesDone"/> counts successful updates; <see cref="Losses"/> and <see cref="MeanQs"/> hold one value
/// per successful update. When <see cref="RefusedReason"/> is set, update <see cref="RefusedAtUpdate"/> (0-based, equal
/// to <see cref="UpdatesDone"/>) produced a non-finite loss or gradient and the trainer is as it was before it.
/// </summary>
public sealed record DqnTrainResult(
    bool LearningStarted,
    int UpdatesDone,
    float[] Losses,
    float[] MeanQs,
    double MeanAbsTdError,
    string? RefusedReason,
    int? RefusedAtUpdate)
{
    public bool Refused => RefusedReason is not null;

    /// <summary>Mean of <see cref="Losses"/> (averaged as floats); 0 without updates.</summary>
    public double MeanLoss => Losses.Length == 0 ? 0 : Losses.Average();

    /// <summary>Mean of <see cref="MeanQs"/> (averaged as floats); 0 without updates.</summary>
    public double MeanQ => MeanQs.Length == 0 ? 0 : MeanQs.Average();
}

/// <summary>
/// The DQN algorithm of one training iteration, read top to bottom as in CleanRL's dqn.py: the ε schedule for acting,
/// the β schedule for prioritized replay, and the update loop (learning starts, sample, update, new priorities).
/// Pure and deterministic: the schedules are called from the Durable orchestrator (replay-safe, same bits on every
/// replay), and <see cref="Train"/> draws all its randomness from the <see cref="Rng"/> it is given.
/// </summary>
public static class DqnStep
{
    /// <summary>ε annealed linearly from <paramref name="start"/> to <paramref name="end"/> over the first <paramref name="decayFraction"/> of the run, then held.</summary>
    public static double LinearEpsilon(double start, double end, double decayFraction, int iteration, int totalIterations)
    {
        var decayIterations = Math.Max(1.0, decayFraction * totalIterations);
        var t = Math.Clamp(iteration / decayIterations, 0.0, 1.0);
        return start + ((end - start) * t);
    }

    /// <summary>Ape-X's fixed per-actor ε: actor i of N acts with base^(1 + α·i/(N−1)).</summary>
    public static double ApeXEpsilon(double epsilonBase, double alpha, int actor, int actorCount)
    {
        var position = actorCount <= 1 ? 0.0 : (double)actor / (actorCount - 1);
        return Math.Pow(epsilonBase, 1.0 + (alpha * position));
    }

    /// <summary>
    /// Prioritized replay's importance-sampling exponent β for <paramref name="iteration"/>, annealed from
    /// <paramref name="betaStart"/> to 1 at <paramref name="scheduleEnd"/> (the iteration after the last one).
    /// </summary>
    public static double PriorityBeta(double betaStart, int iteration, int scheduleEnd)
    {
        var progress = Math.Clamp((iteration + 1.0) / Math.Max(1, scheduleEnd), 0, 1);
        return betaStart + ((1 - betaStart) * progress);
    }

    /// <summary>Updates start once the buffer holds this many experiences (never fewer than one batch).</summary>
    public static int LearningStartsAt(int learningStarts, int batchSize) => Math.Max(learningStarts, batchSize);

    /// <summary>
    /// Runs up to <paramref name="updates"/> gradient updates of <paramref name="trainer"/> on minibatches of
    /// <paramref name="batchSize"/> from <paramref name="replay"/>, none while it holds fewer than
    /// <see cref="LearningStartsAt"/> experiences. A non-finite update is refused: the loop stops there and the
    /// result says which update it was; the caller must not checkpoint the trainer as progress.
    /// </summary>
    public static DqnTrainResult Train(DqnTrainer trainer, IReplaySampler replay, int updates, int batchSize, int learningStarts, double beta, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(replay);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegative(updates);

        if (replay.Count < LearningStartsAt(learningStarts, batchSize))
        {
            return new DqnTrainResult(false, 0, [], [], 0, null, null);
        }

        var losses = new float[updates];
        var meanQs = new float[updates];
        double tdSum = 0;
        for (var u = 0; u < updates; u++)
        {
            var batch = replay.Sample(batchSize, beta, rng);
            UpdateMetrics metrics;
            try
            {
                metrics = trainer.Update(batch.Experiences, batch.Weights);
            }
            catch (NonFiniteUpdateException ex)
            {
                return new DqnTrainResult(true, u, losses[..u], meanQs[..u], u == 0 ? 0 : tdSum / u, ex.Message, u);
            }

            replay.UpdatePriorities(batch, metrics.TdErrors);
            losses[u] = (float)metrics.Loss;
            meanQs[u] = (float)metrics.MeanQ;
            tdSum += metrics.MeanAbsTdError;
        }

        return new DqnTrainResult(true, updates, losses, meanQs, updates == 0 ? 0 : tdSum / updates, null, null);
    }
}
