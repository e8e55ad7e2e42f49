using Lineage.Core.Randomness;
using Lineage.Core.Replay;
using Lineage.Learning;
using Lineage.Policy;

namespace Lineage.IntegrationTests.Learning;

[Collection(TorchCollection.Name)]
public sealed class DqnTrainerTests
{
    private static readonly DqnOptions Options = new() { HiddenLayers = [32] };

    [Fact]
    public void Repeated_updates_on_one_batch_drive_its_loss_down()
    {
        using var trainer = new DqnTrainer(5, 4, Options with { Gamma = 0 }, seed: 1);
        var batch = LearningTestData.RandomBatch(new Rng(2), 32);

        var first = trainer.Update(batch);
        UpdateMetrics last = first;
        for (var i = 0; i < 300; i++)
        {
            last = trainer.Update(batch);
        }

        Assert.True(last.Loss < first.Loss / 10, $"loss {first.Loss} -> {last.Loss}");
        Assert.Equal(301, last.UpdateCount);
    }

    [Fact]
    public void Terminated_transition_target_is_the_reward_alone()
    {
        using var trainer = new DqnTrainer(5, 4, Options, seed: 3);
        var rng = new Rng(4);
        var e = new Experience(LearningTestData.RandomState(rng, 5), 2, 0.7f, LearningTestData.RandomState(rng, 5), Terminated: true, Truncated: false);
        var q = trainer.PredictQ(e.State);

        var td = trainer.Update([e]).TdErrors[0];

        Assert.Equal(0.7f - q[2], td, 5);
    }

    [Fact]
    public void Truncated_transition_bootstraps_from_the_next_state()
    {
        using var trainer = new DqnTrainer(5, 4, Options with { Gamma = 0.9 }, seed: 3);
        var rng = new Rng(4);
        var e = new Experience(LearningTestData.RandomState(rng, 5), 1, 0.7f, LearningTestData.RandomState(rng, 5), Terminated: false, Truncated: true);
        var q = trainer.PredictQ(e.State);
        var next = trainer.PredictQ(e.NextState).Max();

        var td = trainer.Update([e]).TdErrors[0];

        Assert.Equal(0.7f + (0.9f * next) - q[1], td, 5);
    }

    [Fact]
    public void An_n_step_transition_bootstraps_with_gamma_to_the_n()
    {
        using var trainer = new DqnTrainer(5, 4, Options with { Gamma = 0.9 }, seed: 3);
        var rng = new Rng(4);
        var e = new Experience(LearningTestData.RandomState(rng, 5), 1, 0.7f, LearningTestData.RandomState(rng, 5), Terminated: false, Truncated: false, Steps: 3);
        var q = trainer.PredictQ(e.State);
        var next = trainer.PredictQ(e.NextState).Max();

        var td = trainer.Update([e]).TdErrors[0];

        Assert.Equal(0.7f + (0.729f * next) - q[1], td, 5);
    }

    [Fact]
    public void Importance_weights_multiply_the_per_sample_loss()
    {
        using var trainer = new DqnTrainer(5, 4, Options with { Loss = DqnLoss.Mse }, seed: 5);
        var batch = LearningTestData.RandomBatch(new Rng(6), 8);
        float[] weights = [0f, 0.5f, 1f, 2f, 3f, 0.25f, 1f, 4f];

        var m = trainer.Update(batch, weights);

        var expected = m.TdErrors.Select((td, i) => weights[i] * (double)td * td).Average();
        Assert.Equal(expected, m.Loss, 4);
    }

    [Fact]
    public void Unit_importance_weights_give_the_same_update_as_none()
    {
        using var plain = new DqnTrainer(5, 4, Options, seed: 23);
        using var weighted = new DqnTrainer(5, 4, Options, seed: 23);
        var batch = LearningTestData.RandomBatch(new Rng(24), 16);

        var a = plain.Update(batch);
        var b = weighted.Update(batch, Enumerable.Repeat(1f, 16).ToArray());

        Assert.Equal(a.Loss, b.Loss);
        Assert.True(LearningTestData.SameBits(plain.GetOnlineWeights(), weighted.GetOnlineWeights()));
    }

    [Fact]
    public void Metrics_summarise_the_per_sample_td_errors()
    {
        using var trainer = new DqnTrainer(5, 4, Options, seed: 7);

        var m = trainer.Update(LearningTestData.RandomBatch(new Rng(8), 16));

        Assert.Equal(16, m.TdErrors.Length);
        Assert.Equal(m.TdErrors.Average(x => Math.Abs((double)x)), m.MeanAbsTdError, 6);
        Assert.Equal(m.TdErrors.Max(x => Math.Abs((double)x)), m.MaxAbsTdError, 6);
    }

    [Fact]
    public void Nan_reward_throws_before_any_weight_changes()
    {
        using var trainer = new DqnTrainer(5, 4, Options, seed: 9);
        var batch = LearningTestData.RandomBatch(new Rng(10), 8);
        batch[3] = batch[3] with { Reward = float.NaN };
        var before = trainer.GetOnlineWeights();

        var ex = Assert.Throws<NonFiniteUpdateException>(() => trainer.Update(batch));

        Assert.Contains("loss is NaN", ex.Message, StringComparison.Ordinal);
        Assert.True(LearningTestData.SameBits(before, trainer.GetOnlineWeights()));
        Assert.Equal(0, trainer.UpdateCount);
    }

