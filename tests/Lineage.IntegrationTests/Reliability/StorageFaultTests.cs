using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Reliability.Harness;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Reliability;

/// <summary>
/// Storage faults on the conditional writes recovery leans on — manifest commits, checkpoint pointer writes, champion pointer
/// writes, history appends — each with 503, 429, a client timeout, and "applied but the response was lost" (the SDK then
/// retries a write that already happened, and its precondition fails). Every run still finishes as the uninterrupted run.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class StorageFaultTests(HarnessFixture fixture, ITestOutputHelper output) : IClassFixture<HarnessFixture>
{
    public static TheoryData<FaultTarget, StorageFault> Faults()
    {
        var data = new TheoryData<FaultTarget, StorageFault>();
        foreach (var target in Enum.GetValues<FaultTarget>())
        {
            foreach (var fault in Enum.GetValues<StorageFault>())
            {
                data.Add(target, fault);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_storage_fault_on_a_conditional_write_leaves_the_same_run(FaultTarget target, StorageFault fault)
    {
        var reference = await fixture.ReferenceAsync(Scenario.Fresh);
        // The second manifest commit is the first that evicts; the first of the others is the create (If-None-Match: *).
        var policy = new StorageFaultPolicy(target, fault, occurrence: target == FaultTarget.ManifestCommit ? 2 : 1);
        var container = fixture.Azurite.NewContainer();
        await using (var runtime = await HarnessRuns.StartAsync(fixture.Azurite, container, storagePolicies: [policy]))
        {
            await HarnessRuns.RunToEndAsync(runtime, HarnessRuns.Run(Scenario.Fresh));
        }

        Assert.Equal(1, policy.Injected);
        await using var reader = await HarnessRuns.StartAsync(fixture.Azurite, container);
        (await RunSnapshot.TakeAsync(reader.Storage.Container)).AssertSameAs(reference, output, $"{target} {fault}");
    }
}
