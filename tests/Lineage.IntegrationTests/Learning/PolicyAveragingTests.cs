using Lineage.Core.Randomness;
using Lineage.Learning;
using Lineage.Policy;
using Lineage.Policy.Checkpoints;

namespace Lineage.IntegrationTests.Learning;

/// <summary>
/// <see cref="DqnOptions.PolicyAveraging"/>: a checkpoint acts and is scored with the moving average of the online weights,
/// the learner trains the online network as before, and a resume goes on with the average it stopped at.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class PolicyAveragingTests
{
    private static readonly DqnOptions Averaged = new() { HiddenLayers = [16], PolicyAveraging = 0.1 };

    [Fact]
    public void The_checkpoint_policy_is_the_moving_average_of_the_online_weights_after_every_update()
    {
        using var trainer = new DqnTrainer(5, 4, Averaged, seed: 3);
        var rng = new Rng(4);
        var average = trainer.GetOnlineWeights().Select(t => t.Data.Select(x => (double)x).ToArray()).ToList();
        for (var update = 0; update < 25; update++)
        {
            trainer.Update(LearningTestData.RandomBatch(rng, 32));
            var online = trainer.GetOnlineWeights();
            for (var t = 0; t < average.Count; t++)
            {
                for (var k = 0; k < average[t].Length; k++)
                {
                    average[t][k] = (0.9 * average[t][k]) + (0.1 * online[t].Data[k]);
                }
            }
        }

        var checkpoint = trainer.CreateCheckpoint(0, 0, new Rng(1).GetState(), "{}");
        var policy = checkpoint.Policy.ToNamedTensors();
        Assert.Equal(average.Count, policy.Count);
        for (var t = 0; t < average.Count; t++)
        {
            Assert.All(average[t].Zip(policy[t].Data), p => Assert.Equal(p.First, p.Second, 1e-5));
        }

        // The policy lags the online network: it is not the online weights (which the checkpoint still holds for training).
        Assert.False(LearningTestData.SameBits(checkpoint.OnlineWeights, policy));
        Assert.True(LearningTestData.SameBits(checkpoint.OnlineWeights, trainer.GetOnlineWeights()));
    }

    [Fact]
    public void Without_averaging_the_policy_is_the_online_network()
    {
        using var trainer = new DqnTrainer(5, 4, Averaged with { PolicyAveraging = 0 }, seed: 3);
        var rng = new Rng(4);
        for (var update = 0; update < 5; update++)
        {
            trainer.Update(LearningTestData.RandomBatch(rng, 32));
        }

        var checkpoint = trainer.CreateCheckpoint(0, 0, new Rng(1).GetState(), "{}");
        Assert.True(LearningTestData.SameBits(checkpoint.OnlineWeights, checkpoint.Policy.ToNamedTensors()));
    }

    [Fact]
    public void A_resume_goes_on_with_the_average_and_reproduces_the_uninterrupted_policy_bit_for_bit()
    {
        var data = LearningTestData.RandomBatch(new Rng(40), 300);
        using var straight = new DqnTrainer(5, 4, Averaged, seed: 41);
        using var first = new DqnTrainer(5, 4, Averaged, seed: 41);
        var (rngA, rngB) = (new Rng(42), new Rng(42));
        for (var i = 0; i < 20; i++)
        {
            straight.Update(Sample(data, rngA));
            first.Update(Sample(data, rngB));
        }

        var saved = CheckpointCodec.Decode(CheckpointCodec.Encode(first.CreateCheckpoint(0, 0, rngB.GetState(), "{}")));
        using var resumed = DqnTrainer.Restore(saved);
        var rngC = Rng.FromState(saved.RngState);
        for (var i = 0; i < 20; i++)
        {
            straight.Update(Sample(data, rngA));
            resumed.Update(Sample(data, rngC));
        }

        var expected = straight.CreateCheckpoint(0, 0, rngA.GetState(), "{}").Policy.ToBytes();
        Assert.Equal(expected, resumed.CreateCheckpoint(0, 0, rngC.GetState(), "{}").Policy.ToBytes());
    }

    [Fact]
    public void Switched_on_at_a_resume_the_average_starts_from_the_online_weights()
    {
        using var plain = new DqnTrainer(5, 4, Averaged with { PolicyAveraging = 0 }, seed: 5);
        plain.Update(LearningTestData.RandomBatch(new Rng(6), 32));
        var saved = plain.CreateCheckpoint(0, 0, new Rng(1).GetState(), "{}");

        using var resumed = DqnTrainer.Restore(saved, Averaged);

        Assert.True(LearningTestData.SameBits(saved.OnlineWeights, resumed.CreateCheckpoint(0, 0, new Rng(1).GetState(), "{}").Policy.ToNamedTensors()));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void A_value_outside_0_to_1_is_refused(double tau)
    {
        Assert.Contains((Averaged with { PolicyAveraging = tau }).Validate(), e => e.Contains(nameof(DqnOptions.PolicyAveraging), StringComparison.Ordinal));
    }

    private static List<Core.Replay.Experience> Sample(List<Core.Replay.Experience> data, Rng rng) =>
        [.. Enumerable.Range(0, 32).Select(_ => data[rng.NextInt(data.Count)])];
}
