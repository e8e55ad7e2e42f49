using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lineage.Storage;

/// <summary>Opens the per-run stores in the configured container (register with <c>AddLineageStorage</c>).</summary>
public sealed class RunStorage
{
    private readonly StorageOptions _options;
    private readonly ILoggerFactory _loggerFactory;

    public RunStorage(BlobServiceClient service, StorageOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Container = service.GetBlobContainerClient(options.ContainerName);
    }

    public BlobContainerClient Container { get; }

    public async Task EnsureContainerAsync(CancellationToken cancellationToken = default) =>
        await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    /// <exception cref="ArgumentException"><paramref name="runId"/> is not a valid run id.</exception>
    public BlobReplayStore ReplayStore(string runId) =>
        new(Container, RunId.Parse(runId), _loggerFactory.CreateLogger<BlobReplayStore>());

    /// <exception cref="ArgumentException"><paramref name="runId"/> is not a valid run id.</exception>
    public BlobCheckpointStore CheckpointStore(string runId) =>
        new(Container, RunId.Parse(runId), _options.CheckpointsToKeep, _loggerFactory.CreateLogger<BlobCheckpointStore>());
}
