using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Policy;
using Lineage.Policy.Checkpoints;

namespace Lineage.IntegrationTests.Reliability;

[Collection(TorchCollection.Name)]
public sealed class CheckpointFaultTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Theory]
    [InlineData("truncated")]
    [InlineData("corrupted")]
    public async Task Damaged_latest_checkpoint_resumes_from_the_previous_valid_one_and_says_so(string damage)
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var run = TestRuns.Small($"damaged-{damage}");
        await TestRuns.RunToEndAsync(runtime, run);
        var latest = runtime.Storage.Container.GetBlobClient(runtime.Workspace.Checkpoints(run.RunId).CheckpointBlobName(32));
        var bytes = (await latest.DownloadContentAsync()).Value.Content.ToArray();
        if (damage == "truncated")
        {
            bytes = bytes[..(bytes.Length / 2)];
        }
        else
        {
            bytes[bytes.Length / 2] ^= 0xFF;
        }

        await latest.UploadAsync(BinaryData.FromBytes(bytes), overwrite: true);

        var resumed = RunService.ToView(await TestRuns.RunToEndAsync(runtime, run with { Resume = true, Iterations = 1 }));

        Assert.Equal("Completed", resumed.Status);
        Assert.Contains(resumed.Result!.Notes, n => n.Contains("0000000032.ckpt", StringComparison.Ordinal));
        // Resumed after iteration 0 (checkpoint 16), so iteration 1 was trained again and checkpoint 32 rewritten whole.
        var rewritten = await runtime.Workspace.LoadCheckpointAsync(run.RunId, 32, default);
        Assert.Equal(32, rewritten.UpdateCount);
        Assert.Equal(32, resumed.Result.FinalCheckpoint);
    }

    [Fact]
    public async Task Non_finite_update_stops_the_run_with_a_clear_status_and_keeps_the_last_good_checkpoint()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var run = TestRuns.Small("exploding") with
        {
            Iterations = 3,
            Dqn = new DqnOptions { Optimizer = DqnOptimizer.Sgd, LearningRate = 1e30, MaxGradNorm = 0 },
        };

        var final = RunService.ToView(await TestRuns.RunToEndAsync(runtime, run));

        Assert.Equal("Failed", final.Status);
        Assert.Contains("refused", final.Failure, StringComparison.Ordinal);
        Assert.Contains("last good checkpoint", final.Failure, StringComparison.Ordinal);
        var latest = await runtime.Workspace.Checkpoints(run.RunId).LoadLatestAsync(b => CheckpointCodec.Decode(b));
        Assert.NotNull(latest);
        Assert.Empty(latest.Value.Warnings);
        Assert.All(latest.Value.Value.OnlineWeights, w => Assert.All(w.Data, v => Assert.True(float.IsFinite(v))));
    }
}