    [Fact]
    public void Overflowing_gradient_throws_before_any_weight_changes()
    {
        using var trainer = new DqnTrainer(5, 4, Options, seed: 9);
        var batch = LearningTestData.RandomBatch(new Rng(10), 8);
        var huge = Enumerable.Repeat(1e30f, 8).ToArray();
        var before = trainer.GetOnlineWeights();

        var ex = Assert.Throws<NonFiniteUpdateException>(() => trainer.Update(batch, huge));

        Assert.Contains("gradient norm is", ex.Message, StringComparison.Ordinal);
        Assert.True(LearningTestData.SameBits(before, trainer.GetOnlineWeights()));
    }

    [Fact]
    public void Optimizer_step_that_overflows_the_weights_is_refused_and_cannot_be_checkpointed()
    {
        // Loss and gradient norm are finite; SGD with lr 1e38 steps the weights to ∞. Before the check this update
        // "succeeded" and the next checkpoint carried ∞ weights as `latest`.
        var sgd = Options with { Optimizer = DqnOptimizer.Sgd, Loss = DqnLoss.Mse, LearningRate = 1e38, MaxGradNorm = 0 };
        using var trainer = new DqnTrainer(5, 4, sgd, seed: 9);
        var batch = LearningTestData.RandomBatch(new Rng(10), 8).Select(e => e with { Reward = 1e6f }).ToList();

        var ex = Assert.Throws<NonFiniteUpdateException>(() => trainer.Update(batch));

        Assert.Contains("non-finite weights", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, trainer.UpdateCount);
        Assert.Throws<NonFiniteUpdateException>(() => trainer.CreateCheckpoint(0, 0, new Rng(1).GetState(), "{}"));
    }

    [Fact]
    public void A_rejected_update_leaves_optimizer_state_untouched()
    {
        using var clean = new DqnTrainer(5, 4, Options, seed: 11);
        using var disturbed = new DqnTrainer(5, 4, Options, seed: 11);
        var batch = LearningTestData.RandomBatch(new Rng(12), 8);
        var poisoned = batch.Select(e => e with { Reward = float.PositiveInfinity }).ToList();

        clean.Update(batch);
        disturbed.Update(batch);
        Assert.Throws<NonFiniteUpdateException>(() => disturbed.Update(poisoned));
        clean.Update(batch);
        disturbed.Update(batch);

        Assert.True(LearningTestData.SameBits(clean.GetOnlineWeights(), disturbed.GetOnlineWeights()));
    }

    [Fact]
    public void Hard_target_update_copies_online_weights_every_interval()
    {
        using var trainer = new DqnTrainer(5, 4, Options with { TargetUpdateInterval = 3 }, seed: 13);
        var batch = LearningTestData.RandomBatch(new Rng(14), 8);
        var initial = trainer.GetTargetWeights();

        trainer.Update(batch);
        trainer.Update(batch);
        Assert.True(LearningTestData.SameBits(initial, trainer.GetTargetWeights()));
        trainer.Update(batch);

        Assert.True(LearningTestData.SameBits(trainer.GetOnlineWeights(), trainer.GetTargetWeights()));
    }

    [Fact]
    public void Polyak_update_blends_target_towards_online_by_tau()
    {
        using var trainer = new DqnTrainer(5, 4, Options with { Tau = 0.1 }, seed: 15);
        var old = trainer.GetTargetWeights();

        trainer.Update(LearningTestData.RandomBatch(new Rng(16), 8));

        var online = trainer.GetOnlineWeights();
        var target = trainer.GetTargetWeights();
        for (var t = 0; t < target.Count; t++)
        {
            for (var i = 0; i < target[t].Data.Length; i++)
            {
                Assert.Equal((0.1 * online[t].Data[i]) + (0.9 * old[t].Data[i]), target[t].Data[i], tolerance: 1e-6);
            }
        }
    }

    [Fact]
    public void Same_seed_and_batches_give_bit_identical_weights()
    {
        using var a = new DqnTrainer(5, 4, Options with { Dueling = true }, seed: 17);
        using var b = new DqnTrainer(5, 4, Options with { Dueling = true }, seed: 17);
        var rng = new Rng(18);
        for (var i = 0; i < 20; i++)
        {
            var batch = LearningTestData.RandomBatch(rng, 32);
            a.Update(batch);
            b.Update(batch);
        }

        Assert.True(LearningTestData.SameBits(a.GetOnlineWeights(), b.GetOnlineWeights()));
    }

    [Fact]
    public void Original_options_train_without_a_target_network()
    {
        using var trainer = new DqnTrainer(5, 4, DqnOptions.Original, seed: 19);

        var m = trainer.Update(LearningTestData.RandomBatch(new Rng(20), 32));

        Assert.Empty(trainer.GetTargetWeights());
        Assert.True(double.IsFinite(m.Loss));
    }

    [Fact]
    public void Batch_with_a_wrong_state_size_is_rejected_naming_the_index()
    {
        using var trainer = new DqnTrainer(5, 4, Options, seed: 21);
        var batch = LearningTestData.RandomBatch(new Rng(22), 4);
        batch[2] = batch[2] with { NextState = new float[3] };

        var ex = Assert.Throws<ArgumentException>(() => trainer.Update(batch));

        Assert.Contains("batch[2]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_options_are_rejected_at_construction()
    {
        var ex = Assert.Throws<ArgumentException>(() => new DqnTrainer(5, 4, Options with { LearningRate = -1 }, seed: 1));

        Assert.Contains("LearningRate = -1", ex.Message, StringComparison.Ordinal);
    }
}
