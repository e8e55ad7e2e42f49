using System.Net;
using Azure;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lineage.Storage.Tests;

public class StorageOptionsTests
{
    [Fact]
    public void Validator_RequiresExactlyOneOfConnectionStringOrServiceUri()
    {
        var validator = new StorageOptionsValidator();

        Assert.True(validator.Validate(null, new StorageOptions()).Failed);
        Assert.True(validator.Validate(null, new StorageOptions { ConnectionString = "x", ServiceUri = new Uri("https://a.blob.core.windows.net") }).Failed);
        Assert.True(validator.Validate(null, new StorageOptions { ServiceUri = new Uri("https://a.blob.core.windows.net") }).Succeeded);
    }

    [Theory]
    [InlineData("UPPER")]
    [InlineData("ab")]
    [InlineData("a--b")]
    [InlineData("../x")]
    public void Validator_RejectsBadContainerName_NamingIt(string container)
    {
        var result = new StorageOptionsValidator().Validate(null, new StorageOptions { ConnectionString = "x", ContainerName = container });

        Assert.Contains(result.Failures!, f => f.Contains($"'{container}'", StringComparison.Ordinal));
    }

    [Fact]
    public void Factory_WithServiceUri_UsesManagedIdentityWithoutSecrets()
    {
        var client = BlobServiceClientFactory.Create(new StorageOptions
        {
            ServiceUri = new Uri("https://acct.blob.core.windows.net"),
            ManagedIdentityClientId = "00000000-0000-0000-0000-000000000001",
        });

        Assert.Equal("acct", client.AccountName);
        Assert.False(client.CanGenerateAccountSasUri);
    }

    [Fact]
    public void Factory_InvalidOptions_ThrowsOptionsValidationException()
    {
        Assert.Throws<OptionsValidationException>(() => BlobServiceClientFactory.Create(new StorageOptions()));
    }

    [Fact]
    public void AddLineageStorage_FromConfiguration_ResolvesClientAndRunStorage()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Storage:ContainerName"] = "runs-x",
            ["Storage:CheckpointsToKeep"] = "3",
        }).Build();
        using var provider = new ServiceCollection().AddLineageStorage(configuration.GetSection(StorageOptions.SectionName)).BuildServiceProvider();

        var storage = provider.GetRequiredService<RunStorage>();

        Assert.Equal("runs-x", storage.Container.Name);
        Assert.NotNull(provider.GetRequiredService<BlobServiceClient>());
        Assert.Equal(3, provider.GetRequiredService<IOptions<StorageOptions>>().Value.CheckpointsToKeep);
    }

    [Fact]
    public void AddLineageStorage_InvalidConfiguration_FailsValidation()
    {
        using var provider = new ServiceCollection().AddLineageStorage(o => o.ContainerName = "Bad").BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<StorageOptions>>().Value);
    }

    [Fact]
    public void RunStorage_RejectsTraversalRunId()
    {
        var storage = new RunStorage(new BlobServiceClient("UseDevelopmentStorage=true"), new StorageOptions { ConnectionString = "x" });

        Assert.Throws<ArgumentException>(() => storage.ReplayStore("../other"));
        Assert.Throws<ArgumentException>(() => storage.CheckpointStore("a/b"));
    }
}

[Collection(AzuriteCollection.Name)]
public class TransientFailureTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task TransientFailures_AreRetriedWithBackoff_ThenSucceed()
    {
        var handler = new FailingHandler(failures: 2);
        var client = azurite.NewClient(new BlobClientOptions { Transport = new HttpClientTransport(new HttpClient(handler)) });

        var container = client.GetBlobContainerClient("transient-ok");
        await container.CreateIfNotExistsAsync();

        Assert.Equal(3, handler.Requests);
    }

    [Fact]
    public async Task PersistentFailure_FailsClearlyAfterMaxRetries()
    {
        var handler = new FailingHandler(failures: int.MaxValue);
        var client = azurite.NewClient(new BlobClientOptions { Transport = new HttpClientTransport(new HttpClient(handler)) });

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => client.GetBlobContainerClient("transient-fail").CreateIfNotExistsAsync());

        Assert.Equal(503, ex.Status);
        Assert.Equal(1 + azurite.Options.MaxRetries, handler.Requests);
    }

    /// <summary>Answers 503 Service Unavailable to the first requests, then forwards to Azurite.</summary>
    private sealed class FailingHandler(int failures) : DelegatingHandler(new HttpClientHandler())
    {
        private int _requests;

        public int Requests => _requests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _requests) <= failures
                ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request })
                : base.SendAsync(request, cancellationToken);
    }
}
