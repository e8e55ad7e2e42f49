using System.Globalization;
using Azure.Storage.Blobs;
using Lineage.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lineage.Hosting;

public sealed record LocalRuntimeOptions
{
    /// <summary>An existing Azurite or Azure Storage account; null starts the project's Azurite.</summary>
    public string? StorageConnectionString { get; init; }

    /// <summary>Where a self-started Azurite keeps its data, so a second run can resume.</summary>
    public string AzuriteFolder { get; init; } = Path.Combine(".lineage", "azurite");

    /// <summary>Tests use an in-memory Azurite; the CLI persists to <see cref="AzuriteFolder"/>.</summary>
    public bool AzuriteInMemory { get; init; }

    public DurableBackendKind Backend { get; init; } = DurableBackendKind.Embedded;

    public string TaskHub { get; init; } = "lineage";

    public bool RunWorker { get; init; } = true;

    public string ContainerName { get; init; } = "lineage";

    /// <summary>Durable backend tuning (polling, leases, visibility); the kind, hub and storage come from the fields above.</summary>
    public DurableBackendOptions Durable { get; init; } = new();

    /// <summary>How long a started run's lock holds unrenewed (null: <see cref="RunLockOptions.Duration"/>'s default).</summary>
    public TimeSpan? RunLockDuration { get; init; }

    /// <summary>OpenTelemetry exporters; by default from the environment (none unless configured).</summary>
    public LocalTelemetryOptions Telemetry { get; init; } = LocalTelemetryOptions.FromEnvironment();

    /// <summary>
    /// Host settings, keyed as the Functions app's app settings with ':' (e.g. <c>Lineage:Storage:CheckpointsToKeep</c>,
    /// <c>Lineage:Models:PromotionConfidence</c>). The process environment supplies them too (<c>Lineage__Storage__CheckpointsToKeep</c>);
    /// these win over it, and the storage and container fields above win over both.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Extra Azure SDK pipeline policies on every Lineage blob request, inside the SDK's retries (the fault harness's storage faults).</summary>
    public IReadOnlyList<Azure.Core.Pipeline.HttpPipelinePolicy> StoragePolicies { get; init; } = [];
}

/// <summary>
/// Everything a local process needs to run trainings: storage (a given account or the project's own
/// Azurite), the shared activities, a Durable backend, and the run API — the same pieces the Functions app wires.
/// </summary>
public sealed class LocalRuntime : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly AzuriteServer? _azurite;

    private LocalRuntime(ServiceProvider services, AzuriteServer? azurite, LocalDurableHost durable, string connectionString, LocalTelemetry telemetry, TimeSpan azuriteStartup)
    {
        _services = services;
        AzuriteStartup = azuriteStartup;
        _azurite = azurite;
        Telemetry = telemetry;
        Durable = durable;
        ConnectionString = connectionString;
        Storage = services.GetRequiredService<RunStorage>();
        Workspace = services.GetRequiredService<RunWorkspace>();
        Runs = new RunService(durable, Storage, services.GetRequiredService<RunLocks>(), services.GetRequiredService<ILogger<RunService>>(), services.GetRequiredService<Orchestration.Champions.ModelSplitStore>());
        Models = services.GetRequiredService<ModelsService>();
    }

    public LocalDurableHost Durable { get; }

    /// <summary>How long starting the project's Azurite took (zero with a given connection string): a fixed cost, shown apart from training.</summary>
    public TimeSpan AzuriteStartup { get; }

    public RunService Runs { get; }

    public ModelsService Models { get; }

    public RunStorage Storage { get; }

    public RunWorkspace Workspace { get; }

    public string ConnectionString { get; }

    public IServiceProvider Services => _services;

    public LocalTelemetry Telemetry { get; }

    public static async Task<LocalRuntime> StartAsync(LocalRuntimeOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        AzuriteServer? azurite = null;
        var telemetry = LocalTelemetry.Start(options.Telemetry, loggerFactory);
        loggerFactory = telemetry.LoggerFactory;
        var connectionString = options.StorageConnectionString;
        var azuriteStartup = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var starting = System.Diagnostics.Stopwatch.GetTimestamp();
            azurite = await AzuriteServer.StartAsync(
                new AzuriteOptions { Location = options.AzuriteInMemory ? null : Path.GetFullPath(options.AzuriteFolder) },
                cancellationToken);
            azuriteStartup = System.Diagnostics.Stopwatch.GetElapsedTime(starting);
            connectionString = azurite.ConnectionString;
        }

        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["Lineage:Storage:ConnectionString"] = connectionString,
                ["Lineage:Storage:ContainerName"] = options.ContainerName,
                [$"{RunLockOptions.Section}:{nameof(RunLockOptions.Store)}"] = InstanceStore(options, connectionString),
            };
            if (options.RunLockDuration is { } lockDuration)
            {
                settings[$"{RunLockOptions.Section}:{nameof(RunLockOptions.Duration)}"] = lockDuration.ToString("c", CultureInfo.InvariantCulture);
            }

            var configuration = new ConfigurationBuilder()
                .AddEnvironmentVariables()
                .AddInMemoryCollection(options.Settings)
                .AddInMemoryCollection(settings)
                .Build();
            var collection = new ServiceCollection();
            foreach (var policy in options.StoragePolicies)
            {
                collection.AddSingleton(policy);
            }

            var services = collection
                .AddSingleton(loggerFactory)
                .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
                .AddLineageTraining(configuration)
                .BuildServiceProvider();
            await services.GetRequiredService<RunStorage>().EnsureContainerAsync(cancellationToken);

            var activities = TaskCatalog.Activities.ToDictionary(
                a => a.Name, a => (Func<ITaskActivity>)(() => (ITaskActivity)services.GetRequiredService(a.Implementation)));
            var durable = await LocalDurableHost.StartAsync(
                options.Durable with
                {
                    Kind = options.Backend,
                    StorageConnectionString = connectionString,
                    TaskHub = options.TaskHub,
                    RunWorker = options.RunWorker,
                },
                activities,
                loggerFactory);
            return new LocalRuntime(services, azurite, durable, connectionString, telemetry, azuriteStartup);
        }
        catch
        {
            if (azurite is not null)
            {
                await azurite.DisposeAsync();
            }

            telemetry.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The instance store runs are scheduled in, for the run lock: an Azure Storage task hub is shared by every process
    /// that names it (a client and its workers); the in-memory backend is this process's alone.
    /// </summary>
    private static string InstanceStore(LocalRuntimeOptions options, string connectionString) =>
        options.Backend == DurableBackendKind.AzureStorage
            ? RunLockOptions.AzureStorageStore(new BlobServiceClient(connectionString).AccountName, options.TaskHub)
            : RunLockOptions.ProcessStore();

    public async ValueTask DisposeAsync()
    {
        await Durable.DisposeAsync();
        await _services.DisposeAsync();
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }

        Telemetry.Dispose();
    }
}
