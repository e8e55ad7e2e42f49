using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lineage.Functions;
using Lineage.IntegrationTests.Api;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Models;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Populations;
using Lineage.Orchestration.Runs;
using Lineage.Policy;
using Lineage.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Lineage.IntegrationTests.Functions;

/// <summary>An API host under test: an HTTP client that reaches /api/..., over a real Durable backend and Azurite.</summary>
internal interface IApiUnderTest : IAsyncDisposable
{
    HttpClient Client { get; }

    /// <summary>The host's blob container, to check what requests did (or did not) write.</summary>
    Azure.Storage.Blobs.BlobContainerClient Container { get; }

    /// <summary>Whether the host's Durable backend has an orchestration instance with this id.</summary>
    Task<bool> HasInstanceAsync(string instanceId);
}

/// <summary>
/// The HTTP contract, once, run against both entrances: the Functions app's own handlers (resolved from its service
/// collection, with a real Durable client and worker running its wrappers) and the local host's route table mapping.
/// </summary>
public abstract class ApiContractTests(AzuriteFixture azurite)
{
    protected AzuriteFixture Azurite { get; } = azurite;

    private protected abstract Task<IApiUnderTest> StartAsync();

    [Fact]
    public async Task Start_is_202_with_location_and_retry_after_then_the_status_url_reaches_completed()
    {
        await using var api = await StartAsync();
        var run = TestRuns.Small("contract-run") with { Iterations = 1, EpisodesPerIteration = 2 };

        using var start = await StartRunAsync(api, run);
        Assert.Equal("/api/runs/contract-run", start.Headers.Location?.OriginalString);
        Assert.Equal(TimeSpan.FromSeconds(5), start.Headers.RetryAfter?.Delta);
        var status = await WaitAsync(api, start.Headers.Location!.OriginalString);
        Assert.Equal("Completed", status.GetProperty("status").GetString());
        Assert.Equal(2 * 32, status.GetProperty("progress").GetProperty("bufferCount").GetInt32());
        var checkpoints = await api.Client.GetStringAsync("/api/runs/contract-run/checkpoints");
        Assert.Contains("0000000016.ckpt", checkpoints, StringComparison.Ordinal);

        using var again = await api.Client.PostAsync("/api/runs", Json(JsonSerializer.Serialize(run, LineageJson.Options)));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("\"resume\": true", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
        using var stop = await api.Client.PostAsync("/api/runs/contract-run/stop", null);
        Assert.Equal(HttpStatusCode.Conflict, stop.StatusCode);
        using var experiment = await api.Client.GetAsync("/api/experiments/contract-run");
        Assert.Equal(HttpStatusCode.OK, experiment.StatusCode);
        Assert.Contains("\"runId\":\"contract-run\"", await experiment.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("contract-run", await api.Client.GetStringAsync("/api/experiments"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_of_a_running_run_is_202_and_the_run_ends_stopped_with_its_checkpoint()
    {
        await using var api = await StartAsync();
        var run = TestRuns.Small("contract-stop") with { Iterations = 40, EvaluateEvery = 100 };
        using var start = await StartRunAsync(api, run);

        using var stop = await api.Client.PostAsync("/api/runs/contract-stop/stop", null);

        Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        Assert.Equal("/api/runs/contract-stop", stop.Headers.Location?.OriginalString);
        var status = await WaitAsync(api, "/api/runs/contract-stop");
        Assert.Equal("Stopped", status.GetProperty("status").GetString());
        Assert.True(status.GetProperty("result").GetProperty("iterationsCompleted").GetInt32() < 40);
    }

    [Fact]
    public async Task A_refused_update_ends_as_a_clear_failed_status_not_a_serialization_error()
    {
        await using var api = await StartAsync();
        var run = TestRuns.Small("contract-nan") with
        {
            Iterations = 2,
            Dqn = new DqnOptions { Optimizer = DqnOptimizer.Sgd, LearningRate = 1e30, MaxGradNorm = 0 },
        };
        using var start = await StartRunAsync(api, run);

        var status = await WaitAsync(api, "/api/runs/contract-nan");

        Assert.Equal("Failed", status.GetProperty("status").GetString());
        var failure = status.GetProperty("failure").GetString()!;
        Assert.Contains("refused", failure, StringComparison.Ordinal);
        Assert.Contains("last good checkpoint", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("serializ", failure, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Invalid_runs_are_400_naming_each_field_and_unknown_runs_are_404()
    {
        await using var api = await StartAsync();

        using var invalid = await api.Client.PostAsync("/api/runs", Json("""{"runId":"bad","iterations":0,"stepsPerEpisode":-1}"""));
        using var unknownField = await api.Client.PostAsync("/api/runs", Json("""{"runId":"bad","iteratoins":3}"""));
        using var wrongType = await api.Client.PostAsync("/api/runs", Json("""{"runId":"bad","iterations":"three"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var fields = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("field").GetString()).ToList();
        Assert.Contains("iterations", fields);
        Assert.Contains("stepsPerEpisode", fields);
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        Assert.Contains("iteratoins", await unknownField.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.Contains("whole number", await wrongType.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var path in new[] { "/api/runs/never-started", "/api/runs/never-started/checkpoints", "/api/experiments/never-started" })
        {
            using var response = await api.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using var stopUnknown = await api.Client.PostAsync("/api/runs/never-started/stop", null);
        Assert.Equal(HttpStatusCode.NotFound, stopUnknown.StatusCode);
        using var badId = await api.Client.GetAsync("/api/runs/Bad%20Id");
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
    }

    [Fact]
    public async Task Every_route_with_a_body_answers_413_above_its_limit_and_stores_nothing()
    {
        await using var api = await StartAsync();
        var routes = ApiRoutes.All.Where(r => r.BodyLimit is not null).ToList();
        Assert.Equal(["StartRun", "PromoteModel", "RollbackModel", "PushDataset", "StartWalkForward", "StartPopulation"], routes.Select(r => r.Name));

        foreach (var route in routes)
        {
            var path = "/api/" + route.Template.Replace("{model}", "big", StringComparison.Ordinal).Replace("{name}", "big", StringComparison.Ordinal);
            using var content = new ByteArrayContent(new byte[route.BodyLimit!.Value + 1]);
            using var response = await api.Client.PostAsync(path, content);

            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains($"larger than {route.BodyLimit} bytes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var datasets = await api.Client.GetAsync("/api/datasets/big");
        Assert.Equal(HttpStatusCode.NotFound, datasets.StatusCode);
    }

    [Fact]
    public async Task Datasets_models_and_the_decision_route_round_trip()
    {
        await using var api = await StartAsync();
        var csv = ModelsHarness.Csv(400, seed: 5, drift: 0.0005, noise: 0.01);

        using var pushed = await api.Client.PostAsync("/api/datasets/live?by=contract", new ByteArrayContent(csv));
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        using var versions = await api.Client.GetAsync("/api/datasets/live");
        Assert.Equal(HttpStatusCode.OK, versions.StatusCode);
        Assert.Contains("\"version\":1", await versions.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var rejected = await api.Client.PostAsync("/api/datasets/live", new StringContent("Date,Close\n2024-01-02,10\n2024-01-01,11\n"));
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        using var noChampion = await api.Client.GetAsync("/api/models/live/champion");
        Assert.Equal(HttpStatusCode.NotFound, noChampion.StatusCode);
        using var noDataset = await api.Client.GetAsync("/api/models/champion/decision?model=live");
        Assert.Equal(HttpStatusCode.BadRequest, noDataset.StatusCode);
        using var badPosition = await api.Client.GetAsync("/api/models/champion/decision?dataset=dataset:live&model=live&position=sideways");
        Assert.Equal(HttpStatusCode.BadRequest, badPosition.StatusCode);
        using var missingModel = await api.Client.GetAsync("/api/models/champion/decision?dataset=dataset:live&model=live");
        Assert.Equal(HttpStatusCode.NotFound, missingModel.StatusCode);

        var run = TestRuns.Small("contract-live") with { Dataset = "dataset:live", Iterations = 1, EpisodesPerIteration = 2 };
        using var start = await StartRunAsync(api, run);
        Assert.Equal("Completed", (await WaitAsync(api, "/api/runs/contract-live")).GetProperty("status").GetString());

        using var promote = await api.Client.PostAsync("/api/models/live/promote", Json("""{"runId":"contract-live","by":"contract","reason":"test"}"""));
        // The run's own promotion gate may already have made it the champion; then a hand promotion is a conflict.
        Assert.True(promote.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{promote.StatusCode}: {await promote.Content.ReadAsStringAsync()}");
        using var champion = await api.Client.GetAsync("/api/models/live/champion");
        Assert.Equal(HttpStatusCode.OK, champion.StatusCode);
        Assert.Contains("contract-live", await champion.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("contract-live", await api.Client.GetStringAsync("/api/models/live/history"), StringComparison.Ordinal);
        using var decisions = await api.Client.GetAsync("/api/models/live/decisions");
        Assert.Equal(HttpStatusCode.OK, decisions.StatusCode);
        using var decision = await api.Client.GetAsync("/api/models/champion/decision?dataset=dataset:live&model=live&position=0");
        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        var body = await decision.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(body.GetProperty("action").GetString(), new Core.Trading.ArenaOptions().ActionNames());
        using var rollback = await api.Client.PostAsync("/api/models/live/rollback", Json("""{"by":""}"""));
        Assert.Equal(HttpStatusCode.BadRequest, rollback.StatusCode);
    }

    [Fact]
    public async Task A_walk_forward_start_is_202_with_location_its_status_reaches_completed_with_the_summary_and_its_ids_are_taken()
    {
        await using var api = await StartAsync();
        var request = WalkForwardOrchestrationTests.Small("contract-wf") with { Folds = 2, Run = WalkForwardOrchestrationTests.Small("x").Run with { Iterations = 1 } };
        var body = JsonSerializer.Serialize(request, LineageJson.Options);

        using var start = await api.Client.PostAsync("/api/walkforwards", Json(body));

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        Assert.Equal("/api/walkforwards/contract-wf", start.Headers.Location?.OriginalString);
        Assert.Equal(TimeSpan.FromSeconds(5), start.Headers.RetryAfter?.Delta);
        Assert.Equal(2, (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("folds").GetArrayLength());
        using (var again = await api.Client.PostAsync("/api/walkforwards", Json(body)))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        // The folds' run ids belong to the walk-forward from its start: the run API refuses them.
        using (var foldRun = await api.Client.PostAsync("/api/runs", Json(JsonSerializer.Serialize(TestRuns.Small("contract-wf-f1"), LineageJson.Options))))
        {
            Assert.Equal(HttpStatusCode.Conflict, foldRun.StatusCode);
            Assert.Contains("walk-forward 'contract-wf'", (await foldRun.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        var status = await WaitAsync(api, start.Headers.Location!.OriginalString);
        Assert.Equal("Completed", status.GetProperty("status").GetString());
        Assert.Equal(2, status.GetProperty("foldsDone").GetInt32());
        var summary = status.GetProperty("summary");
        Assert.Equal(2, summary.GetProperty("folds").GetArrayLength());
        Assert.All(summary.GetProperty("folds").EnumerateArray(), f => Assert.Equal("Completed", f.GetProperty("status").GetString()));
        Assert.Equal(240, summary.GetProperty("overall").GetProperty("bars").GetInt32());
        Assert.Equal("walkforward/contract-wf/summary.json", status.GetProperty("summaryBlob").GetString());
        Assert.True((await api.Container.GetBlobClient("walkforward/contract-wf/summary.json").ExistsAsync()).Value);

        using var finished = await api.Client.PostAsync("/api/walkforwards", Json(body));
        Assert.Equal(HttpStatusCode.Conflict, finished.StatusCode);
        Assert.Contains("\"resume\": true", (await finished.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_walk_forwards_are_400_naming_each_field_with_no_stack_trace_and_unknown_ones_404()
    {
        await using var api = await StartAsync();

        using var invalid = await api.Client.PostAsync("/api/walkforwards", Json("""{"walkForwardId":"Bad_Id","folds":0,"maxParallelFolds":99,"run":{"runId":"x","iterations":0}}"""));
        using var unknownField = await api.Client.PostAsync("/api/walkforwards", Json("""{"walkForwardId":"ok","fodls":3}"""));
        using var wrongType = await api.Client.PostAsync("/api/walkforwards", Json("""{"walkForwardId":"ok","folds":"three"}"""));
        using var tooShort = await api.Client.PostAsync("/api/walkforwards", Json("""{"walkForwardId":"short","folds":50,"run":{"syntheticBars":500}}"""));
        using var noDataset = await api.Client.PostAsync("/api/walkforwards", Json("""{"walkForwardId":"missing","run":{"dataset":"blob:datasets/none/x.csv"}}"""));

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var text = await invalid.Content.ReadAsStringAsync();
        var fields = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("field").GetString()).ToList();
        Assert.Equal(["walkForwardId", "folds", "maxParallelFolds", "run.runId", "run.iterations"], fields);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        Assert.Contains("fodls", await unknownField.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.Contains("whole number", await wrongType.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);
        Assert.Contains("\"field\":\"folds\"", await tooShort.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, noDataset.StatusCode);
        Assert.Contains("\"field\":\"run.dataset\"", await noDataset.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var id in new[] { "ok", "short", "missing" })
        {
            Assert.False(await api.HasInstanceAsync(WalkForwardBlobs.InstanceId(id)));
        }

        using var unknown = await api.Client.GetAsync("/api/walkforwards/never-started");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var badId = await api.Client.GetAsync("/api/walkforwards/Bad%20Id");
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
    }

    [Fact]
    public async Task A_population_start_is_202_its_member_ids_are_taken_its_status_shows_the_tree_and_bad_input_is_400_naming_fields()
    {
        await using var api = await StartAsync();
        var request = Populations.PopulationOrchestrationTests.Small("contract-pop") with { Members = 2, Rounds = 2, ExploitQuantile = 0.5 };
        var body = JsonSerializer.Serialize(request, LineageJson.Options);

        using var start = await api.Client.PostAsync("/api/populations", Json(body));

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        Assert.Equal("/api/populations/contract-pop", start.Headers.Location?.OriginalString);
        Assert.Equal(["contract-pop-m0", "contract-pop-m1"], (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("memberRunIds").EnumerateArray().Select(e => e.GetString()));
        using (var again = await api.Client.PostAsync("/api/populations", Json(body)))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        // The members' run ids belong to the population from its start: the run API refuses them.
        using (var memberRun = await api.Client.PostAsync("/api/runs", Json(JsonSerializer.Serialize(TestRuns.Small("contract-pop-m1"), LineageJson.Options))))
        {
            Assert.Equal(HttpStatusCode.Conflict, memberRun.StatusCode);
            Assert.Contains("population 'contract-pop'", (await memberRun.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        var status = await WaitAsync(api, start.Headers.Location!.OriginalString);
        Assert.Equal("Completed", status.GetProperty("status").GetString());
        Assert.Equal(4, status.GetProperty("lineage").GetProperty("events").GetArrayLength());
        Assert.Equal("Completed", status.GetProperty("result").GetProperty("outcome").GetString());
        Assert.True((await api.Container.GetBlobClient("populations/contract-pop/lineage.json").ExistsAsync()).Value);
        using (var stopFinished = await api.Client.PostAsync("/api/populations/contract-pop/stop", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, stopFinished.StatusCode);
        }

        using var invalid = await api.Client.PostAsync("/api/populations", Json(
            """{"populationId":"Bad_Id","members":1,"rounds":0,"exploitQuantile":0.9,"run":{"runId":"x","evaluateEvery":0},"searchSpace":{"learningRate":{"min":0,"max":1,"log":true}}}"""));
        using var unknownField = await api.Client.PostAsync("/api/populations", Json("""{"populationId":"ok","membres":3}"""));
        using var noDataset = await api.Client.PostAsync("/api/populations", Json("""{"populationId":"missing","run":{"dataset":"blob:datasets/none/x.csv"}}"""));

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var text = await invalid.Content.ReadAsStringAsync();
        var fields = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("field").GetString()).ToList();
        Assert.Equal(["populationId", "members", "rounds", "exploitQuantile", "run.runId", "run.evaluateEvery", "searchSpace"], fields.Distinct());
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        Assert.Contains("membres", await unknownField.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, noDataset.StatusCode);
        Assert.Contains("\"field\":\"run.dataset\"", await noDataset.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var id in new[] { "ok", "missing" })
        {
            Assert.False(await api.HasInstanceAsync(PopulationBlobs.InstanceId(id)));
        }

        using var unknown = await api.Client.GetAsync("/api/populations/never-started");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var badId = await api.Client.GetAsync("/api/populations/Bad%20Id");
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        using var stopUnknown = await api.Client.PostAsync("/api/populations/never-started/stop", null);
        Assert.Equal(HttpStatusCode.NotFound, stopUnknown.StatusCode);
    }

    internal static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>POSTs a run to /api/runs and asserts the 202.</summary>
    internal static async Task<HttpResponseMessage> StartRunAsync(IApiUnderTest api, TrainingRun run)
    {
        var start = await api.Client.PostAsync("/api/runs", Json(JsonSerializer.Serialize(run, LineageJson.Options)));
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        return start;
    }

    /// <summary>Polls a run's status URL (the 202's Location) until it is no longer active.</summary>
    internal static async Task<JsonElement> WaitAsync(IApiUnderTest api, string statusUrl)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            var status = await api.Client.GetFromJsonAsync<JsonElement>(statusUrl, cts.Token);
            if (status.GetProperty("status").GetString() is not ("Starting" or "Running" or "Suspended"))
            {
                return status;
            }

            await Task.Delay(100, cts.Token);
        }
    }
}

/// <summary>The contract against the deployed Functions app's handlers.</summary>
[Collection(TorchCollection.Name)]
public sealed class FunctionsApiContractTests(AzuriteFixture azurite) : ApiContractTests(azurite), IClassFixture<AzuriteFixture>
{
    private protected override async Task<IApiUnderTest> StartAsync() => await FunctionsHost.StartAsync(Azurite);
}

/// <summary>The nightly timer Function, run with the app's services and a real Durable client.</summary>
[Collection(TorchCollection.Name)]
public sealed class NightlyFunctionTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task The_timer_firing_twice_starts_one_run_that_completes()
    {
        await using var host = await FunctionsHost.StartAsync(azurite);
        var timer = ActivatorUtilities.CreateInstance<NightlyRetrainFunction>(host.Services);

        // Both firings return normally: the start lock turns the second into a logged 409, not a second schedule.
        await Task.WhenAll(timer.Run(new TimerInfo(), host.Durable, default), timer.Run(new TimerInfo(), host.Durable, default));

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var done = await host.Durable.WaitForInstanceCompletionAsync("nightly", getInputsAndOutputs: true, cts.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Contains("\"iterationsCompleted\":1", done.SerializedOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_population_members_set_the_timer_trains_the_nights_population_and_gates_its_candidate_for_all_members()
    {
        await using var host = await FunctionsHost.StartAsync(azurite, new Dictionary<string, string?> { ["Lineage:Nightly:PopulationMembers"] = "2" });
        var timer = ActivatorUtilities.CreateInstance<NightlyRetrainFunction>(host.Services);
        var population = new NightlyOptions { RunId = "nightly", PopulationMembers = 2 }.ToPopulation(DateTimeOffset.UtcNow);
        Assert.Empty(PopulationRequestValidator.Validate(population));
        var again = new NightlyOptions { RunId = "nightly", PopulationMembers = 2 }.ToPopulation(DateTimeOffset.UtcNow);
        Assert.Equal((population.PopulationId, population.Seed), (again.PopulationId, again.Seed));

        await Task.WhenAll(timer.Run(new TimerInfo(), host.Durable, default), timer.Run(new TimerInfo(), host.Durable, default));

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var done = await host.Durable.WaitForInstanceCompletionAsync(PopulationBlobs.InstanceId(population.PopulationId), getInputsAndOutputs: true, cts.Token);
        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed, done.FailureDetails?.ErrorMessage);
        Assert.Contains("\"outcome\":\"Completed\"", done.SerializedOutput, StringComparison.Ordinal);
        Assert.Contains("N = 2 trials of the model", done.SerializedOutput, StringComparison.Ordinal);
        Assert.Null(await host.Durable.GetInstanceAsync("nightly"));
    }
}

/// <summary>Run retention, the Functions app's own timer, applied with the app's services to runs trained through its API.</summary>
[Collection(TorchCollection.Name)]
public sealed class RunRetentionFunctionTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task The_retention_timer_deletes_old_runs_and_keeps_the_newest()
    {
        await using var host = await FunctionsHost.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Lineage:Models:KeepRuns"] = "1",
            ["Lineage:Models:MinRunAge"] = "00:00:00",
        });
        foreach (var runId in new[] { "retention-old", "retention-new" })
        {
            var run = TestRuns.Small(runId) with { Iterations = 1, EpisodesPerIteration = 2 };
            using var start = await ApiContractTests.StartRunAsync(host, run);
            await ApiContractTests.WaitAsync(host, $"/api/runs/{runId}");
            await Task.Delay(TimeSpan.FromSeconds(1.1)); // blob times have one-second resolution
        }

        var timer = ActivatorUtilities.CreateInstance<RunRetentionFunction>(host.Services);
        await timer.Run(new TimerInfo(), default);

        var experiments = await host.Client.GetStringAsync("/api/experiments");
        Assert.Contains("retention-new", experiments, StringComparison.Ordinal);
        Assert.DoesNotContain("retention-old", experiments, StringComparison.Ordinal);
    }
}

/// <summary>The same contract against the local host (`lineage serve`), which maps the route table.</summary>
[Collection(TorchCollection.Name)]
public sealed class LocalApiContractTests(AzuriteFixture azurite) : ApiContractTests(azurite), IClassFixture<AzuriteFixture>
{
    private protected override async Task<IApiUnderTest> StartAsync() => await ApiHost.StartAsync(Azurite);
}
