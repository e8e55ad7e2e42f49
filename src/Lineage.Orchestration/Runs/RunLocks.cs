using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Lineage.Orchestration.Telemetry;
using Lineage.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lineage.Orchestration.Runs;

public enum RunLockState
{
    /// <summary>A start wrote the lock and has not scheduled the orchestration yet.</summary>
    Starting,

    /// <summary>The orchestration is scheduled; its activities renew the lock while it runs.</summary>
    Started,

    /// <summary>The run ended (completed, stopped or failed): any host may start it again.</summary>
    Released,
}

/// <summary>
/// <c>runs/{runId}/lock.json</c> (a walk-forward's: <c>walkforward/{id}/lock.json</c>). <see cref="Store"/> names the
/// Durable instance store the holder scheduled the run in (null in locks written before it was recorded: those are judged
/// by this host's instance status, as they were). <see cref="Owner"/> names the walk-forward a fold run belongs to (its id),
/// or the population a member run belongs to (<c>population:{id}</c>): only that owner starts, resumes or scores it, and the
/// run API refuses it (null: an ordinary run).
/// </summary>
public sealed record RunLockRecord(string RunId, RunLockState State, bool Resume, string? Store = null, string? Owner = null);

/// <summary>The lock as read: its record (null if unreadable), its ETag and when the service last wrote it.</summary>
public sealed record RunLockSnapshot(RunLockRecord? Record, ETag ETag, DateTimeOffset LastModified);

/// <summary>Configuration section <c>Lineage:RunLock</c>.</summary>
public sealed class RunLockOptions
{
    public const string Section = "Lineage:RunLock";

    private const string ProcessStorePrefix = "process:";

    /// <summary>
    /// How long a started run's lock holds without renewal. The run's activities renew it every quarter of this while
    /// they execute, so only a holder that stopped working (a crashed host, an embedded backend whose process died)
    /// lets it lapse; another host may then take the run over.
    /// </summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The Durable instance store this host schedules runs in. Hosts that share one (the same task hub on the same
    /// storage account) see each other's instances, so their status decides at once; any other holder is judged by its
    /// lock alone. The default is unique to the process: right for an in-memory backend, which no other process sees.
    /// </summary>
    public string Store { get; set; } = ProcessStore();

    /// <summary>The store name of an Azure Storage task hub, the same from every host that uses it.</summary>
    public static string AzureStorageStore(string accountName, string taskHub) =>
        $"azure-storage:{accountName.ToLowerInvariant()}/{taskHub.ToLowerInvariant()}";

