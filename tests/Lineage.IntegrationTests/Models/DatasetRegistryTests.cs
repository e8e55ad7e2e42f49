using System.Text;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Runs;

namespace Lineage.IntegrationTests.Models;

/// <summary>Versioned datasets in a real blob store: validation before anything is written, monotonic versions, newest-wins resolution.</summary>
public sealed class DatasetRegistryTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Malformed_upload_is_rejected_with_the_reason_and_no_blob_changes()
    {
        await using var h = await ModelsHarness.StartAsync(azurite);
        await h.Datasets.PushAsync("prices", ModelsHarness.Csv(300, seed: 1), "test", default);
        var before = await h.ListingAsync();
        var lines = Encoding.UTF8.GetString(ModelsHarness.Csv(300, seed: 2)).Split('\n');
        lines[150] = lines[150].Split(',')[0] + ",-12.5";
        var malformed = Encoding.UTF8.GetBytes(string.Join('\n', lines));

        var error = await Assert.ThrowsAsync<DatasetRejectedException>(() => h.Datasets.PushAsync("prices", malformed, "test", default));

        Assert.Contains("line 151", error.Message, StringComparison.Ordinal);
        Assert.Contains("price must be positive", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await h.ListingAsync());
        Assert.Equal(1, (await h.Datasets.ResolveAsync("dataset:prices", default)).Version!.Version);
    }

    [Fact]
    public async Task Malformed_upload_over_the_api_answers_400_naming_the_problem()
    {
        await using var h = await ModelsHarness.StartAsync(azurite);
        var before = await h.ListingAsync();

        var response = await h.Models.PushDatasetAsync("prices", Encoding.UTF8.GetBytes("Date,Close\n2024-01-02,10\n2024-01-01,11\n"), "test", default);

        Assert.Equal(ApiOutcome.Invalid, response.Outcome);
        var field = Assert.Single(((ErrorBody)response.Body!).Fields);
        Assert.Contains("chronological order", field.Message, StringComparison.Ordinal);
        Assert.Equal(before, await h.ListingAsync());
    }

    [Fact]
    public async Task A_volume_feature_on_a_file_without_volume_fails_the_load_naming_the_feature()
    {
        await using var h = await ModelsHarness.StartAsync(azurite);
        await h.Datasets.PushAsync("prices", ModelsHarness.Csv(600, seed: 1), "test", default);
        var resolved = await h.Datasets.ResolveAsync("dataset:prices", default);
        var features = new Core.Features.FeatureSpec { Features = [Core.Features.FeatureKind.LogReturn, Core.Features.FeatureKind.VolumeRatio20, Core.Features.FeatureKind.Position] };
        var run = new TrainingRun { RunId = "volume", Dataset = resolved.Dataset, StepsPerEpisode = 32, Features = features };

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => DatasetLoader.LoadAsync(run, null, h.Container, default));

        Assert.Contains("VolumeRatio20, which needs volume", error.Message, StringComparison.Ordinal);
        Assert.Contains("has no Volume column", error.Message, StringComparison.Ordinal);
        Assert.NotNull(await DatasetLoader.LoadAsync(run with { Features = Core.Features.FeatureSpec.Rich }, null, h.Container, default));
    }

    [Fact]
    public void Upload_above_64_MB_is_rejected_naming_the_limit()
    {
        var content = new byte[(64 * 1024 * 1024) + 1];
        content.AsSpan().Fill((byte)'a');

        var error = Assert.Throws<DatasetRejectedException>(() => DatasetRegistry.Validate("big", content));

        Assert.Contains("67108865 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("67108864", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loading_a_dataset_blob_above_64_MB_fails_naming_the_limit_without_quoting_it()
    {
        await using var h = await ModelsHarness.StartAsync(azurite);
        var content = new byte[(64 * 1024 * 1024) + 1];
        content.AsSpan().Fill((byte)'a');
        await h.Container.GetBlobClient("datasets/big/000001.csv").UploadAsync(BinaryData.FromBytes(content));

        var error = await Assert.ThrowsAsync<Lineage.Core.MarketData.PriceDataException>(
            () => DatasetLoader.LoadSeriesAsync("blob:datasets/big/000001.csv", h.Container, 100, default));

        Assert.Contains("67108865 bytes", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 300, $"{error.Message.Length} characters");
    }

    [Fact]
    public async Task Too_short_upload_is_rejected()
    {
        await using var h = await ModelsHarness.StartAsync(azurite);

        var error = await Assert.ThrowsAsync<DatasetRejectedException>(() => h.Datasets.PushAsync("short", ModelsHarness.Csv(20, seed: 1), "test", default));

        Assert.Contains($"at least {DatasetRegistry.MinRows} are required", error.Message, StringComparison.Ordinal);
        Assert.Empty(await h.Datasets.ListAsync("short", default));
    }

    [Fact]
    public async Task Pushes_get_increasing_versions_and_the_reference_resolves_to_the_newest()
    {
        await using var h = await ModelsHarness.StartAsync(azurite);

        var first = await h.Datasets.PushAsync("prices", ModelsHarness.Csv(300, seed: 1), "alice", default);
        var second = await h.Datasets.PushAsync("prices", ModelsHarness.Csv(320, seed: 1), "bob", default);
        var resolved = await h.Datasets.ResolveAsync("dataset:prices", default);

        Assert.Equal((1, 2), (first.Version.Version, second.Version.Version));
        Assert.Equal("blob:datasets/prices/000002.csv", resolved.Dataset);
        Assert.Equal(320, resolved.Version!.Rows);
        Assert.Equal("bob", resolved.Version.UploadedBy);
    }

    [Fact]
    public async Task Pushing_identical_content_again_keeps_the_newest_version()
    {
        await using var h = await ModelsHarness.StartAsync(azurite);
        var csv = ModelsHarness.Csv(300, seed: 1);
        await h.Datasets.PushAsync("prices", csv, "test", default);

        var again = await h.Datasets.PushAsync("prices", csv, "test", default);

        Assert.False(again.Created);
        Assert.Single(await h.Datasets.ListAsync("prices", default));
    }

    [Fact]
    public async Task Concurrent_pushes_get_distinct_versions()
    {
        await using var h = await ModelsHarness.StartAsync(azurite);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => h.Datasets.PushAsync("prices", ModelsHarness.Csv(300 + i, seed: 1), "test", default)));

        Assert.Equal([1, 2, 3, 4], results.Select(r => r.Version.Version).Order());
    }

    [Fact]
    public async Task Unknown_dataset_reference_fails_with_how_to_push()
    {
        await using var h = await ModelsHarness.StartAsync(azurite);

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => h.Datasets.ResolveAsync("dataset:missing", default));

        Assert.Contains("lineage data push", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_validation_accepts_dataset_references_and_names_a_bad_one()
    {
        Assert.Null(TrainingRunValidator.DatasetError("dataset:spy-live"));
        Assert.Contains("'Spy_Live'", TrainingRunValidator.DatasetError("dataset:Spy_Live"), StringComparison.Ordinal);
    }
}

