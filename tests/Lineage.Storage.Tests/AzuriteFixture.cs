using Azure.Storage.Blobs;
using Lineage.Storage;

namespace Lineage.Storage.Tests;

/// <summary>One in-memory Azurite per test run, started from the repository's node_modules.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private int _containers;

    public AzuriteServer Server { get; private set; } = null!;

    public StorageOptions Options => new() { ConnectionString = Server.ConnectionString, MaxRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(50) };

    public async Task InitializeAsync() => Server = await AzuriteServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A fresh client (its own HTTP connections), as a separate process or activity would have.</summary>
    public BlobServiceClient NewClient(BlobClientOptions? options = null) => BlobServiceClientFactory.Create(Options, options);

    /// <summary>A fresh container per test so tests share nothing.</summary>
    public async Task<BlobContainerClient> NewContainerAsync(BlobServiceClient? client = null)
    {
        var container = (client ?? NewClient()).GetBlobContainerClient($"test-{Interlocked.Increment(ref _containers):D4}");
        await container.CreateIfNotExistsAsync();
        return container;
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
