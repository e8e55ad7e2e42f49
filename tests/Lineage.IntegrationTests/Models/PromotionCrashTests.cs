using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Champions;
using Lineage.Storage;

namespace Lineage.IntegrationTests.Models;

/// <summary>
/// The promotion's three writes — champion pointer, history line, decision blob — under crashes and lost responses
/// (issue 13, item 4). Each retry runs on a fresh harness: new stores, cold policy caches.
/// </summary>
public sealed class PromotionCrashTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string By = "run (champion/challenger rule)";

    [Fact]
    public async Task Crash_after_the_pointer_write_loses_no_history_line_and_the_retry_records_the_same_decision()
    {
        var container = azurite.NewContainer();
        PromotionDecision? uninterrupted;
        await using (var reference = await StartAsync(azurite.NewContainer()))
        {
            await reference.SeedRunAsync("champ", "rising", ModelsHarness.Trend());
            await reference.Challenger.ConsiderAsync("champ", 16, By, default);
            await reference.SeedRunAsync("cand", "rising", ModelsHarness.Trend(longShort: true));
            uninterrupted = await reference.Challenger.ConsiderAsync("cand", 16, By, default);
        }

        await CrashAfterThePointerWriteAsync(container);

        await using var retry = await StartAsync(container);
        var decision = await retry.Challenger.ConsiderAsync("cand", 16, By, default);

        var history = await ReadLoggedHistoryAsync(retry);
        Assert.Equal([1, 2], history.Select(c => c.Sequence));
        Assert.Equal(["champ", "cand"], history.Select(c => c.Champion.RunId));
        Assert.True(decision.Promoted);
        Assert.Equal(uninterrupted with { DecidedAt = default }, decision with { DecidedAt = default });
    }

    [Fact]
    public async Task Rollback_inside_the_retry_window_is_not_undone_by_the_retry()
    {
        var container = azurite.NewContainer();
        await CrashAfterThePointerWriteAsync(container);

        await using (var operator_ = await StartAsync(container))
        {
            var response = await operator_.Models.RollbackAsync("rising", new RollbackRequest { By = "alice", Reason = "misbehaves live" }, default);
            Assert.Equal(ApiOutcome.Ok, response.Outcome);
        }

        await using var retry = await StartAsync(container);
        var decision = await retry.Challenger.ConsiderAsync("cand", 16, By, default);

        Assert.True(decision.Promoted);
        Assert.Equal("champ", (await retry.Champions.GetAsync("rising", default))!.Champion.RunId);
        var history = await ReadLoggedHistoryAsync(retry);
        Assert.Equal([ChampionActions.AutoPromote, ChampionActions.AutoPromote, ChampionActions.Rollback], history.Select(c => c.Action));
        Assert.Equal([1, 2, 3], history.Select(c => c.Sequence));
    }

    [Fact]
    public async Task History_append_applied_but_its_response_lost_is_not_duplicated_by_the_sdk_retry()
    {
        var container = azurite.NewContainer();
        var lose = new LoseFirstAppendResponse();
        var options = new BlobClientOptions();
        options.AddPolicy(lose, HttpPipelinePosition.PerRetry);
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        await using var h = await StartAsync(container);
        await h.SeedRunAsync("cand", "rising", ModelsHarness.Trend(longShort: true));
        var lossy = new ChampionStore(new BlobContainerClient(azurite.ConnectionString, h.Container.Name, options), new ModelOptions());
        var entry = await lossy.CopyCheckpointAsync("rising", "cand", 16, (await h.Container.GetBlobClient(h.Workspace.Checkpoints("cand").CheckpointBlobName(16)).DownloadContentAsync()).Value.Content.ToArray(), default);

        await lossy.PromoteAsync("rising", null, default, entry, ChampionActions.Promote, "tester", "first", null, default);

        Assert.Equal(1, lose.Lost);
        Assert.Single(await ReadLoggedHistoryAsync(h));
    }

    /// <summary>
    /// A champion ("champ", long-only trend follower: beats buy-and-hold), then a better candidate ("cand", long/short:
    /// beats both) whose promotion dies right after the pointer write.
    /// </summary>
    private async Task CrashAfterThePointerWriteAsync(string container)
    {
        await using var crashing = await StartAsync(container);
        await crashing.SeedRunAsync("champ", "rising", ModelsHarness.Trend());
        await crashing.Challenger.ConsiderAsync("champ", 16, By, default);
        await crashing.SeedRunAsync("cand", "rising", ModelsHarness.Trend(longShort: true));
        crashing.Champions.AfterPointerWrite = () => throw new IOException("worker died after the pointer write");
        await Assert.ThrowsAsync<IOException>(() => crashing.Challenger.ConsiderAsync("cand", 16, By, default));
    }

    /// <summary>The history as logged in the append blob (not completed from the pointer, as HistoryAsync does).</summary>
    private static async Task<List<ChampionChange>> ReadLoggedHistoryAsync(ModelsHarness h)
    {
        var content = (await h.Container.GetBlobClient(ChampionStore.HistoryBlob("rising")).DownloadContentAsync()).Value.Content.ToString();
        return content.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.JsonSerializer.Deserialize<ChampionChange>(line, Lineage.Storage.LineageJson.Options)!)
            .ToList();
    }

    private async Task<ModelsHarness> StartAsync(string container)
    {
        var h = await ModelsHarness.StartAsync(azurite, new Dictionary<string, string?> { ["Lineage:Storage:ContainerName"] = container });
        await h.Datasets.PushAsync("rising", ModelsHarness.RegimeCsv(600, seed: 3), "test", default);
        return h;
    }

    /// <summary>Lets the first append-block request reach storage, then fails as if its response were lost: the SDK retries.</summary>
    private sealed class LoseFirstAppendResponse : HttpPipelinePolicy
    {
        private int _lost;

        public int Lost => _lost;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            ProcessNext(message, pipeline);
            Lose(message);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            Lose(message);
        }

        private void Lose(HttpMessage message)
        {
            if (message.Request.Uri.Query.Contains("comp=appendblock", StringComparison.Ordinal)
                && message.Response.Status == 201
                && Interlocked.CompareExchange(ref _lost, 1, 0) == 0)
            {
                throw new IOException("connection reset after the append was applied (injected)");
            }
        }
    }
}
