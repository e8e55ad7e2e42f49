using DurableTask.Core.History;
using Lineage.Hosting;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Populations;
using Lineage.Orchestration.Training;
using Lineage.Orchestration.WalkForwards;
using Lineage.Storage;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Populations;

/// <summary>
/// The population orchestration on the embedded backend and Azurite, end to end: members as sub-orchestrations of the
/// training orchestrator in member mode, one round per execution (ContinueAsNew), the lineage record, exploits into the
/// recipients' own runs, and the candidate's test and gate with every member counted as a trial.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class PopulationOrchestrationTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    /// <summary>4 members, 3 rounds of 1 iteration: after rounds 0 and 1 the bottom member (quantile 0.25) copies a top one.</summary>
    internal static PopulationRequest Small(string id, int maxParallelMembers = 2, ulong seed = 5) => new()
    {
        PopulationId = id,
        Run = TestRuns.Small("") with
        {
            EpisodesPerIteration = 2,
            MaxParallelEpisodes = 2,
            UpdatesPerIteration = 8,
            BootstrapDraws = 200,
        },
        Members = 4,
        Rounds = 3,
        IterationsPerRound = 1,
        MaxParallelMembers = maxParallelMembers,
        Seed = seed,
    };

    internal static async Task<RunInstance> RunToEndAsync(LocalRuntime runtime, PopulationRequest request)
    {
        var response = await runtime.Runs.Populations.StartAsync(request, CancellationToken.None);
        Assert.True(response.Outcome == ApiOutcome.Accepted, $"The population was not started: {System.Text.Json.JsonSerializer.Serialize(response.Body, LineageJson.Options)}");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        return await runtime.Durable.WaitForCompletionAsync(PopulationBlobs.InstanceId(request.PopulationId), TimeSpan.FromMilliseconds(100), null, cts.Token);
    }

    /// <summary>The tree without the population's id: what two populations of the same seed and request must share.</summary>
    internal static IReadOnlyList<string> Tree(LineageRecord record) =>
        [.. record.Events.OrderBy(e => e.Round).ThenBy(e => e.Member).Select(e =>
            $"{e.Id} gen {e.Generation} parent {e.Parent?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} {e.Kind} [{e.Hyperparameters}] {e.Mutation} score {e.Score?.ToString("R", System.Globalization.CultureInfo.InvariantCulture) ?? "-"} at {e.CheckpointUpdate} from {e.DonorUpdate}")];

    [Fact]
    public async Task A_population_trains_its_members_in_rounds_exploits_into_their_own_runs_and_gates_one_candidate_for_all()
    {
        await using var runtime = await TestRuns.StartAsync(azurite);
        var request = Small("pop-e2e");

        var final = await RunToEndAsync(runtime, request);

        Assert.True(final.Status == RunRuntimeStatus.Completed, final.FailureMessage);
        var record = (await new LineageStore(runtime.Storage.Container).ReadAsync(request.PopulationId))!;
        foreach (var line in Tree(record))
        {
            output.WriteLine(line);
        }

        // Every member has one event per round, each id once.
        Assert.Equal(request.Members * request.Rounds, record.Events.Count);
        Assert.Equal(record.Events.Count, record.Events.Select(e => e.Id).Distinct().Count());
        Assert.All(record.Events.Where(e => e.Round == 0), e => Assert.Equal(LineageEventKinds.Started, e.Kind));
        for (var round = 1; round < request.Rounds; round++)
        {
            var events = record.Events.Where(e => e.Round == round).ToList();
            var exploited = Assert.Single(events, e => e.Kind == LineageEventKinds.Exploited);
            // The bottom member of the previous round copied a member from the top quantile (one member of four).
            var best = events.MaxBy(e => e.Score)!;
            Assert.Equal(events.MinBy(e => e.Score)!.Member, exploited.Member);
            Assert.Equal(best.Member, exploited.Parent);
            Assert.StartsWith(exploited.Mutation!.Split(' ')[0], "perturbed resampled", StringComparison.Ordinal);
            var recipient = request.MemberRunId(exploited.Member);
            // The exploit's checkpoint is in the recipient's own run, right after its latest, and the member trained on from it.
            var checkpoints = (await runtime.Workspace.Checkpoints(recipient).ListAsync()).Select(c => c.Update).ToList();
            var copy = await runtime.Workspace.LoadCheckpointAsync(recipient, exploited.CheckpointUpdate!.Value, default);
            Assert.Equal(exploited.CheckpointUpdate, copy.UpdateCount);
            Assert.Contains(exploited.CheckpointUpdate!.Value + 8, checkpoints);
        }

        // Every member trained all its iterations, in member mode, on the same market.
        for (var member = 0; member < request.Members; member++)
        {
            var runId = request.MemberRunId(member);
            Assert.Equal(request.TotalIterations, await FoldRuns.TrainedIterationsAsync(runtime.Workspace, runId, default));
            var run = (await runtime.Workspace.ReadRunRecordAsync(runId, default))!.Run;
            Assert.Equal(request.PopulationId, run.PopulationId);
            Assert.Equal(request.Run.Seed, run.MarketSeed);
        }

        // One candidate was tested and gated, counted after every other member as a trial of the model.
        var result = (await runtime.Runs.Populations.ReadResultAsync(request.PopulationId, default))!;
        Assert.Equal(RunOutcomes.Completed, result.Outcome);
        Assert.NotNull(result.Test);
        Assert.NotNull(result.Promotion);
        var trials = await new TrialStore(runtime.Storage.Container).ListAsync(result.Promotion!.Model, default);
        Assert.Equal(request.Members, trials.Count);
        Assert.Equal(result.Best!.RunId, trials[^1].RunId);
        Assert.All(trials.SkipLast(1), t => Assert.False(t.Promote));
        output.WriteLine(result.Promotion.Reason);
        Assert.Contains($"N = {request.Members} trials of the model", result.Promotion.Reason, StringComparison.Ordinal);
        for (var member = 0; member < request.Members; member++)
        {
            var runId = request.MemberRunId(member);
            var tested = await FoldRuns.TestEvaluationAsync(runtime.Workspace, runId, default);
            Assert.Equal(runId == result.Best.RunId, tested is not null);
        }

        // One round per execution: the history of each stays one round long.
        var history = runtime.Durable.GetHistory(PopulationBlobs.InstanceId(request.PopulationId));
        var executions = history.OfType<ExecutionStartedEvent>().Count();
        Assert.Equal(request.Rounds, executions);
        output.WriteLine($"population history: {history.Count} events over {executions} executions");

        // The status view shows the whole tree and the result.
        var view = (await runtime.Runs.Populations.GetViewAsync(request.PopulationId, default))!;
        Assert.Equal("Completed", view.Status);
        Assert.Equal(record.Events.Count, view.Lineage!.Events.Count);
        Assert.Equal(result.Best.RunId, view.Result!.Best!.RunId);

        // A retried round changes nothing: the record and the recipients' checkpoints are as they were.
        var retried = await runtime.Services.GetRequiredService<PopulationRoundActivity>().ExecuteAsync(new PopulationRoundInput(request, 0), default);
        Assert.Single(retried.Exploits);
        Assert.Equal(Tree(record), Tree((await new LineageStore(runtime.Storage.Container).ReadAsync(request.PopulationId))!));
    }
}
