using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lineage.Hosting;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Runs;
using Lineage.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Lineage.IntegrationTests.Api;

/// <summary>Real HTTP requests against the run API, backed by a real Durable backend and Azurite (no mocked client).</summary>
[Collection(TorchCollection.Name)]
public sealed class RunApiTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Key = "test-key";

    [Fact]
    public async Task Concurrent_starts_with_one_run_id_give_exactly_one_202()
    {
        await using var api = await ApiHost.StartAsync(azurite);
        var body = JsonSerializer.Serialize(TestRuns.Small("race") with { Iterations = 1 }, LineageJson.Options);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => api.Client.PostAsync("/api/runs", Json(body))));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task Nightly_timer_firing_twice_starts_one_run()
    {
        await using var api = await ApiHost.StartAsync(azurite);
        var nightly = new NightlyOptions { RunId = "nightly-twice", Dataset = "synthetic:trend", Iterations = 1 };

        var results = await Task.WhenAll(
            api.Runtime.Runs.StartAsync(nightly.ToTrainingRun(DateTimeOffset.UnixEpoch) with { StepsPerEpisode = 32, EpisodesPerIteration = 2, UpdatesPerIteration = 4 }, default),
            api.Runtime.Runs.StartAsync(nightly.ToTrainingRun(DateTimeOffset.UnixEpoch) with { StepsPerEpisode = 32, EpisodesPerIteration = 2, UpdatesPerIteration = 4 }, default));

        Assert.Equal([ApiOutcome.Accepted, ApiOutcome.Conflict], results.Select(r => r.Outcome).Order().ToArray());
    }

    [Fact]
    public async Task Requests_without_the_function_key_are_refused()
    {
        await using var api = await ApiHost.StartAsync(azurite);
        using var anonymous = api.Server.CreateClient();

        var response = await anonymous.GetAsync("/api/runs/anything");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(Key, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    internal static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}

/// <summary>The local API on an in-memory test server over a real <see cref="LocalRuntime"/>.</summary>
internal sealed class ApiHost : Functions.IApiUnderTest
{
    private readonly WebApplication _app;

    private ApiHost(WebApplication app, LocalRuntime runtime)
    {
        _app = app;
        Runtime = runtime;
        Server = app.GetTestServer();
        Client = Server.CreateClient();
        Client.DefaultRequestHeaders.Add("x-functions-key", "test-key");
    }

    public LocalRuntime Runtime { get; }

    public TestServer Server { get; }

    public HttpClient Client { get; }

    public Azure.Storage.Blobs.BlobContainerClient Container => Runtime.Storage.Container;

    public async Task<bool> HasInstanceAsync(string instanceId) => await Runtime.Durable.GetAsync(instanceId, default) is not null;

    public static async Task<ApiHost> StartAsync(AzuriteFixture azurite)
    {
        var runtime = await TestRuns.StartAsync(azurite);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        app.MapLineageApi(runtime.Runs, runtime.Models, "test-key");
        await app.StartAsync();
        return new ApiHost(app, runtime);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
        await Runtime.DisposeAsync();
    }
}
