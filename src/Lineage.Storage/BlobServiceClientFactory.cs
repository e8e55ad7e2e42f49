using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;

namespace Lineage.Storage;

/// <summary>Builds the <see cref="BlobServiceClient"/> every store uses, with exponential-backoff retries.</summary>
public static class BlobServiceClientFactory
{
    public static BlobServiceClient Create(StorageOptions options, BlobClientOptions? clientOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new StorageOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(nameof(StorageOptions), typeof(StorageOptions), result.Failures);
        }

        clientOptions ??= new BlobClientOptions();
        ApplyRetry(options, clientOptions);
        return options.ConnectionString is { Length: > 0 } connectionString
            ? new BlobServiceClient(connectionString, clientOptions)
            : new BlobServiceClient(options.ServiceUri, CreateCredential(options), clientOptions);
    }

    public static void ApplyRetry(StorageOptions options, ClientOptions clientOptions)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clientOptions);
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        clientOptions.Retry.Delay = options.RetryDelay;
        clientOptions.Retry.MaxDelay = options.MaxRetryDelay;
        clientOptions.Retry.NetworkTimeout = options.NetworkTimeout;
    }

    /// <summary>A user-assigned managed identity when its client id is given, otherwise the default chain.</summary>
    public static TokenCredential CreateCredential(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.ManagedIdentityClientId is { Length: > 0 } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();
    }
}
