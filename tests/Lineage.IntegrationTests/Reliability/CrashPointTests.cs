using Lineage.Hosting;
using Lineage.IntegrationTests.Cli;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.IntegrationTests.Reliability.Harness;
using Lineage.Orchestration.Api;
using Lineage.Storage;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Reliability;

/// <summary>One crash: where (a point and which reach of it), in which scenario.</summary>
public sealed record CrashCase(string Point, int Occurrence, Scenario Scenario)
{
    public string CrashAt => $"{HarnessRuns.RunId}/{Point}/{Occurrence}";

    public override string ToString() => $"{Point}#{Occurrence} ({Scenario})";
}

/// <summary>Reference runs, computed once per test class: the uninterrupted run of each scenario.</summary>
public sealed class HarnessFixture : IAsyncLifetime
{
    private readonly Dictionary<Scenario, Task<RunSnapshot>> _references = [];

    public AzuriteFixture Azurite { get; } = new();

    public Task InitializeAsync() => Azurite.InitializeAsync();

    public Task DisposeAsync() => Azurite.DisposeAsync();

    internal Task<RunSnapshot> ReferenceAsync(Scenario scenario)
    {
        lock (_references)
        {
            if (!_references.TryGetValue(scenario, out var reference))
            {
                _references[scenario] = reference = HarnessRuns.ReferenceAsync(Azurite, scenario);
            }

            return reference;
        }
    }
}

