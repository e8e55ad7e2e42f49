using Lineage.Hosting;
using Lineage.IntegrationTests.Cli;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Populations;
using Lineage.Storage;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Populations;

/// <summary>
/// A population's determinism and crash safety: one seed gives one tree whatever the parallelism; a crash inside a round
/// (a member's training step, the round's record, an exploit's copy), retried in-process with cold caches or finished by a
/// fresh worker process after a SIGKILL, gives the same tree and the same candidate, each lineage event recorded once.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class PopulationCrashTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    /// <summary>2 members, 2 rounds of 1 iteration: after round 0 the weaker member copies the stronger.</summary>
    private static PopulationRequest Pair(string id) => PopulationOrchestrationTests.Small(id) with { Members = 2, Rounds = 2, ExploitQuantile = 0.5 };

    private sealed record Outcome(IReadOnlyList<string> Tree, string Best, double? TestReturn);

    private static async Task<Outcome> OutcomeAsync(LocalRuntime runtime, string populationId)
    {
        var record = (await new LineageStore(runtime.Storage.Container).ReadAsync(populationId))!;
        Assert.Equal(record.Events.Count, record.Events.Select(e => e.Id).Distinct().Count());
        var result = (await runtime.Runs.Populations.ReadResultAsync(populationId, default))!;
        return new Outcome(PopulationOrchestrationTests.Tree(record), $"m{result.Best!.Member} at {result.Best.CheckpointUpdate}", result.Test?.AgentReturn);
    }

    private async Task<Outcome> ReferenceAsync(PopulationRequest request)
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var final = await PopulationOrchestrationTests.RunToEndAsync(runtime, request);
        Assert.True(final.Status == RunRuntimeStatus.Completed, final.FailureMessage);
        return await OutcomeAsync(runtime, request.PopulationId);
    }

    private void AssertSame(Outcome reference, Outcome actual)
    {
        foreach (var line in actual.Tree)
        {
            output.WriteLine(line);
        }

        Assert.Equal(reference.Tree, actual.Tree);
        Assert.Equal(reference.Best, actual.Best);
        Assert.Equal(reference.TestReturn, actual.TestReturn);
    }

    [Fact]
    public async Task One_seed_gives_one_tree_whatever_the_parallelism_and_another_seed_another()
    {
        var request = PopulationOrchestrationTests.Small("pop-par2", maxParallelMembers: 2);
        var reference = await ReferenceAsync(request);

        AssertSame(reference, await ReferenceAsync(request with { PopulationId = "pop-par1", MaxParallelMembers = 1 }));
        Assert.NotEqual(reference.Tree, (await ReferenceAsync(request with { PopulationId = "pop-seed6", Seed = 6 })).Tree);
    }

    public static TheoryData<string, string, int> InjectedCases => new()
    {
        { "member", CrashPoints.TrainAfterCheckpoint, 2 },
        { "population", CrashPoints.PopulationAfterRecord, 1 },
        { "recipients", CrashPoints.ExploitAfterReplayCopy, 1 },
    };

    [Theory]
    [MemberData(nameof(InjectedCases))]
    public async Task An_injected_crash_inside_a_round_then_the_retry_with_cold_caches_gives_the_same_tree(string target, string point, int occurrence)
    {
        var reference = await ReferenceAsync(Pair("pop-ref-" + target));
        var request = Pair("pop-crash-" + target);
        await using var runtime = await TestRuns.StartAsync(azurite);
        var fired = 0;
        void Fired()
        {
            Interlocked.Increment(ref fired);
            runtime.Workspace.DropCaches();
        }

        // A member's second training step is inside round 1, after the exploit; the round's record and an exploit's copy
        // are between the rounds (the recipient is either member: both are armed, one fires).
        var runIds = target switch
        {
            "member" => [request.MemberRunId(1)],
            "population" => [request.PopulationId],
            _ => new[] { request.MemberRunId(0), request.MemberRunId(1) },
        };
        var arms = runIds.Select(runId => CrashPoints.Arm(runId, point, occurrence, Fired)).ToList();
        try
        {
            var final = await PopulationOrchestrationTests.RunToEndAsync(runtime, request);
            Assert.True(final.Status == RunRuntimeStatus.Completed, final.FailureMessage);
        }
        finally
        {
            arms.ForEach(a => a.Dispose());
        }

        Assert.Equal(1, fired);
        AssertSame(reference, await OutcomeAsync(runtime, request.PopulationId));
    }

    [Fact]
    public async Task A_population_whose_embedded_host_died_mid_round_resumes_from_its_lineage_record_in_a_fresh_runtime()
    {
        var reference = await ReferenceAsync(Pair("pop-hostref"));
        var request = Pair("pop-host");
        var container = azurite.NewContainer();
        var store = new LineageStore(new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, container));
        var shortLocks = TimeSpan.FromSeconds(2);
        await using (var first = await TestRuns.StartAsync(azurite, container: container, lockDuration: shortLocks))
        {
            Assert.Equal(ApiOutcome.Accepted, (await first.Runs.Populations.StartAsync(request, default)).Outcome);
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            // Round 1 has begun (its events are recorded): the host goes away with the round's training under way.
            while ((await store.ReadAsync(request.PopulationId, cts.Token))?.Events.Any(e => e.Round == 1) != true)
            {
                await Task.Delay(20, cts.Token);
            }
        }

        // The in-memory Durable store went with the host. A fresh runtime (cold caches, a new store) needs resume: true, and
        // waits out the dead host's locks.
        await Task.Delay(shortLocks + TimeSpan.FromSeconds(1));
        await using var second = await TestRuns.StartAsync(azurite, container: container, lockDuration: shortLocks);
        var view = (await second.Runs.Populations.GetViewAsync(request.PopulationId, default))!;
        Assert.Equal("Unknown", view.Status);
        Assert.Equal(ApiOutcome.Conflict, (await second.Runs.Populations.StartAsync(request, default)).Outcome);
        var final = await PopulationOrchestrationTests.RunToEndAsync(second, request with { Resume = true });

        Assert.True(final.Status == RunRuntimeStatus.Completed, final.FailureMessage);
        AssertSame(reference, await OutcomeAsync(second, request.PopulationId));
    }

    [Fact]
    public async Task A_stopped_population_ends_stopped_after_its_members_step_and_a_resume_gives_the_same_tree()
    {
        var reference = await ReferenceAsync(Pair("pop-stopref"));
        var request = Pair("pop-stop");
        await using var runtime = await TestRuns.StartAsync(azurite);
        Assert.Equal(ApiOutcome.Accepted, (await runtime.Runs.Populations.StartAsync(request, default)).Outcome);
        var instance = PopulationBlobs.InstanceId(request.PopulationId);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        // Stop while round 0's members train.
        while ((await runtime.Runs.Populations.GetViewAsync(request.PopulationId, cts.Token))?.Progress?.Members.Any(m => m.Status == MemberStatuses.Running) != true)
        {
            await Task.Delay(10, cts.Token);
        }

        Assert.Equal(ApiOutcome.Accepted, (await runtime.Runs.Populations.StopAsync(request.PopulationId, cts.Token)).Outcome);
        var stopped = await runtime.Durable.WaitForCompletionAsync(instance, TimeSpan.FromMilliseconds(50), null, cts.Token);
        Assert.Equal(RunRuntimeStatus.Completed, stopped.Status);
        var view = (await runtime.Runs.Populations.GetViewAsync(request.PopulationId, cts.Token))!;
        Assert.Equal("Stopped", view.Result!.Outcome);
        Assert.Null(view.Result.Test);
        Assert.Equal(ApiOutcome.Conflict, (await runtime.Runs.Populations.StopAsync(request.PopulationId, cts.Token)).Outcome);

        var final = await PopulationOrchestrationTests.RunToEndAsync(runtime, request with { Resume = true });

        Assert.True(final.Status == RunRuntimeStatus.Completed, final.FailureMessage);
        AssertSame(reference, await OutcomeAsync(runtime, request.PopulationId));
    }

    public static TheoryData<string, string> KillCases => new()
    {
        { "m1", CrashPoints.TrainAfterCheckpoint + "/2" },
        { "", CrashPoints.PopulationAfterRecord },
    };

    [Theory]
    [MemberData(nameof(KillCases))]
    public async Task A_killed_worker_mid_round_then_a_fresh_process_gives_the_same_tree(string member, string crashAt)
    {
        var reference = await ReferenceAsync(Pair("pop-kref" + member));
        var request = Pair("pop-kill" + member);
        var container = azurite.NewContainer();
        var hub = azurite.NewTaskHub();
        await using var client = await TestRuns.StartAsync(azurite, DurableBackendKind.AzureStorage, container, hub, runWorker: false);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var target = member.Length == 0 ? request.PopulationId : $"{request.PopulationId}-{member}";
        using (var doomed = CliProcess.StartWorker(azurite.ConnectionString, hub, container, new Dictionary<string, string> { [CrashPoints.Variable] = $"{target}/{crashAt}" }))
        {
            Assert.Equal(ApiOutcome.Accepted, (await client.Runs.Populations.StartAsync(request, cts.Token)).Outcome);
            var exit = await doomed.WaitForExitAsync(TimeSpan.FromMinutes(4));
            output.WriteLine(doomed.Output);
            Assert.Contains($"crash point {crashAt.Split('/')[0]} reached", doomed.Output, StringComparison.Ordinal);
            Assert.True(exit == 137, $"the doomed worker exited with {exit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing (still running)"}, not SIGKILL at {crashAt}");
        }

        using var rescuer = CliProcess.StartWorker(azurite.ConnectionString, hub, container);
        var final = await client.Durable.WaitForCompletionAsync(PopulationBlobs.InstanceId(request.PopulationId), TimeSpan.FromMilliseconds(250), null, cts.Token);
        output.WriteLine(rescuer.Output);
        Assert.True(final.Status == RunRuntimeStatus.Completed, final.FailureMessage);
        AssertSame(reference, await OutcomeAsync(client, request.PopulationId));
    }
}
