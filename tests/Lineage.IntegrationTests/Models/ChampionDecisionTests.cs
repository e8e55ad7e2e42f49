using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Lineage.Core.Episodes;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Hosting;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;

namespace Lineage.IntegrationTests.Models;

/// <summary>GET /api/models/champion/decision over HTTP against the evaluation path's greedy choices, bar by bar.</summary>
public sealed class ChampionDecisionTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Decision_endpoint_gives_the_evaluation_paths_action_and_q_values_for_the_same_bar()
    {
        await using var api = await ModelsApi.StartAsync(azurite);
        var csv = ModelsHarness.Csv(300, seed: 9, drift: 0.0005, noise: 0.01);
        await api.Harness.Datasets.PushAsync("live", csv, "test", default);
        var series = await DatasetLoader.LoadSeriesAsync("blob:" + DatasetRegistry.BlobName("live", 1), api.Harness.Container, 100, default);

        // The first seeded random network that is flat, long and short at some bar past the minimum dataset length.
        List<Step>? bars = null;
        for (var seed = 1UL; seed <= 50 && bars is null; seed++)
        {
            var runId = $"champ-{seed}";
            var context = await api.Harness.SeedRunAsync(runId, "live", ModelsHarness.Random(seed));

            // The evaluation path: the checkpoint as stored, played greedily through the trading environment.
            var policy = (await api.Harness.Workspace.GetPolicyAsync(runId, 16, default)).Policy;
            var environment = RunWorkspace.Environment(context, series);
            var recorder = new RecordingPolicy(policy, environment);
            EpisodeRunner.Run(environment, environment.FirstStartIndex, int.MaxValue, recorder, 0, new Rng(0), null);
            var found = new[] { 0, 1, -1 }
                .Select(position => recorder.Steps.LastOrDefault(s => s.Position == position && s.Bar >= DatasetRegistry.MinRows))
                .ToList();
            if (found.All(s => s is not null))
            {
                bars = found!;
                Assert.Equal(ApiOutcome.Ok, (await api.Harness.Models.PromoteAsync("live", new PromoteRequest { RunId = runId, By = "tester" }, default)).Outcome);
            }
        }

        Assert.NotNull(bars);
        foreach (var step in bars)
        {
            // The newest version of the dataset ends at that bar: the decision is for its latest bar.
            await api.Harness.Datasets.PushAsync("live", ModelsHarness.FirstRows(csv, step.Bar + 1), "test", default);
            var query = step.Position == 0
                ? "position=0"
                : string.Create(CultureInfo.InvariantCulture, $"position={step.Position}&entryPrice={step.EntryPrice:R}");
            var decision = await api.Client.GetFromJsonAsync<ChampionDecision>($"/api/models/champion/decision?dataset=dataset:live&{query}", LineageJson.Options);

            Assert.Equal(step.Bar, decision!.Bar.Index);
            Assert.Equal(series.Close[step.Bar], decision.Bar.Close);
            Assert.Equal(series.Times[step.Bar], decision.Bar.Time);
            Assert.Equal(step.State, decision.State);
            Assert.Equal(step.Q, decision.QValues.Select(q => (float)q.Q).ToArray());
            Assert.Equal(((Core.Trading.TradeAction)step.Action).ToString(), decision.Action);
        }
    }

    [Fact]
    public async Task Decision_of_a_target_exposure_champion_names_the_target_exposure_it_chose()
    {
        await using var api = await ModelsApi.StartAsync(azurite);
        await api.Harness.Datasets.PushAsync("live", ModelsHarness.Csv(300, seed: 9), "test", default);
        var arena = new Core.Trading.ArenaOptions { Actions = Core.Trading.ActionSet.TargetExposure, TargetExposures = [0, 0.5, 1], LongOnly = true };
        await api.Harness.SeedRunAsync("champ", "live", ModelsHarness.AlwaysOutput(1, 3), arena: arena);
        await api.Harness.Models.PromoteAsync("live", new PromoteRequest { RunId = "champ", By = "tester" }, default);

        var decision = await api.Client.GetFromJsonAsync<ChampionDecision>("/api/models/champion/decision?dataset=dataset:live", LineageJson.Options);

        Assert.Equal("target:0.5", decision!.Action);
        Assert.Equal(["target:0", "target:0.5", "target:1"], decision.QValues.Select(q => q.Action));
    }

    [Fact]
    public async Task A_target_exposure_champion_takes_a_fractional_position_and_refuses_what_its_arena_cannot_hold()
    {
        await using var api = await ModelsApi.StartAsync(azurite);
        await api.Harness.Datasets.PushAsync("live", ModelsHarness.Csv(300, seed: 9), "test", default);
        await api.Harness.SeedRunAsync("champ", "live", ModelsHarness.AlwaysOutput(2, 3), arena: new Core.Trading.ArenaOptions());
        await api.Harness.Models.PromoteAsync("live", new PromoteRequest { RunId = "champ", By = "tester" }, default);
        var positionFeature = Core.Features.FeatureSpec.Default.Features.ToList().IndexOf(Core.Features.FeatureKind.Position);
        var pnlFeature = Core.Features.FeatureSpec.Default.Features.ToList().IndexOf(Core.Features.FeatureKind.UnrealizedPnl);

        var half = await api.Client.GetFromJsonAsync<ChampionDecision>("/api/models/champion/decision?dataset=dataset:live&position=0.5&entryPrice=1", LineageJson.Options);
        using var shortOfLongOnly = await api.Client.GetAsync("/api/models/champion/decision?dataset=dataset:live&position=-0.5");
        using var outside = await api.Client.GetAsync("/api/models/champion/decision?dataset=dataset:live&position=1.5");

        // The state's position is the exposure, as the trading environment builds it; PnL takes the side (long) only.
        Assert.Equal(0.5, half!.Position);
        Assert.Equal(0.5f, half.State[positionFeature]);
        Assert.Equal((float)Math.Clamp((half.Bar.Close - 1) / 1, -1, 1), half.State[pnlFeature]);
        Assert.Equal("target:1", half.Action);
        Assert.Equal(HttpStatusCode.BadRequest, shortOfLongOnly.StatusCode);
        Assert.Contains("long-only", await shortOfLongOnly.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        Assert.Contains("\"field\":\"position\"", await outside.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_classic_champion_refuses_a_fractional_position_naming_the_field()
    {
        await using var api = await ModelsApi.StartAsync(azurite);
        await api.Harness.Datasets.PushAsync("live", ModelsHarness.Csv(300, seed: 9), "test", default);
        await api.Harness.SeedRunAsync("champ", "live", ModelsHarness.Always(Core.Trading.TradeAction.Buy));
        await api.Harness.Models.PromoteAsync("live", new PromoteRequest { RunId = "champ", By = "tester" }, default);

        using var fractional = await api.Client.GetAsync("/api/models/champion/decision?dataset=dataset:live&position=0.5");
        var whole = await api.Client.GetFromJsonAsync<ChampionDecision>("/api/models/champion/decision?dataset=dataset:live&position=-1", LineageJson.Options);

        Assert.Equal(HttpStatusCode.BadRequest, fractional.StatusCode);
        var body = await fractional.Content.ReadAsStringAsync();
        Assert.Contains("\"field\":\"position\"", body, StringComparison.Ordinal);
        Assert.Contains("-1, 0 or 1", body, StringComparison.Ordinal);
        Assert.Equal(-1, whole!.Position);
    }

    [Fact]
    public async Task Decision_without_a_position_assumes_a_flat_account()
    {
        await using var api = await ModelsApi.StartAsync(azurite);
        await api.Harness.Datasets.PushAsync("live", ModelsHarness.Csv(300, seed: 9), "test", default);
        await api.Harness.SeedRunAsync("champ", "live", ModelsHarness.Random(seed: 4));
        await api.Harness.Models.PromoteAsync("live", new PromoteRequest { RunId = "champ", By = "tester" }, default);

        var decision = await api.Client.GetFromJsonAsync<ChampionDecision>("/api/models/champion/decision?dataset=dataset:live", LineageJson.Options);

        Assert.True(decision!.AssumedFlat);
        Assert.Equal(0, decision.Position);
        Assert.Equal(0f, decision.State[Core.Features.FeatureSpec.Default.IndexOf(Core.Features.FeatureKind.Position)]);
        Assert.Equal(0f, decision.State[Core.Features.FeatureSpec.Default.IndexOf(Core.Features.FeatureKind.UnrealizedPnl)]);
        Assert.Equal(299, decision.Bar.Index);
        Assert.Equal(1, decision.DatasetVersion);
    }

    [Fact]
    public async Task Decision_for_a_model_without_a_champion_answers_404_stay_flat_and_why()
    {
        await using var api = await ModelsApi.StartAsync(azurite);
        await api.Harness.Datasets.PushAsync("live", ModelsHarness.Csv(300, seed: 9), "test", default);

        var response = await api.Client.GetAsync("/api/models/champion/decision?dataset=dataset:live");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<NoChampionAnswer>(LineageJson.Options);
        Assert.Equal(("live", NoChampionFallback.Flat, "Close", 0.0, 0, null), (body!.Model, body.Fallback, body.Action, body.Exposure, body.Trials, body.LastCandidate));
        Assert.StartsWith("Model 'live' has no champion: stay flat, as configured (Lineage:Models:WithoutChampion = Flat; action Close, exposure 0).", body.Error, StringComparison.Ordinal);
        Assert.StartsWith("No candidate has been considered for it yet", body.Why, StringComparison.Ordinal);
        Assert.Equal("model", Assert.Single(body.Fields).Field);
    }

    [Fact]
    public async Task Decision_without_a_champion_cites_the_gates_latest_refusal_and_holds_the_asset_when_configured()
    {
        await using var api = await ModelsApi.StartAsync(azurite, new Dictionary<string, string?> { ["Lineage:Models:WithoutChampion"] = "BuyAndHold" });
        await api.Harness.Datasets.PushAsync("rising", ModelsHarness.Csv(600, seed: 3), "test", default);
        await api.Harness.SeedRunAsync("flat", "rising", ModelsHarness.Always(Core.Trading.TradeAction.Close));
        var refused = await api.Harness.Challenger.ConsiderAsync("flat", 16, "test", default);

        var response = await api.Client.GetAsync("/api/models/champion/decision?dataset=dataset:rising");

        Assert.False(refused.Promoted);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<NoChampionAnswer>(LineageJson.Options);
        Assert.Equal((NoChampionFallback.BuyAndHold, "Buy", 1.0, 1), (body!.Fallback, body.Action, body.Exposure, body.Trials));
        Assert.Equal(("flat", 16L, GateTests.BeatsBuyAndHold), (body.LastCandidate!.RunId, body.LastCandidate.Update, body.LastCandidate.FailedTest));
        Assert.Contains("hold the asset (buy-and-hold)", body.Error, StringComparison.Ordinal);
        Assert.Contains("The gate has considered 1 candidate of this model and promoted none; the latest, run 'flat' update 16", body.Why, StringComparison.Ordinal);
        Assert.Contains("does not beat buy-and-hold significantly", body.Why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decision_with_a_bad_position_answers_400_naming_the_field()
    {
        await using var api = await ModelsApi.StartAsync(azurite);

        var response = await api.Client.GetAsync("/api/models/champion/decision?dataset=dataset:live&position=2");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"field\":\"position\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("blob:../{secret}/x", "must look like datasets/")]
    [InlineData("blob:../{secret}/x.csv", "must look like datasets/")]
    [InlineData("blob:runs/champ/run.json", "must look like datasets/")]
    [InlineData("blob:datasets/../runs/champ/run.json", "must look like datasets/")]
    [InlineData("synthetic:trend", "generated per run")]
    [InlineData("no-such-dataset", "unknown dataset")]
    public async Task Decision_refuses_a_dataset_a_training_run_would_refuse_and_echoes_no_blob_content(string reference, string rule)
    {
        await using var api = await ModelsApi.StartAsync(azurite);
        await api.Harness.Datasets.PushAsync("live", ModelsHarness.Csv(300, seed: 9), "test", default);
        await api.Harness.SeedRunAsync("champ", "live", ModelsHarness.Random(seed: 4));
        await api.Harness.Models.PromoteAsync("live", new PromoteRequest { RunId = "champ", By = "tester" }, default);
        var secret = azurite.NewContainer();
        var other = new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, secret);
        await other.CreateIfNotExistsAsync();
        foreach (var name in new[] { "x", "x.csv" })
        {
            await other.GetBlobClient(name).UploadAsync(BinaryData.FromString("Date,Close\nTOPSECRET,1\n"));
        }

        var dataset = reference.Replace("{secret}", secret, StringComparison.Ordinal);

        var response = await api.Client.GetAsync($"/api/models/champion/decision?model=live&dataset={Uri.EscapeDataString(dataset)}");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"field\":\"dataset\"", text, StringComparison.Ordinal);
        Assert.Contains(rule, text, StringComparison.Ordinal);
        Assert.DoesNotContain("TOPSECRET", text, StringComparison.Ordinal);
        Assert.DoesNotContain("schemaVersion", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Decision_on_a_pushed_path_holding_json_names_the_line_and_quotes_nothing()
    {
        await using var api = await ModelsApi.StartAsync(azurite);
        await api.Harness.Datasets.PushAsync("live", ModelsHarness.Csv(300, seed: 9), "test", default);
        await api.Harness.SeedRunAsync("champ", "live", ModelsHarness.Random(seed: 4));
        await api.Harness.Models.PromoteAsync("live", new PromoteRequest { RunId = "champ", By = "tester" }, default);
        await api.Harness.Container.GetBlobClient("datasets/live/notes.csv").UploadAsync(BinaryData.FromString("{\"apiKey\":\"s3cr3t\"}\n"));

        var response = await api.Client.GetAsync("/api/models/champion/decision?model=live&dataset=blob:datasets/live/notes.csv");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("line 1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", text, StringComparison.Ordinal);
    }

    private sealed record Step(int Bar, int Position, double EntryPrice, float[] State, float[] Q, int Action);

    /// <summary>Wraps the policy in the greedy episode and records, per bar, what it saw and chose.</summary>
    private sealed class RecordingPolicy(IQFunction inner, TradingEnvironment environment) : IQFunction
    {
        public List<Step> Steps { get; } = [];

        public int StateSize => inner.StateSize;

        public int ActionCount => inner.ActionCount;

        public void Evaluate(ReadOnlySpan<float> state, Span<float> qValues)
        {
            inner.Evaluate(state, qValues);
            Steps.Add(new Step(environment.CurrentIndex, environment.Arena.Position, environment.Arena.EntryPrice, state.ToArray(), qValues.ToArray(), EpisodeRunner.ArgMax(qValues)));
        }
    }
}

/// <summary>The local models API on an in-memory test server over real services and Azurite.</summary>
internal sealed class ModelsApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ModelsApi(WebApplication app, ModelsHarness harness)
    {
        _app = app;
        Harness = harness;
        Client = app.GetTestServer().CreateClient();
        Client.DefaultRequestHeaders.Add("x-functions-key", "test-key");
    }

    public ModelsHarness Harness { get; }

    public HttpClient Client { get; }

    public static async Task<ModelsApi> StartAsync(AzuriteFixture azurite, IDictionary<string, string?>? settings = null)
    {
        var harness = await ModelsHarness.StartAsync(azurite, settings);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        app.MapLineageApi(null, harness.Models, "test-key");
        await app.StartAsync();
        return new ModelsApi(app, harness);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
        await Harness.DisposeAsync();
    }
}
