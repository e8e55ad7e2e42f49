using CoreTaskActivity = DurableTask.Core.TaskActivity;
using CoreTaskOrchestration = DurableTask.Core.TaskOrchestration;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.History;
using Lineage.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Training;
using Lineage.Orchestration.Populations;
using Lineage.Orchestration.WalkForwards;
using Lineage.Storage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Logging;

namespace Lineage.Hosting;

public enum DurableBackendKind
{
    /// <summary>In-process, in-memory: nothing to install, state lives as long as the process.</summary>
    Embedded,

    /// <summary>DurableTask.AzureStorage — the engine Azure Functions uses — over Azurite or Azure Storage.</summary>
    AzureStorage,
}

public sealed record DurableBackendOptions
{
    public DurableBackendKind Kind { get; init; } = DurableBackendKind.Embedded;

    /// <summary>Required for <see cref="DurableBackendKind.AzureStorage"/>.</summary>
    public string? StorageConnectionString { get; init; }

    /// <summary>Alphanumeric only (Azure Storage task hubs reject hyphens).</summary>
    public string TaskHub { get; init; } = "lineage";

    /// <summary>A local tuning for a small machine; Azure's host.json keeps its own defaults.</summary>
    public TimeSpan MaxQueuePollingInterval { get; init; } = TimeSpan.FromSeconds(1);

    public int MaxConcurrentActivities { get; init; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>
    /// How long a work item a crashed worker held stays invisible before another worker retries it
    /// (Azure Storage backend; DurableTask's default is 5 minutes).
    /// </summary>
    public TimeSpan WorkItemVisibilityTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Partition lease length: how soon a crashed worker's orchestrations move to another (default 30 s).</summary>
    public TimeSpan LeaseInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Run the worker in this process (false: a client only, e.g. to query a hub another process works).</summary>
    public bool RunWorker { get; init; } = true;
}

/// <summary>
/// Runs the same class-based orchestrator and activities as the Functions app on a DurableTask.Core
/// worker, through the Durable SDK's public shim factory — no Functions host, no gRPC sidecar.
/// </summary>
public sealed class LocalDurableHost : IRunOrchestrationClient, IAsyncDisposable
{
    private readonly IOrchestrationService _service;
    private readonly TaskHubWorker? _worker;
    private readonly TaskHubClient _client;
    private readonly List<ExecutionHistory> _histories;
    private readonly List<string> _executions;

    private LocalDurableHost(
        IOrchestrationService service,
        IOrchestrationServiceClient serviceClient,
        TaskHubWorker? worker,
        List<ExecutionHistory> histories,
        List<string> counters,
        ILoggerFactory loggerFactory)
    {
        _histories = histories;
        _executions = counters;
        _service = service;
        _worker = worker;
        _client = new TaskHubClient(serviceClient, new StjDataConverter(), loggerFactory);
    }

    public TaskHubClient Client => _client;

    public static async Task<LocalDurableHost> StartAsync(
        DurableBackendOptions options,
        IReadOnlyDictionary<string, Func<ITaskActivity>> activities,
        ILoggerFactory loggerFactory)
    {
        IOrchestrationService service;
        IOrchestrationServiceClient serviceClient;
        if (options.Kind == DurableBackendKind.AzureStorage)
        {
            if (string.IsNullOrWhiteSpace(options.StorageConnectionString))
            {
                throw new ArgumentException("The Azure Storage Durable backend needs a storage connection string.", nameof(options));
            }

            if (!options.TaskHub.All(char.IsAsciiLetterOrDigit))
            {
                throw new ArgumentException($"Task hub name '{options.TaskHub}' must be letters and digits only.", nameof(options));
            }

            var azure = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
            {
                TaskHubName = options.TaskHub,
                StorageAccountClientProvider = new StorageAccountClientProvider(options.StorageConnectionString),
                WorkerId = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}",
                MaxQueuePollingInterval = options.MaxQueuePollingInterval,
                MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivities,
                WorkItemQueueVisibilityTimeout = options.WorkItemVisibilityTimeout,
                ControlQueueVisibilityTimeout = options.WorkItemVisibilityTimeout,
                LeaseInterval = options.LeaseInterval,
                LeaseRenewInterval = options.LeaseInterval / 3,
                LeaseAcquireInterval = options.LeaseInterval / 3,
                LoggerFactory = loggerFactory,
            });
            await azure.CreateIfNotExistsAsync();
            (service, serviceClient) = (azure, azure);
        }
        else
        {
            var memory = new InMemoryOrchestrationService(loggerFactory);
            (service, serviceClient) = (memory, memory);
        }

