using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Lineage.Storage;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Binds <see cref="StorageOptions"/> from <paramref name="section"/> (e.g. the "Storage" section).</summary>
    public static IServiceCollection AddLineageStorage(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<StorageOptions>().Bind(section);
        return services.AddLineageStorageCore();
    }

    public static IServiceCollection AddLineageStorage(this IServiceCollection services, Action<StorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<StorageOptions>().Configure(configure);
        return services.AddLineageStorageCore();
    }

    private static IServiceCollection AddLineageStorageCore(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddAzureClients(builder => builder.AddClient<BlobServiceClient, BlobClientOptions>(
            (clientOptions, provider) =>
            {
                // Any HttpPipelinePolicy registered by the host (the fault harness's storage faults) runs inside the retries.
                foreach (var policy in provider.GetServices<HttpPipelinePolicy>())
                {
                    clientOptions.AddPolicy(policy, HttpPipelinePosition.PerRetry);
                }

                return BlobServiceClientFactory.Create(provider.GetRequiredService<IOptions<StorageOptions>>().Value, clientOptions);
            }));
        services.AddSingleton(provider => new RunStorage(
            provider.GetRequiredService<BlobServiceClient>(),
            provider.GetRequiredService<IOptions<StorageOptions>>().Value,
            provider.GetService<ILoggerFactory>()));
        return services;
    }
}
