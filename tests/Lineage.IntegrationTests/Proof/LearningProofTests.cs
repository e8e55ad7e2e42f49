using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Proof;

/// <summary>
/// A small, fixed-seed version of the synthetic result in docs/results.md: through the real pipeline
/// (Durable orchestration, blob replay, TorchSharp learner, validation selection), the agent trained with
/// the default learner and reward must beat random on a held-out trend market, not merely stay flat.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class LearningProofTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Trained_agent_beats_random_and_flat_on_a_held_out_trend_market()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var run = new TrainingRun
        {
            RunId = "proof-trend",
            Dataset = "synthetic:trend",
            SyntheticBars = 2000,
            Iterations = 6,
            EpisodesPerIteration = 4,
            MaxParallelEpisodes = 4,
            StepsPerEpisode = 128,
            UpdatesPerIteration = 256,
            LearningStarts = 256,
            EvaluateEvery = 1,
            Seed = 5,
        };

        var final = await TestRuns.RunToEndAsync(runtime, run);

        var view = RunService.ToView(final);
        Assert.Equal("Completed", view.Status);
        var test = view.Result!.Test;
        Assert.NotNull(test);
        Assert.Equal(Splits.Test, test.Split);
        Assert.NotNull(test.ReferenceReturn);

        output.WriteLine($"test: agent {test.AgentReturn:P1} (checkpoint {test.CheckpointUpdate}), buy & hold {test.BuyAndHoldReturn:P1}, flat {test.FlatReturn:P1}, random {test.RandomMeanReturn:P1} ± {test.RandomStdReturn:P1}, reference {test.ReferenceReturn:P1}");

        // Held out: the test series comes from its own generator seed, and the checkpoint was chosen on validation.
        var randomBound = test.RandomMeanReturn + (3 * test.RandomStdReturn);
        Assert.True(test.AgentReturn > randomBound, $"agent {test.AgentReturn:P1} vs random {test.RandomMeanReturn:P1} ± {test.RandomStdReturn:P1}");
        Assert.True(test.AgentReturn > test.FlatReturn + 0.10, $"agent {test.AgentReturn:P1} should beat flat by 10 points: it must trade the trend, not sit out");
        var score = (test.AgentReturn - test.RandomMeanReturn) / (test.ReferenceReturn.Value - test.RandomMeanReturn);
        Assert.True(score >= 0.5, $"normalised score {score:F2} (agent {test.AgentReturn:P1}, reference {test.ReferenceReturn:P1}, random {test.RandomMeanReturn:P1})");
    }
}