        TaskHubWorker? worker = null;
        var histories = new List<ExecutionHistory>();
        var counters = new List<string>();
        if (options.RunWorker)
        {
            var shims = new DurableTaskShimFactory(
                new DurableTaskWorkerOptions { DataConverter = new JsonDataConverter(LineageJson.Options) },
                loggerFactory);
            // As the Functions host does: a failed activity or sub-orchestration reaches its caller with its error type and
            // message (FailureDetails); DurableTask.Core's default serializes exceptions, and the shim then sees none.
            worker = new TaskHubWorker(service, loggerFactory) { ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails };
            foreach (var orchestrator in TaskCatalog.Orchestrators)
            {
                worker.AddTaskOrchestrations(new Creator<CoreTaskOrchestration>(
                    orchestrator.Name,
                    () => shims.CreateOrchestration(orchestrator.Name, (ITaskOrchestrator)Activator.CreateInstance(orchestrator.Implementation)!)));
            }

            worker.AddOrchestrationDispatcherMiddleware(async (context, next) =>
            {
                await next();
                var runtime = context.GetProperty<OrchestrationRuntimeState>();
                if (runtime?.OrchestrationInstance is { } instance)
                {
                    lock (histories)
                    {
                        counters.Add($"orchestration:{instance.InstanceId}");
                        histories.RemoveAll(h => h.ExecutionId == instance.ExecutionId);
                        histories.Add(new ExecutionHistory(instance.InstanceId, instance.ExecutionId, [.. runtime.Events]));
                    }
                }
            });
            worker.AddActivityDispatcherMiddleware(async (context, next) =>
            {
                await next();
                if (context.GetProperty<OrchestrationInstance>() is { } instance && context.GetProperty<TaskScheduledEvent>() is { } scheduled)
                {
                    lock (histories)
                    {
                        counters.Add($"activity:{instance.InstanceId}:{scheduled.Name}");
                    }
                }
            });
            foreach (var (name, factory) in activities)
            {
                worker.AddTaskActivities(new Creator<CoreTaskActivity>(name, () => shims.CreateActivity(name, factory())));
            }

            await worker.StartAsync();
        }

