using Lineage.Core.Randomness;
using Lineage.Core.Replay;
using Lineage.Learning;
using Lineage.Policy;

namespace Lineage.IntegrationTests.Learning;

[Collection(TorchCollection.Name)]
public sealed class DqnStepTests
{
    private const int BatchSize = 16;
    private static readonly DqnOptions Options = new() { HiddenLayers = [32], BatchSize = BatchSize };

    [Fact]
    public void Below_learning_starts_no_update_runs_and_no_randomness_is_drawn()
    {
        using var trainer = new DqnTrainer(5, 4, Options, seed: 1);
        var replay = Uniform(count: 99);
        var rng = new Rng(2);
        var before = rng.GetState();

        var result = DqnStep.Train(trainer, replay, updates: 10, BatchSize, learningStarts: 100, beta: 0.4, rng);

        Assert.False(result.LearningStarted);
        Assert.Equal(0, result.UpdatesDone);
        Assert.Empty(result.Losses);
        Assert.Equal(0, result.MeanLoss);
        Assert.Equal(0, trainer.UpdateCount);
        Assert.Equal(before, rng.GetState());
    }

    [Fact]
    public void Learning_starts_at_one_batch_at_least()
    {
        Assert.Equal(BatchSize, DqnStep.LearningStartsAt(learningStarts: 0, BatchSize));
        Assert.Equal(500, DqnStep.LearningStartsAt(learningStarts: 500, BatchSize));
    }

    [Fact]
    public void At_learning_starts_every_update_runs_and_reports_its_loss_and_mean_q()
    {
        using var trainer = new DqnTrainer(5, 4, Options, seed: 1);

        var result = DqnStep.Train(trainer, Uniform(count: 100), updates: 7, BatchSize, learningStarts: 100, beta: 0.4, new Rng(2));

        Assert.True(result.LearningStarted);
        Assert.False(result.Refused);
        Assert.Equal(7, result.UpdatesDone);
        Assert.Equal(7, result.Losses.Length);
        Assert.Equal(7, result.MeanQs.Length);
        Assert.All(result.Losses, l => Assert.True(float.IsFinite(l) && l >= 0));
        Assert.True(result.MeanAbsTdError > 0);
        Assert.Equal(7, trainer.UpdateCount);
    }

    [Fact]
    public void Uniform_step_is_bit_identical_to_the_hand_written_loop()
    {
        using var stepped = new DqnTrainer(5, 4, Options, seed: 3);
        using var manual = new DqnTrainer(5, 4, Options, seed: 3);
        var buffer = Buffer(count: 200);
        var (stepRng, manualRng) = (new Rng(4), new Rng(4));

        var result = DqnStep.Train(stepped, new UniformReplaySampler(buffer), updates: 20, BatchSize, learningStarts: 50, beta: 1, stepRng);
        var losses = Enumerable.Range(0, 20).Select(_ => (float)manual.Update(buffer.Sample(BatchSize, manualRng)).Loss).ToArray();

        Assert.Equal(losses, result.Losses);
        Assert.Equal(manualRng.GetState(), stepRng.GetState());
        Assert.True(LearningTestData.SameBits(manual.GetOnlineWeights(), stepped.GetOnlineWeights()));
    }

    [Fact]
    public void Prioritized_step_samples_with_importance_weights_and_updates_the_sampled_priorities()
    {
        using var trainer = new DqnTrainer(5, 4, Options, seed: 5);
        var buffer = new PrioritizedReplayBuffer(capacity: 500);
        buffer.AddRange(LearningTestData.RandomBatch(new Rng(6), 200));
        var before = buffer.GetPriorities();

        var result = DqnStep.Train(trainer, new PrioritizedReplaySampler(buffer), updates: 5, BatchSize, learningStarts: 50, beta: 0.4, new Rng(7));

        Assert.Equal(5, result.UpdatesDone);
        var after = buffer.GetPriorities();
        var changed = Enumerable.Range(0, before.Length).Count(i => after[i] != before[i]);
        Assert.InRange(changed, 1, 5 * BatchSize);
    }

    [Fact]
    public void Prioritized_step_is_bit_identical_to_the_hand_written_loop()
    {
        using var stepped = new DqnTrainer(5, 4, Options, seed: 3);
        using var manual = new DqnTrainer(5, 4, Options, seed: 3);
        var (stepBuffer, manualBuffer) = (new PrioritizedReplayBuffer(capacity: 500), new PrioritizedReplayBuffer(capacity: 500));
        stepBuffer.AddRange(LearningTestData.RandomBatch(new Rng(6), 200));
        manualBuffer.AddRange(LearningTestData.RandomBatch(new Rng(6), 200));
        var (stepRng, manualRng) = (new Rng(4), new Rng(4));

        var result = DqnStep.Train(stepped, new PrioritizedReplaySampler(stepBuffer), updates: 20, BatchSize, learningStarts: 50, beta: 0.55, stepRng);
        var losses = new float[20];
        for (var u = 0; u < 20; u++)
        {
            var sample = manualBuffer.Sample(BatchSize, 0.55, manualRng);
            var metrics = manual.Update(sample.Items, sample.Weights);
            manualBuffer.UpdatePriorities(sample.Indices, metrics.TdErrors);
            losses[u] = (float)metrics.Loss;
        }

        Assert.Equal(losses, result.Losses);
        Assert.Equal(manualBuffer.GetPriorities(), stepBuffer.GetPriorities());
        Assert.Equal(manualRng.GetState(), stepRng.GetState());
        Assert.True(LearningTestData.SameBits(manual.GetOnlineWeights(), stepped.GetOnlineWeights()));
    }