/// <summary>
/// The fault harness's crash theory: a run crashed at any crash point (<see cref="CrashPoints.All"/>) and then finished
/// ends as exactly the run its seed gives uninterrupted (<see cref="RunSnapshot"/>: same blobs, byte for byte, after
/// dropping <see cref="RunSnapshot.VolatileFields"/>; no orphan; every history line once).
/// <list type="bullet">
/// <item>Injected: every case, in-process on the embedded backend. The point throws once; Durable retries the activity after
/// the worker's caches are dropped, so the retry sees storage as a fresh process would.</item>
/// <item>Killed: real processes on the Azure Storage backend (the engine Azure uses). A CLI worker started with
/// <c>LINEAGE_CRASH_AT</c> SIGKILLs itself at the point; a fresh worker process finishes the run. CI runs one point per
/// activity (<see cref="KillSubset"/>); <c>LINEAGE_FAULTS=full</c> runs every case.</item>
/// </list>
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class CrashPointTests(HarnessFixture fixture, ITestOutputHelper output) : IClassFixture<HarnessFixture>
{
    /// <summary>Every crash point at least once, at a reach inside the activity that matters (storage points are shared).</summary>
    public static readonly IReadOnlyList<CrashCase> Cases =
    [
        new(CrashPoints.PrepareAfterModelSplits, 1, Scenario.Fresh),
        new(CrashPoints.PrepareAfterReplayReset, 1, Scenario.Fresh),
        new(CrashPoints.CheckpointAfterBlob, 1, Scenario.Fresh), // checkpoint 0, in PrepareRun
        new(CrashPoints.CheckpointAfterLatest, 1, Scenario.Fresh), // checkpoint 0, before run.json
        new(CrashPoints.PrepareAfterRunRecord, 1, Scenario.Fresh),
        new(CrashPoints.PrepareAfterReconcile, 1, Scenario.Resume),
        new(CrashPoints.PrepareAfterRunRecord, 1, Scenario.Resume),
        new(CrashPoints.EpisodeAfterShard, 3, Scenario.Fresh),
        new(CrashPoints.AppendAfterActingRecord, 2, Scenario.Fresh),
        new(CrashPoints.ReplayAfterManifestCommit, 2, Scenario.Fresh),
        new(CrashPoints.ReplayAfterEvictedDeleted, 2, Scenario.Fresh),
        new(CrashPoints.AppendAfterAppend, 2, Scenario.Fresh),
        new(CrashPoints.TrainAfterPriorities, 2, Scenario.Fresh),
        new(CrashPoints.CheckpointAfterBlob, 3, Scenario.Fresh),
        new(CrashPoints.CheckpointAfterLatest, 3, Scenario.Fresh),
        new(CrashPoints.CheckpointRetentionAfterDelete, 2, Scenario.Fresh),
        new(CrashPoints.TrainAfterCheckpoint, 2, Scenario.Fresh),
        new(CrashPoints.TrainAfterPrune, 2, Scenario.Fresh),
        new(CrashPoints.TrainAfterMetrics, 2, Scenario.Fresh),
        new(CrashPoints.EvaluateAfterReport, 2, Scenario.Fresh),
        new(CrashPoints.CheckpointAfterScore, 2, Scenario.Fresh),
        new(CrashPoints.EvaluateAfterScore, 2, Scenario.Fresh),
        new(CrashPoints.ChampionAfterTrial, 1, Scenario.Fresh),
        new(CrashPoints.ChampionAfterCopy, 1, Scenario.Fresh),
        new(CrashPoints.ChampionAfterPointer, 1, Scenario.Fresh),
        new(CrashPoints.ChampionAfterHistory, 1, Scenario.Fresh),
        new(CrashPoints.PromoteAfterDecision, 1, Scenario.Fresh),
        new(CrashPoints.PromoteAfterFinal, 1, Scenario.Fresh),
        new(CrashPoints.ReleaseAfterUnlock, 1, Scenario.Fresh),
        // Inside an actor: after its first episode's shard (the retry plays both again) and after its last (iteration 1's).
        new(CrashPoints.EpisodeAfterShard, 1, Scenario.Actors),
        new(CrashPoints.EpisodeAfterShard, 4, Scenario.Actors),
    ];

    /// <summary>The process kills CI runs: one per activity of a run (run retention's are in RunRetentionCrashTests).</summary>
    public static readonly IReadOnlyList<CrashCase> KillSubset =
    [
        new(CrashPoints.PrepareAfterRunRecord, 1, Scenario.Fresh),
        new(CrashPoints.EpisodeAfterShard, 3, Scenario.Fresh),
        new(CrashPoints.ReplayAfterManifestCommit, 2, Scenario.Fresh),
        new(CrashPoints.CheckpointAfterLatest, 3, Scenario.Fresh),
        new(CrashPoints.EvaluateAfterReport, 2, Scenario.Fresh),
        new(CrashPoints.ChampionAfterPointer, 1, Scenario.Fresh),
        new(CrashPoints.ReleaseAfterUnlock, 1, Scenario.Fresh),
    ];

    public static TheoryData<CrashCase> InjectedCases => [.. Cases];

    public static TheoryData<CrashCase> KillCases =>
        [.. string.Equals(Environment.GetEnvironmentVariable("LINEAGE_FAULTS"), "full", StringComparison.OrdinalIgnoreCase) ? Cases : KillSubset];

    [Fact]
    public void Every_crash_point_is_in_the_theory_and_every_activity_has_a_process_kill()
    {
        Assert.True(CrashPoints.All.Count >= 20, $"{CrashPoints.All.Count} crash points");
        Assert.Equal(CrashPoints.All.Count, CrashPoints.All.Select(p => p.Name).Distinct().Count());
        // Run retention and the population's points are not reached by the harness run: RunRetentionCrashTests and PopulationCrashTests cover them.
        var runPoints = CrashPoints.All.Where(p => !OutsideTheRun(p)).Select(p => p.Name);
        Assert.Empty(runPoints.Except(Cases.Select(c => c.Point)));
        Assert.Empty(KillSubset.Except(Cases));
        // The points' activity names are the Durable ones (Storage cannot see ActivityNames; run retention is a timer).
        var durable = typeof(Lineage.Orchestration.Training.ActivityNames).GetFields().Select(f => (string)f.GetValue(null)!).ToHashSet();
        Assert.All(CrashPoints.All.Select(p => p.Activity).Where(a => a != CrashPoints.Activities.RunRetention), a => Assert.Contains(a, durable));
        var killedActivities = KillSubset.Select(c => CrashPoints.All.Single(p => p.Name == c.Point).Activity).ToHashSet();
        Assert.Empty(CrashPoints.All.Where(p => !OutsideTheRun(p)).Select(p => p.Activity).Distinct().Except(killedActivities));
    }

    private static bool OutsideTheRun(CrashPoint point) =>
        point.Activity is CrashPoints.Activities.RunRetention or CrashPoints.Activities.PopulationRound;

    [Fact]
    public async Task Two_uninterrupted_runs_of_one_seed_are_the_same_run()
    {
        var reference = await fixture.ReferenceAsync(Scenario.Fresh);
        var again = await HarnessRuns.ReferenceAsync(fixture.Azurite, Scenario.Fresh);
        Assert.Contains(reference.Blobs.Keys, n => n.EndsWith("/champion.json", StringComparison.Ordinal));
        Assert.Contains(reference.Blobs.Keys, n => n.EndsWith("/final.json", StringComparison.Ordinal));
        again.AssertSameAs(reference, output, "a second uninterrupted run");
    }

    [Fact]
    public async Task Actors_leave_the_same_blobs_as_one_activity_per_episode()
    {
        var fresh = await fixture.ReferenceAsync(Scenario.Fresh);
        var actors = await fixture.ReferenceAsync(Scenario.Actors);

        // Only the run record differs: it records the request, episodesPerActivity included.
        var differences = actors.Differences(fresh);
        foreach (var difference in differences)
        {
            output.WriteLine(difference);
        }

        Assert.Equal(fresh.Blobs.Keys, actors.Blobs.Keys);
        Assert.All(differences, d => Assert.StartsWith($"differs: runs/{HarnessRuns.RunId}/run.json", d, StringComparison.Ordinal));
    }

    [Fact]
    public void The_recovery_doc_lists_every_crash_point()
    {
        var root = new DirectoryInfo(Path.GetDirectoryName(CliProcess.CliPath)!);
        while (!File.Exists(Path.Combine(root.FullName, "Lineage.Functions.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("The repository root was not found above the CLI.");
        }

        var doc = File.ReadAllText(Path.Combine(root.FullName, "docs", "recovery.md"));
        Assert.All(CrashPoints.All, p => Assert.Contains($"| `{p.Name}` | {p.Activity} | {p.Done} | {p.Pending} |", doc, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(InjectedCases))]
    public async Task Injected_crash_then_retry_with_cold_caches_gives_the_same_run(CrashCase crash)
    {
        var reference = await fixture.ReferenceAsync(crash.Scenario);
        var container = fixture.Azurite.NewContainer();
        await HarnessRuns.PrepareAsync(fixture.Azurite, container, crash.Scenario);
        await using var runtime = await HarnessRuns.StartAsync(fixture.Azurite, container);
        var fired = 0;
        using (CrashPoints.Arm(HarnessRuns.RunId, crash.Point, crash.Occurrence, () =>
        {
            Interlocked.Increment(ref fired);
            runtime.Workspace.DropCaches();
        }))
        {
            await HarnessRuns.RunToEndAsync(runtime, HarnessRuns.Run(crash.Scenario));
        }

        Assert.True(fired == 1, $"{crash} was never reached");
        await AssertSameRunAsync(reference, runtime.Storage.Container, crash);
    }

    [Theory]
    [MemberData(nameof(KillCases))]
    public async Task Killed_worker_then_a_fresh_process_gives_the_same_run(CrashCase crash)
    {
        var reference = await fixture.ReferenceAsync(crash.Scenario);
        var azurite = fixture.Azurite;
        var container = azurite.NewContainer();
        var hub = azurite.NewTaskHub();
        await HarnessRuns.PrepareAsync(azurite, container, crash.Scenario);
        await using var client = await HarnessRuns.StartAsync(azurite, container, DurableBackendKind.AzureStorage, hub, runWorker: false);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        using (var doomed = CliProcess.StartWorker(azurite.ConnectionString, hub, container, HarnessRuns.Environment(crash.CrashAt)))
        {
            Assert.Equal(ApiOutcome.Accepted, (await client.Runs.StartAsync(HarnessRuns.Run(crash.Scenario), cts.Token)).Outcome);
            var exit = await doomed.WaitForExitAsync(TimeSpan.FromMinutes(3));
            output.WriteLine(doomed.Output);
            Assert.True(exit == 137, $"the doomed worker exited with {exit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing (still running)"}, not SIGKILL at {crash}");
            Assert.Contains($"crash point {crash.Point} reached", doomed.Output, StringComparison.Ordinal);
        }

        using var rescuer = CliProcess.StartWorker(azurite.ConnectionString, hub, container, HarnessRuns.Environment());
        var final = await client.Durable.WaitForCompletionAsync(HarnessRuns.RunId, TimeSpan.FromMilliseconds(250), null, cts.Token);
        output.WriteLine(rescuer.Output);
        HarnessRuns.AssertCompleted(RunService.ToView(final));
        await AssertSameRunAsync(reference, client.Storage.Container, crash);
    }

    private async Task AssertSameRunAsync(RunSnapshot reference, Azure.Storage.Blobs.BlobContainerClient container, CrashCase crash) =>
        (await RunSnapshot.TakeAsync(container)).AssertSameAs(reference, output, crash.ToString());
}
