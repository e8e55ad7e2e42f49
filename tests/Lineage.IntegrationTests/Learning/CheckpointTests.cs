using Lineage.Core.Randomness;
using Lineage.Core.Replay;
using Lineage.Learning;
using Lineage.Policy;
using Lineage.Policy.Checkpoints;

namespace Lineage.IntegrationTests.Learning;

[Collection(TorchCollection.Name)]
public sealed class CheckpointTests
{
    private const string Context = """{"features":["ret1","ret5"],"fingerprint":"abc"}""";

    [Fact]
    public void Encode_decode_round_trip_is_bit_exact()
    {
        using var trainer = Trained(new DqnOptions { HiddenLayers = [16], Dueling = true }, updates: 5);
        var original = trainer.CreateCheckpoint(envSteps: 1234, epsilonStep: 567, rngState: new Rng(1).GetState(), Context);

        var bytes = CheckpointCodec.Encode(original);
        var back = CheckpointCodec.Decode(bytes);

        Assert.Equal(bytes, CheckpointCodec.Encode(back));
        Assert.True(LearningTestData.SameBits(original.OnlineWeights, back.OnlineWeights));
        Assert.True(LearningTestData.SameBits(original.TargetWeights, back.TargetWeights));
        Assert.Equal(original.OptimizerState, back.OptimizerState);
        Assert.Equal((5L, 1234L, 567L), (back.UpdateCount, back.EnvSteps, back.EpsilonStep));
        Assert.Equal(original.RngState, back.RngState);
        Assert.Equal(original.Options, back.Options);
        Assert.Equal(Context, back.ContextJson);
        Assert.Equal(original.Policy.ToBytes(), back.Policy.ToBytes());
    }

    [Theory]
    [InlineData("original")]
    [InlineData("hard-target")]
    [InlineData("dueling-polyak")]
    public void Resuming_from_a_checkpoint_reproduces_the_uninterrupted_run_bit_for_bit(string config)
    {
        var options = config switch
        {
            "original" => DqnOptions.Original with { HiddenLayers = [32] },
            "hard-target" => new DqnOptions { HiddenLayers = [32], TargetUpdateInterval = 7 },
            _ => new DqnOptions { HiddenLayers = [32, 16], Dueling = true, Tau = 0.05, Loss = DqnLoss.Mse },
        };
        var data = LearningTestData.RandomBatch(new Rng(40), 500);
        const int total = 60;

        using var straight = new DqnTrainer(5, 4, options, seed: 41);
        var rng = new Rng(42);
        for (var i = 0; i < total; i++)
        {
            straight.Update(Sample(data, rng));
        }

        using var first = new DqnTrainer(5, 4, options, seed: 41);
        var rng1 = new Rng(42);
        for (var i = 0; i < total / 2; i++)
        {
            first.Update(Sample(data, rng1));
        }

        var bytes = CheckpointCodec.Encode(first.CreateCheckpoint(total / 2 * 32, 0, rng1.GetState(), "{}"));
        var checkpoint = CheckpointCodec.Decode(bytes);
        using var resumed = DqnTrainer.Restore(checkpoint);
        var rng2 = Rng.FromState(checkpoint.RngState);
        for (var i = total / 2; i < total; i++)
        {
            resumed.Update(Sample(data, rng2));
        }

        Assert.Equal(total, resumed.UpdateCount);
        Assert.True(LearningTestData.SameBits(straight.GetOnlineWeights(), resumed.GetOnlineWeights()));
        Assert.True(LearningTestData.SameBits(straight.GetTargetWeights(), resumed.GetTargetWeights()));
    }

    [Fact]
    public void A_flipped_bit_anywhere_in_the_payload_is_detected()
    {
        using var trainer = Trained(new DqnOptions { HiddenLayers = [8] }, updates: 1);
        var bytes = CheckpointCodec.Encode(trainer.CreateCheckpoint(0, 0, new Rng(1).GetState(), "{}"));
        var rng = new Rng(43);
        for (var i = 0; i < 20; i++)
        {
            var corrupted = (byte[])bytes.Clone();
            corrupted[20 + rng.NextInt(bytes.Length - 20)] ^= (byte)(1 << rng.NextInt(8));

            var ex = Assert.Throws<CheckpointFormatException>(() => CheckpointCodec.Decode(corrupted));

            Assert.Contains("corrupted", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_truncated_checkpoint_is_rejected()
    {
        using var trainer = Trained(new DqnOptions { HiddenLayers = [8] }, updates: 1);
        var bytes = CheckpointCodec.Encode(trainer.CreateCheckpoint(0, 0, new Rng(1).GetState(), "{}"));

        var ex = Assert.Throws<CheckpointFormatException>(() => CheckpointCodec.Decode(bytes.AsSpan(0, bytes.Length - 100)));

        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_schema_version_is_rejected_naming_the_version()
    {
        using var trainer = Trained(new DqnOptions { HiddenLayers = [8] }, updates: 1);
        var bytes = CheckpointCodec.Encode(trainer.CreateCheckpoint(0, 0, new Rng(1).GetState(), "{}"));
        bytes[8] = 99;

        var ex = Assert.Throws<CheckpointFormatException>(() => CheckpointCodec.Decode(bytes));

        Assert.Contains("version 99", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_are_not_a_checkpoint_are_rejected()
    {
        var ex = Assert.Throws<CheckpointFormatException>(() => CheckpointCodec.Decode(new byte[100]));

        Assert.Contains("Not a Lineage checkpoint", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Restored_policy_acts_like_the_trainer_it_came_from()
    {
        using var trainer = Trained(new DqnOptions { HiddenLayers = [16] }, updates: 3);
        var checkpoint = CheckpointCodec.Decode(CheckpointCodec.Encode(trainer.CreateCheckpoint(0, 0, new Rng(1).GetState(), "{}")));
        var state = LearningTestData.RandomState(new Rng(44), 5);
        var q = new float[4];

        checkpoint.Policy.Evaluate(state, q);

        Assert.Equal(trainer.PredictQ(state), q, (x, y) => Math.Abs(x - y) < 1e-5);
    }

    private static DqnTrainer Trained(DqnOptions options, int updates)
    {
        var trainer = new DqnTrainer(5, 4, options, seed: 45);
        var rng = new Rng(46);
        for (var i = 0; i < updates; i++)
        {
            trainer.Update(LearningTestData.RandomBatch(rng, 32));
        }

        return trainer;
    }

    private static List<Experience> Sample(List<Experience> data, Rng rng)
    {
        var batch = new List<Experience>(32);
        for (var i = 0; i < 32; i++)
        {
            batch.Add(data[rng.NextInt(data.Count)]);
        }

        return batch;
    }
}