    [Fact]
    public void Uniform_step_leaves_the_buffer_as_it_was()
    {
        using var trainer = new DqnTrainer(5, 4, Options, seed: 5);
        var buffer = Buffer(count: 100);
        var before = buffer.ToArray();

        DqnStep.Train(trainer, new UniformReplaySampler(buffer), updates: 5, BatchSize, learningStarts: 50, beta: 0.4, new Rng(7));

        Assert.Equal(before, buffer.ToArray());
    }

    [Fact]
    public void A_refused_update_stops_the_loop_and_names_the_update()
    {
        using var trainer = new DqnTrainer(5, 4, Options, seed: 8);
        var replay = new PoisonedAt(poisonedBatch: 3, Buffer(count: 100));

        var result = DqnStep.Train(trainer, replay, updates: 10, BatchSize, learningStarts: 50, beta: 0.4, new Rng(9));

        Assert.True(result.Refused);
        Assert.Equal(3, result.RefusedAtUpdate);
        Assert.Equal(3, result.UpdatesDone);
        Assert.Equal(3, result.Losses.Length);
        Assert.Contains("loss is NaN", result.RefusedReason, StringComparison.Ordinal);
        Assert.Equal(3, trainer.UpdateCount);
        Assert.Equal(4, replay.Sampled);
    }

    [Fact]
    public void Linear_epsilon_anneals_from_start_to_end_over_the_decay_fraction_then_holds()
    {
        Assert.Equal(1.0, DqnStep.LinearEpsilon(1.0, 0.05, 0.5, iteration: 0, totalIterations: 20));
        Assert.Equal(0.525, DqnStep.LinearEpsilon(1.0, 0.05, 0.5, iteration: 5, totalIterations: 20), 12);
        Assert.Equal(0.05, DqnStep.LinearEpsilon(1.0, 0.05, 0.5, iteration: 10, totalIterations: 20), 12);
        Assert.Equal(0.05, DqnStep.LinearEpsilon(1.0, 0.05, 0.5, iteration: 19, totalIterations: 20), 12);
    }

    [Fact]
    public void ApeX_epsilon_spreads_actors_from_base_to_base_to_the_one_plus_alpha()
    {
        Assert.Equal(0.4, DqnStep.ApeXEpsilon(0.4, 7, actor: 0, actorCount: 8));
        Assert.Equal(Math.Pow(0.4, 8), DqnStep.ApeXEpsilon(0.4, 7, actor: 7, actorCount: 8));
        Assert.Equal(0.4, DqnStep.ApeXEpsilon(0.4, 7, actor: 0, actorCount: 1));
    }

    [Fact]
    public void Priority_beta_anneals_to_one_at_the_last_iteration()
    {
        Assert.Equal(0.46, DqnStep.PriorityBeta(0.4, iteration: 0, scheduleEnd: 10), 12);
        Assert.Equal(1.0, DqnStep.PriorityBeta(0.4, iteration: 9, scheduleEnd: 10));
        Assert.Equal(1.0, DqnStep.PriorityBeta(0.4, iteration: 30, scheduleEnd: 10));
    }

    private static ReplayBuffer Buffer(int count)
    {
        var buffer = new ReplayBuffer(capacity: 1000);
        buffer.AddRange(LearningTestData.RandomBatch(new Rng(11), count));
        return buffer;
    }

    private static UniformReplaySampler Uniform(int count) => new(Buffer(count));

    /// <summary>Uniform replay whose batch number <c>poisonedBatch</c> (0-based) carries a NaN reward.</summary>
    private sealed class PoisonedAt(int poisonedBatch, ReplayBuffer buffer) : IReplaySampler
    {
        private readonly UniformReplaySampler inner = new(buffer);

        public int Sampled { get; private set; }

        public int Count => inner.Count;

        public ReplayBatch Sample(int batchSize, double beta, Rng rng)
        {
            var batch = inner.Sample(batchSize, beta, rng);
            if (Sampled++ != poisonedBatch)
            {
                return batch;
            }

            var poisoned = batch.Experiences.ToArray();
            poisoned[0] = poisoned[0] with { Reward = float.NaN };
            return batch with { Experiences = poisoned };
        }

        public void UpdatePriorities(ReplayBatch batch, float[] tdErrors)
        {
        }
    }
}
