using System.Diagnostics;
using Lineage.Core.Randomness;
using Lineage.Learning;
using Lineage.Policy;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Lineage.IntegrationTests.Learning;

[Collection(TorchCollection.Name)]
public sealed class MlpPolicyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false, new[] { 64 })]
    [InlineData(true, new[] { 64 })]
    [InlineData(false, new[] { 256, 256 })]
    [InlineData(true, new[] { 17, 9, 33 })]
    public void Q_values_match_torch_within_1e5_on_random_states(bool dueling, int[] hidden)
    {
        using var trainer = new DqnTrainer(5, 4, new DqnOptions { HiddenLayers = hidden, Dueling = dueling }, seed: 31);
        var rng = new Rng(32);
        for (var i = 0; i < 5; i++)
        {
            trainer.Update(LearningTestData.RandomBatch(rng, 32));
        }

        var policy = trainer.ExportPolicy();
        var states = LearningTestData.RandomState(rng, 5 * 200, scale: 3);
        var expected = trainer.PredictQ(states);
        var q = new float[4];
        for (var s = 0; s < 200; s++)
        {
            policy.Evaluate(states.AsSpan(s * 5, 5), q);
            for (var a = 0; a < 4; a++)
            {
                Assert.Equal(expected[(s * 4) + a], q[a], tolerance: 1e-5f);
            }
        }
    }

    [Fact]
    public void Bytes_round_trip_gives_identical_q_values()
    {
        using var trainer = new DqnTrainer(5, 4, new DqnOptions { HiddenLayers = [16, 8], Dueling = true }, seed: 33);
        var policy = trainer.ExportPolicy();

        var back = MlpPolicy.FromBytes(policy.ToBytes());

        Assert.Equal(policy.ToBytes(), back.ToBytes());
        Assert.Equal((5, 4, true), (back.StateSize, back.ActionCount, back.Dueling));
        Assert.Equal([16, 8], back.HiddenLayers);
    }

    [Fact]
    public void Truncated_bytes_are_rejected()
    {
        using var trainer = new DqnTrainer(5, 4, new DqnOptions(), seed: 34);
        var bytes = trainer.ExportPolicy().ToBytes();

        var ex = Assert.Throws<InvalidDataException>(() => MlpPolicy.FromBytes(bytes.AsSpan(0, bytes.Length - 4)));

        Assert.Contains("header implies", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Greedy_action_is_the_argmax_of_the_q_values()
    {
        using var trainer = new DqnTrainer(5, 4, new DqnOptions(), seed: 35);
        var policy = trainer.ExportPolicy();
        var rng = new Rng(36);
        var q = new float[4];
        for (var i = 0; i < 50; i++)
        {
            var s = LearningTestData.RandomState(rng, 5);
            policy.Evaluate(s, q);

            Assert.Equal(Array.IndexOf(q, q.Max()), policy.GreedyAction(s));
        }
    }

    /// <summary>
    /// Measures acting at batch 1 (reported in the output; timing is not asserted: Debug builds and a
    /// shared 2-core machine make it unreliable) and checks both paths pick the same greedy actions.
    /// </summary>
    [Theory]
    [InlineData(5, 4, new[] { 64 })]
    [InlineData(4, 2, new[] { 256, 256 })]
    public void Acting_benchmark_plain_csharp_and_torch_choose_the_same_actions(int stateSize, int actionCount, int[] hidden)
    {
        using var trainer = new DqnTrainer(stateSize, actionCount, new DqnOptions { HiddenLayers = hidden }, seed: 37);
        var policy = trainer.ExportPolicy();
        var rng = new Rng(38);
        var states = Enumerable.Range(0, 64).Select(_ => LearningTestData.RandomState(rng, stateSize)).ToArray();
        var q = new float[actionCount];
        const int steps = 20_000;

        // Warm up past tiered JIT's call-counting delay so both loops run optimised code.
        var warmup = Stopwatch.StartNew();
        while (warmup.ElapsedMilliseconds < 500)
        {
            policy.Evaluate(states[0], q);
            trainer.PredictQ(states[0]);
        }

        var plainActions = new int[steps];
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++)
        {
            plainActions[i] = policy.GreedyAction(states[i % states.Length]);
        }

        var plain = sw.Elapsed.TotalSeconds;
        var torchActions = new int[steps];
        sw.Restart();
        for (var i = 0; i < steps; i++)
        {
            var tq = trainer.PredictQ(states[i % states.Length]);
            torchActions[i] = Array.IndexOf(tq, tq.Max());
        }

        var torchTime = sw.Elapsed.TotalSeconds;
        output.WriteLine($"{stateSize}-{string.Join("-", hidden)}-{actionCount} acting, batch 1: plain C# {steps / plain:N0} steps/s ({plain / steps * 1e6:F2} µs), TorchSharp {steps / torchTime:N0} steps/s ({torchTime / steps * 1e6:F2} µs)");

        Assert.Equal(torchActions, plainActions);
    }
}