    /// <summary>A store only this process sees (an in-memory backend): <c>process:{machine}:{pid}:{unique}</c>.</summary>
    public static string ProcessStore() => $"{ProcessStorePrefix}{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>
    /// True when <paramref name="store"/> is a process store of a process on this machine that no longer runs: its
    /// in-memory instances died with it, so its lock protects nothing. (A reused process id reads as alive: the lock then
    /// lapses as any other.)
    /// </summary>
    public static bool IsDeadProcessStore(string? store)
    {
        if (store is null || !store.StartsWith(ProcessStorePrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = store[ProcessStorePrefix.Length..].Split(':');
        if (parts.Length != 3 || parts[0] != Environment.MachineName || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        if (pid == Environment.ProcessId)
        {
            return false;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}

/// <summary>A started run's lock is held by another host's instance store; this host must not write the run.</summary>
public sealed class RunLockLostException(string message) : InvalidOperationException(message);

/// <summary>
/// The per-run lock in the run's own folder, shared by every host that uses the container whatever its task hub.
/// Starting writes it conditionally (the run API's RunService decides who may); the run's activities hold it
/// (<see cref="HoldAsync"/>: refuse if another store holds it, renew it while they work); the orchestration releases it
/// when the run ends.
/// </summary>
public sealed class RunLocks(BlobContainerClient container, IOptions<RunLockOptions> options, ILogger<RunLocks> logger, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    private Func<string, string> _blobName = RunBlobs.Lock;

    private RunLocks? _walkForwards;

    private RunLocks? _populations;

    /// <summary>
    /// The same locks, same store and same rules, for walk-forwards (<c>walkforward/{id}/lock.json</c>): a walk-forward id
    /// and a run id may be equal without sharing a lock.
    /// </summary>
    public RunLocks ForWalkForwards() => _walkForwards ??= new(container, options, logger, _time) { _blobName = WalkForwardBlobs.Lock };

    /// <summary>The same locks for populations (<c>populations/{id}/lock.json</c>).</summary>
    public RunLocks ForPopulations() => _populations ??= new(container, options, logger, _time) { _blobName = PopulationBlobs.Lock };

    public RunLockOptions Options => options.Value;

    public string Store => options.Value.Store;

    /// <summary>How often a holder renews, and the youngest lock it bothers renewing.</summary>
    public TimeSpan RenewInterval => options.Value.Duration / 4;

    /// <summary>True when this host's instance store holds the lock (or the lock predates stores).</summary>
    public bool IsMine(RunLockRecord record) => record.Store is null || record.Store == Store;

    public TimeSpan Age(RunLockSnapshot snapshot) => _time.GetUtcNow() - snapshot.LastModified;

    /// <summary>
    /// Foreign and started, renewed within <see cref="RunLockOptions.Duration"/>, and not held by a process of this machine
    /// that has exited (a killed local <c>lineage train</c> can be resumed at once): a live run on another host.
    /// </summary>
    public bool HeldElsewhere(RunLockSnapshot snapshot) =>
        snapshot.Record is { State: RunLockState.Started } record && !IsMine(record) && Age(snapshot) < options.Value.Duration
        && !RunLockOptions.IsDeadProcessStore(record.Store);

    public async Task<RunLockSnapshot?> ReadAsync(string runId, CancellationToken cancellationToken)
    {
        try
        {
            var download = (await Blob(runId).DownloadContentAsync(cancellationToken)).Value;
            return new RunLockSnapshot(Parse(download.Content), download.Details.ETag, download.Details.LastModified);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Creates the lock in <paramref name="state"/> if there is none; null if there is one.</summary>
    public Task<ETag?> TryCreateAsync(TrainingRun run, RunLockState state, CancellationToken cancellationToken) =>
        TryWriteAsync(run.RunId, new RunLockRecord(run.RunId, state, run.Resume, Store), new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken);

    /// <summary>Replaces the lock if it is still the version <paramref name="expected"/>; null if someone wrote it since.</summary>
    public Task<ETag?> TryReplaceAsync(TrainingRun run, RunLockState state, ETag expected, CancellationToken cancellationToken) =>
        TryWriteAsync(run.RunId, new RunLockRecord(run.RunId, state, run.Resume, Store), new BlobRequestConditions { IfMatch = expected }, cancellationToken);

    /// <summary>Creates the lock as <paramref name="record"/> (its store: this host's) if there is none; null if there is one.</summary>
    public Task<ETag?> TryCreateAsync(RunLockRecord record, CancellationToken cancellationToken) =>
        TryWriteAsync(record.RunId, record with { Store = Store }, new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken);

    /// <summary>Replaces the lock with <paramref name="record"/> (its store: this host's) if it is still <paramref name="expected"/>.</summary>
    public Task<ETag?> TryReplaceAsync(RunLockRecord record, ETag expected, CancellationToken cancellationToken) =>
        TryWriteAsync(record.RunId, record with { Store = Store }, new BlobRequestConditions { IfMatch = expected }, cancellationToken);

    /// <summary>
    /// What an activity of a run does first: refuse if another store's start or run holds the lock
    /// (<see cref="RunLockLostException"/>), otherwise renew it in the background while the activity works. A run with no
    /// lock (started without the run API) or a released one has nothing to renew.
    /// </summary>
    public async Task<RunLockHold> HoldAsync(string runId, CancellationToken cancellationToken)
    {
        var snapshot = await ReadAsync(runId, cancellationToken);
        if (snapshot?.Record is not { } record || record.State == RunLockState.Released)
        {
            return RunLockHold.None;
        }

        if (!IsMine(record))
        {
            throw new RunLockLostException(
                $"Run '{runId}' is held by another host (store {record.Store}, {record.State}); this host's instance of the run stops. " +
                "Its checkpoints and replay buffer belong to that host's run now.");
        }

        if (record.State != RunLockState.Started)
        {
            // A start in this store is writing the lock: leave its ETag alone.
            return RunLockHold.None;
        }

        await RenewAsync(runId, snapshot, cancellationToken);
        return new RunLockHold(this, runId);
    }

    /// <summary>
    /// Before a reserved run trains for its owner (a walk-forward's fold, a population's member): takes the run's lock for this
    /// host's store, as the run API's start would, but only if the lock names <paramref name="owner"/> (the owner's start
    /// reserved it; a missing lock is created for it) and no other host is running the run.
    /// </summary>
    /// <param name="ownerName">The owner for people, as "walk-forward 'x'".</param>
    /// <exception cref="RunLockLostException">The run belongs to someone else, runs elsewhere, or its lock changed meanwhile.</exception>
    public async Task ClaimReservedAsync(string runId, string owner, string ownerName, CancellationToken cancellationToken)
    {
        var claimed = new RunLockRecord(runId, RunLockState.Started, Resume: false, Owner: owner);
        var current = await ReadAsync(runId, cancellationToken);
        if (current is null)
        {
            _ = await TryCreateAsync(claimed, cancellationToken)
                ?? throw new RunLockLostException($"Run '{runId}': its lock was written by another start while {ownerName} claimed it.");
            return;
        }

        if (current.Record?.Owner != owner)
        {
            throw new RunLockLostException(
                $"Run '{runId}' is not reserved for {ownerName} (its lock names {(current.Record?.Owner is { } other ? $"owner '{other}'" : "no owner")}); it is not trained.");
        }

        if (HeldElsewhere(current))
        {
            throw new RunLockLostException(
                $"Run '{runId}' is running on another host ({current.Record.Store}); its lock was renewed {Age(current).TotalSeconds:N0} s ago.");
        }

        _ = await TryReplaceAsync(claimed, current.ETag, cancellationToken)
            ?? throw new RunLockLostException($"Run '{runId}': its lock changed while {ownerName} claimed it.");
    }

    /// <summary>Marks the run's lock released if this store holds it; false if it does not (or someone wrote it meanwhile).</summary>
    public async Task<bool> ReleaseAsync(string runId, CancellationToken cancellationToken)
    {
        var snapshot = await ReadAsync(runId, cancellationToken);
        if (snapshot?.Record is not { } record || !IsMine(record) || record.State == RunLockState.Released)
        {
            return false;
        }

        var released = await TryWriteAsync(runId, record with { State = RunLockState.Released, Store = Store }, new BlobRequestConditions { IfMatch = snapshot.ETag }, cancellationToken);
        return released is not null;
    }

    /// <summary>One renewal: rewrite a lock this store holds (same content, new time) if it is older than the interval.</summary>
    internal async Task RenewAsync(string runId, RunLockSnapshot? snapshot, CancellationToken cancellationToken)
    {
        snapshot ??= await ReadAsync(runId, cancellationToken);
        if (snapshot?.Record is not { State: RunLockState.Started } record || !IsMine(record) || Age(snapshot) < RenewInterval)
        {
            return;
        }

        // A lost race (412) means another activity of this run renewed it, or a start took it over: the next renewal looks again.
        await TryWriteAsync(runId, record, new BlobRequestConditions { IfMatch = snapshot.ETag }, cancellationToken);
    }

    internal void RenewalFailed(string runId, Exception exception) =>
        OrchestrationLog.RunLockRenewalFailed(logger, runId, exception.Message);

    private async Task<ETag?> TryWriteAsync(string runId, RunLockRecord record, BlobRequestConditions conditions, CancellationToken cancellationToken)
    {
        try
        {
            var written = await Blob(runId).UploadAsync(
                BinaryData.FromObjectAsJson(record, LineageJson.Options), new BlobUploadOptions { Conditions = conditions }, cancellationToken);
            return written.Value.ETag;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return null;
        }
    }

    private BlobClient Blob(string runId) => container.GetBlobClient(_blobName(runId));

    private static RunLockRecord? Parse(BinaryData content)
    {
        try
        {
            return content.ToObjectFromJson<RunLockRecord>(LineageJson.Options);
        }
        catch (JsonException)
        {
            // An unreadable lock is treated like an orphan: the conditional write that replaces it still decides.
            return null;
        }
    }
}

/// <summary>An activity's hold on its run's lock: renews it every <see cref="RunLocks.RenewInterval"/> until disposed.</summary>
public sealed class RunLockHold : IAsyncDisposable
{
    private readonly CancellationTokenSource? _stop;
    private readonly Task _renewals = Task.CompletedTask;

    internal RunLockHold(RunLocks locks, string runId)
    {
        _stop = new CancellationTokenSource();
        _renewals = RenewUntilStoppedAsync(locks, runId, _stop.Token);
    }

    private RunLockHold()
    {
    }

    /// <summary>Nothing to renew: no lock, a released one, or one a start in this store is writing.</summary>
    public static RunLockHold None { get; } = new();

    public async ValueTask DisposeAsync()
    {
        if (_stop is null)
        {
            return;
        }

        await _stop.CancelAsync();
        await _renewals;
        _stop.Dispose();
    }

    private static async Task RenewUntilStoppedAsync(RunLocks locks, string runId, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(locks.RenewInterval, stop);
                await locks.RenewAsync(runId, null, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RequestFailedException or IOException or TimeoutException)
            {
                // A missed renewal is not the activity's failure: the next one tries again; the lock lapses only if all do.
                locks.RenewalFailed(runId, ex);
            }
        }
    }
}
