using System.Text.Json;
using Azure;
using Lineage.Orchestration.Runs;
using Lineage.Storage;

namespace Lineage.Orchestration.Api;

/// <summary>
/// The start rules of an orchestration that owns runs (a walk-forward and its folds, a population and its members), shared by
/// their services: the start lock in the owner's folder (the run locks' conditional-write rules, <paramref name="ownLocks"/>),
/// its takeover from a crashed or finished start, the stored first request a resume must repeat, and the reservation of every
/// owned run id (each run's lock names the owner, so the run API refuses those ids). <paramref name="noun"/> names the kind
/// in messages ("Walk-forward").
/// </summary>
internal sealed class OwnerStart(IRunOrchestrationClient client, RunStorage storage, RunLocks runLocks, RunLocks ownLocks, string noun)
{
    /// <summary>
    /// Writes the owner's lock as Starting: created, or taken over from an ended start; a 409 when a start is in progress, the
    /// owner runs on another host (its lock, or one of its runs' locks, <paramref name="runHeldElsewhere"/>, renewed there), or
    /// its instance is active here.
    /// </summary>
    public async Task<(ApiResponse? Refusal, ETag ETag)> TakeLockAsync(
        string id, bool resume, string instanceId, Func<CancellationToken, Task<string?>> runHeldElsewhere, CancellationToken cancellationToken)
    {
        if (await ownLocks.TryCreateAsync(new RunLockRecord(id, RunLockState.Starting, resume), cancellationToken) is { } created)
        {
            return (null, created);
        }

        var current = await ownLocks.ReadAsync(id, cancellationToken);
        if (current is null)
        {
            return (ApiResponse.Conflict($"{noun} '{id}' is being started by another request; try again."), default);
        }

        var age = ownLocks.Age(current);
        if (current.Record?.State == RunLockState.Starting && age < RunService.StartingLockTimeout)
        {
            return (ApiResponse.Conflict($"{noun} '{id}' is being started by another request."), default);
        }

        if (ownLocks.HeldElsewhere(current))
        {
            return (ApiResponse.Conflict($"{noun} '{id}' is running on another host ({current.Record!.Store}); its lock was renewed {age.TotalSeconds:N0} s ago."), default);
        }

        // Its activities renew the owner's lock only between its runs: while one trains, the run's lock shows it alive.
        if (current.Record is { State: RunLockState.Started } started && !ownLocks.IsMine(started)
            && await runHeldElsewhere(cancellationToken) is { } busy)
        {
            return (ApiResponse.Conflict($"{noun} '{id}' is running on another host ({started.Store}): its run '{busy}' is training there."), default);
        }

        var instance = await client.GetAsync(instanceId, cancellationToken);
        if (instance is { IsActive: true })
        {
            return (ApiResponse.Conflict($"{noun} '{id}' is already running (status {instance.Status})."), default);
        }

        var written = await ownLocks.TryReplaceAsync(new RunLockRecord(id, RunLockState.Starting, resume), current.ETag, cancellationToken);
        return written is { } etag
            ? (null, etag)
            : (ApiResponse.Conflict($"{noun} '{id}' was started by another request at the same time."), default);
    }

    /// <summary>Puts the owner's lock back to released after a refused start (nothing was scheduled), so a corrected request may start.</summary>
    public Task ReleaseAsync(string id, bool resume, ETag lockETag, CancellationToken cancellationToken) =>
        ownLocks.TryReplaceAsync(new RunLockRecord(id, RunLockState.Released, resume), lockETag, cancellationToken);

    /// <summary>Marks the owner's lock Started once its orchestration is scheduled.</summary>
    public async Task MarkStartedAsync(string id, bool resume, ETag lockETag, CancellationToken cancellationToken)
    {
        if (await ownLocks.TryReplaceAsync(new RunLockRecord(id, RunLockState.Started, resume), lockETag, cancellationToken) is null)
        {
            throw new InvalidOperationException($"{noun} '{id}': its start lock changed while it was being scheduled.");
        }
    }

    /// <summary>
    /// An owner that exists (its request blob) needs <c>resume: true</c>, and a resume must repeat the <paramref name="identity"/>
    /// (the request without what may change) it was first started with.
    /// </summary>
    public async Task<ApiResponse?> CheckStoredRequestAsync<T>(
        string id, string requestBlob, bool resume, T identity, string resumeHint, string mayChange, CancellationToken cancellationToken)
        where T : class
    {
        if (await ReadAsync<T>(requestBlob, cancellationToken) is not { } stored)
        {
            return null;
        }

        if (!resume)
        {
            return ApiResponse.Conflict($"{noun} '{id}' already exists; send \"resume\": true to continue it ({resumeHint}), or use a new id.");
        }

        var (was, now) = (JsonSerializer.Serialize(stored, LineageJson.Options), JsonSerializer.Serialize(identity, LineageJson.Options));
        return was == now
            ? null
            : ApiResponse.Conflict($"{noun} '{id}' was started with another request; a resume must repeat it (only {mayChange} may change). Started with: {was}");
    }

    /// <summary>Stores the request a resume must repeat.</summary>
    public async Task StoreRequestAsync<T>(string requestBlob, T identity, CancellationToken cancellationToken) =>
        await storage.Container.GetBlobClient(requestBlob).UploadAsync(BinaryData.FromObjectAsJson(identity, LineageJson.Options), overwrite: true, cancellationToken);

    /// <summary>
    /// Writes every owned run's lock, released and naming <paramref name="owner"/>, unless it already does: from now on the run
    /// API refuses those ids (409); an id some other run already has makes this start a 409 instead (<paramref name="describe"/>
    /// says which run the owner wanted it for).
    /// </summary>
    public async Task<ApiResponse?> ReserveAsync(string id, string owner, IEnumerable<(string RunId, string What)> runs, CancellationToken cancellationToken)
    {
        foreach (var (runId, what) in runs)
        {
            var reserved = new RunLockRecord(runId, RunLockState.Released, Resume: false, Owner: owner);
            if (await runLocks.TryCreateAsync(reserved, cancellationToken) is not null)
            {
                continue;
            }

            var current = await runLocks.ReadAsync(runId, cancellationToken);
            if (current?.Record?.Owner != owner)
            {
                return ApiResponse.Conflict(
                    $"{noun} '{id}' would run {what} as run '{runId}', but that run id is taken ({(current?.Record?.Owner is { } other ? $"it belongs to '{other}'" : "by another run")}); use another id.");
            }
        }

        return null;
    }

    /// <summary>The first of <paramref name="runIds"/> whose lock another host renews, or null.</summary>
    public async Task<string?> HeldElsewhereAsync(IEnumerable<string> runIds, CancellationToken cancellationToken)
    {
        foreach (var runId in runIds)
        {
            if (await runLocks.ReadAsync(runId, cancellationToken) is { } snapshot && runLocks.HeldElsewhere(snapshot))
            {
                return runId;
            }
        }

        return null;
    }

    public async Task<T?> ReadAsync<T>(string blobName, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            var content = (await storage.Container.GetBlobClient(blobName).DownloadContentAsync(cancellationToken)).Value.Content;
            return content.ToObjectFromJson<T>(LineageJson.Options);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>An orchestration's custom status or output, or null when it has none.</summary>
    public static T? Parse<T>(string? json)
        where T : class =>
        // Written by our own orchestrators; the lenient options skip fields an older or newer version added.
        string.IsNullOrWhiteSpace(json) ? null : JsonSerializer.Deserialize<T>(json, LineageJson.Options);
}
