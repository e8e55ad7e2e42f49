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
            (clientOptions, provider) => BlobServiceClientFactory.Create(
                provider.GetRequiredService<IOptions<StorageOptions>>().Value, clientOptions)));
        services.AddSingleton(provider => new RunStorage(
            provider.GetRequiredService<BlobServiceClient>(),
            provider.GetRequiredService<IOptions<StorageOptions>>().Value,
            provider.GetService<ILoggerFactory>()));
        return services;
    }
}