        return new LocalDurableHost(service, serviceClient, worker, histories, counters, loggerFactory);
    }

    public async Task ScheduleAsync(string instanceId, TrainingState input, CancellationToken cancellationToken) =>
        await _client.CreateOrchestrationInstanceAsync(ActivityNames.TrainingOrchestrator, "", instanceId, input);

    public async Task ScheduleWalkForwardAsync(string instanceId, WalkForwardState input, CancellationToken cancellationToken) =>
        await _client.CreateOrchestrationInstanceAsync(ActivityNames.WalkForwardOrchestrator, "", instanceId, input);

    public async Task SchedulePopulationAsync(string instanceId, PopulationState input, CancellationToken cancellationToken) =>
        await _client.CreateOrchestrationInstanceAsync(ActivityNames.PopulationOrchestrator, "", instanceId, input);

    public async Task<RunInstance?> GetAsync(string instanceId, CancellationToken cancellationToken)
    {
        var state = await _client.GetOrchestrationStateAsync(instanceId);
        if (state is null)
        {
            return null;
        }

        var status = state.OrchestrationStatus switch
        {
            OrchestrationStatus.Pending => RunRuntimeStatus.Pending,
            OrchestrationStatus.Running or OrchestrationStatus.ContinuedAsNew => RunRuntimeStatus.Running,
            OrchestrationStatus.Completed => RunRuntimeStatus.Completed,
            OrchestrationStatus.Failed => RunRuntimeStatus.Failed,
            OrchestrationStatus.Terminated or OrchestrationStatus.Canceled => RunRuntimeStatus.Terminated,
            OrchestrationStatus.Suspended => RunRuntimeStatus.Suspended,
            _ => RunRuntimeStatus.Unknown,
        };
        var failure = state.OrchestrationStatus == OrchestrationStatus.Failed
            ? state.FailureDetails?.ErrorMessage ?? state.Output
            : null;
        return new RunInstance(
            instanceId,
            status,
            state.Status,
            status == RunRuntimeStatus.Completed ? state.Output : null,
            failure,
            new DateTimeOffset(DateTime.SpecifyKind(state.CreatedTime, DateTimeKind.Utc)),
            new DateTimeOffset(DateTime.SpecifyKind(state.LastUpdatedTime, DateTimeKind.Utc)));
    }

    public async Task RaiseStopAsync(string instanceId, CancellationToken cancellationToken) =>
        await _client.RaiseEventAsync(new OrchestrationInstance { InstanceId = instanceId }, ActivityNames.StopEvent, "stop");

    /// <summary>Polls until the run leaves Pending/Running, reporting each status change.</summary>
    public async Task<RunInstance> WaitForCompletionAsync(
        string instanceId, TimeSpan pollInterval, Action<RunInstance>? onProgress, CancellationToken cancellationToken)
    {
        string? lastStatus = null;
        while (true)
        {
            var instance = await GetAsync(instanceId, cancellationToken);
            if (instance is not null)
            {
                if (instance.CustomStatusJson != lastStatus)
                {
                    lastStatus = instance.CustomStatusJson;
                    onProgress?.Invoke(instance);
                }

                if (!instance.IsActive)
                {
                    return instance;
                }
            }

            await Task.Delay(pollInterval, cancellationToken);
        }
    }

    /// <summary>
    /// The history events of every generation of a run, oldest first, as the worker last dispatched
    /// them (recorded by a dispatcher middleware, so it works on the in-memory backend too).
    /// </summary>
    public IReadOnlyList<HistoryEvent> GetHistory(string instanceId)
    {
        lock (_histories)
        {
            return [.. _histories.Where(h => h.InstanceId == instanceId).SelectMany(h => h.Events)];
        }
    }

    /// <summary>
    /// How often this worker ran each activity of a run, and how often it ran (replayed) the orchestrator —
    /// for tests that show replays cause no side effects.
    /// </summary>
    public (int OrchestratorRuns, IReadOnlyDictionary<string, int> ActivityRuns) GetExecutionCounts(string instanceId)
    {
        lock (_histories)
        {
            var activityPrefix = $"activity:{instanceId}:";
            return (
                _executions.Count(e => e == $"orchestration:{instanceId}"),
                _executions.Where(e => e.StartsWith(activityPrefix, StringComparison.Ordinal))
                    .GroupBy(e => e[activityPrefix.Length..])
                    .ToDictionary(g => g.Key, g => g.Count()));
        }
    }

    /// <summary>Activities and orchestration steps (orchestrator work items, replays included) this worker has finished, over every run.</summary>
    public (int Activities, int OrchestrationSteps) ExecutionTotals
    {
        get
        {
            lock (_histories)
            {
                var activities = _executions.Count(e => e.StartsWith("activity:", StringComparison.Ordinal));
                return (activities, _executions.Count - activities);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_worker is not null)
        {
            await _worker.StopAsync(isForced: true);
            _worker.Dispose();
        }
        else if (_service is IDisposable disposable)
        {
            // A client-only host never started the service: there is nothing to stop, only resources to free.
            disposable.Dispose();
        }
    }

    private sealed record ExecutionHistory(string InstanceId, string ExecutionId, IReadOnlyList<HistoryEvent> Events);

    private sealed class Creator<T> : ObjectCreator<T>
    {
        private readonly Func<T> _factory;

        public Creator(string name, Func<T> factory)
        {
            Name = name;
            Version = "";
            _factory = factory;
        }

        // A new shim every time: the orchestration shim holds per-execution state.
        public override T Create() => _factory();
    }
}