/// <summary>A run trains on the dataset version its start checked, even when a newer version is pushed before it begins.</summary>
[Collection(Learning.TorchCollection.Name)]
public sealed class DatasetPinningTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task A_version_pushed_between_start_and_prepare_is_not_the_one_trained()
    {
        var hub = azurite.NewTaskHub();
        var container = azurite.NewContainer();
        await using var client = await Hosting.LocalRuntime.StartAsync(
            new Hosting.LocalRuntimeOptions { StorageConnectionString = azurite.ConnectionString, Backend = Hosting.DurableBackendKind.AzureStorage, TaskHub = hub, ContainerName = container, RunWorker = false },
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        await client.Models.PushDatasetAsync("pinned", ModelsHarness.Csv(400, seed: 1), "test", default);
        var run = TestRuns.Small("pinned-run") with { Dataset = "dataset:pinned", Iterations = 1, EpisodesPerIteration = 2 };

        Assert.Equal(ApiOutcome.Accepted, (await client.Runs.StartAsync(run, default)).Outcome);
        // No worker has run PrepareRun yet: a newer version arrives, then a worker in a fresh process picks the run up.
        await client.Models.PushDatasetAsync("pinned", ModelsHarness.Csv(500, seed: 2), "test", default);
        using var worker = Cli.CliProcess.StartWorker(azurite.ConnectionString, hub, container);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var final = await client.Durable.WaitForCompletionAsync(run.RunId, TimeSpan.FromMilliseconds(250), null, cts.Token);

        Assert.Equal("Completed", RunService.ToView(final).Status);
        var record = await client.Workspace.GetRunAsync(run.RunId, default);
        Assert.Equal(1, record.Experiment!.DatasetVersion);
        Assert.Equal("dataset:pinned", record.Experiment.DatasetReference);
        Assert.Equal(DatasetRegistry.BlobName("pinned", 1), record.Run.Dataset["blob:".Length..]);
    }
}
