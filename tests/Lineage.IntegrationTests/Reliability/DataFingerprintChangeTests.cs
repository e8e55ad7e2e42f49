using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Training;
using Lineage.Storage;

namespace Lineage.IntegrationTests.Reliability;

/// <summary>
/// A run prepared by a code version that cut its data otherwise (before validation and test carried read-only history,
/// every run's fingerprint was another) — simulated by rewriting its recorded fingerprint — in a fresh runtime.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class DataFingerprintChangeTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task A_run_whose_data_is_cut_differently_now_is_refused_with_the_reason_and_resumes_with_a_warning()
    {
        var container = azurite.NewContainer();
        var run = TestRuns.Small("cut-changed", seed: 21) with { Iterations = 1 };
        var stale = new string('0', 64);
        await using (var first = await TestRuns.StartAsync(azurite, container: container))
        {
            Assert.Equal("Completed", RunService.ToView(await TestRuns.RunToEndAsync(first, run)).Status);
            var record = (await first.Workspace.ReadJsonAsync<RunRecord>(RunBlobs.Record(run.RunId), default))!;
            await first.Workspace.WriteJsonAsync(RunBlobs.Record(run.RunId), record with { DataFingerprint = stale }, default);
        }

        await using var fresh = await TestRuns.StartAsync(azurite, container: container);
        var recorded = await fresh.Workspace.GetRunAsync(run.RunId, default);
        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => fresh.Workspace.GetDataAsync(recorded, default));
        Assert.Contains("this code version cuts it differently", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Resume the run", refused.Message, StringComparison.Ordinal);

        var resumed = RunService.ToView(await TestRuns.RunToEndAsync(fresh, run with { Resume = true, Iterations = 1 }));

        Assert.Equal("Completed", resumed.Status);
        Assert.Contains(resumed.Result!.Notes, n => n.Contains("cut differently from when it last started (fingerprint 000000000000", StringComparison.Ordinal));
        var after = (await fresh.Workspace.ReadJsonAsync<RunRecord>(RunBlobs.Record(run.RunId), default))!;
        Assert.NotEqual(stale, after.DataFingerprint);
    }
}
