using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Lineage.Core.Replay;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lineage.Storage;

/// <summary>
/// One run's replay buffer in blob storage. Episode activities write one shard each
/// (<c>runs/{runId}/replay/shards/{iteration:D6}-{episode:D4}.bin</c>); after the fan-in a single writer
/// appends them to <c>runs/{runId}/replay/manifest.json</c>, which keeps the newest <c>capacity</c>
/// experiences in (iteration, episode) order. The manifest is written with ETag conditions: a writer that read
/// a stale manifest gets 412, re-reads and merges, so concurrent appends never lose a shard. Priorities of a
/// prioritized buffer live beside it in <c>priorities/{update:D10}.bin</c>, one per checkpoint they belong to, so a
/// retried training step samples exactly what its first attempt sampled.
/// </summary>
public sealed class BlobReplayStore
{
    public const int MaxIteration = 999_999;
    public const int MaxEpisode = 9_999;
    private const int MaxAppendAttempts = 20;
    private const int MaxParallelDownloads = 8;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    private readonly BlobContainerClient _container;
    private readonly ILogger _logger;
    private readonly string _prefix;

    public BlobReplayStore(BlobContainerClient container, RunId runId, ILogger<BlobReplayStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(runId);
        _container = container;
        RunId = runId;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _prefix = RunBlobs.Replay(runId.Value);
    }

    public RunId RunId { get; }

    internal BlobContainerClient Container => _container;

    public string ManifestBlobName => $"{_prefix}manifest.json";

    public string PrioritiesPrefix => $"{_prefix}priorities/";

    /// <summary>Test hook run just before each manifest write attempt (argument: attempt number from 1).</summary>
    internal Func<int, Task>? BeforeManifestWrite { get; set; }

    /// <summary>Test hook run after a manifest commit, before evicted shards are deleted (a crash there leaves orphans).</summary>
    internal Func<Task>? AfterManifestCommit { get; set; }

    /// <summary>The priorities that belong to checkpoint <paramref name="update"/> (saved by the step that produced it).</summary>
    public string PrioritiesBlobName(long update) =>
        string.Create(CultureInfo.InvariantCulture, $"{PrioritiesPrefix}{update:D10}.bin");

    public static string ShardName(int iteration, int episode) =>
        string.Create(CultureInfo.InvariantCulture, $"{iteration:D6}-{episode:D4}.bin");

    public string ShardBlobName(string shardName) => $"{_prefix}shards/{shardName}";

    /// <summary>
    /// Writes one episode's experiences. The name depends only on (iteration, episode), so a retried
    /// activity overwrites its own shard instead of adding a duplicate.
    /// </summary>
    /// <param name="cache">
    /// When given, the written bytes are put in it under the blob's new ETag (write-through), so a training step in the same
    /// worker reads them without a download; a reader still checks them against the manifest's SHA-256.
    /// </param>
    public async Task<ShardRef> WriteShardAsync(
        int iteration, int episode, IReadOnlyList<Experience> experiences, int stateSize, IShardCache? cache = null, CancellationToken cancellationToken = default)
    {
        CheckCoordinates(iteration, episode);
        var bytes = ExperienceCodec.Encode(experiences, stateSize);
        var name = ShardName(iteration, episode);
        var response = await _container.GetBlobClient(ShardBlobName(name))
            .UploadAsync(BinaryData.FromBytes(bytes), overwrite: true, cancellationToken);
        cache?.Put(name, response.Value.ETag, bytes);
        return new ShardRef(name, iteration, episode, experiences.Count, stateSize, bytes.Length, response.Value.ETag.ToString(), Sha256(bytes));
    }

    public async Task<ReplayManifest?> GetManifestAsync(CancellationToken cancellationToken = default) =>
        (await ReadManifestAsync(cancellationToken)).Manifest;

    /// <summary>
    /// Adds shards to the manifest (the single writer after the fan-in). Shards are ordered by
    /// (iteration, episode) whatever order they come in; shards already in the manifest are skipped, so a
    /// retried append changes nothing. FIFO eviction keeps exactly <paramref name="capacity"/> experiences
    /// (a partly evicted shard keeps a skip offset); fully evicted shard blobs are deleted after the commit.
    /// </summary>
    /// <exception cref="ReplayManifestConflictException">The manifest kept changing under this writer.</exception>
    public async Task<ReplayManifest> AppendAsync(IReadOnlyList<ShardRef> shards, int capacity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        var incoming = ValidateIncoming(shards);
        for (var attempt = 1; attempt <= MaxAppendAttempts; attempt++)
        {
            var (current, etag) = await ReadManifestAsync(cancellationToken);
            var stateSize = current is { StateSize: > 0 } ? current.StateSize : incoming.FirstOrDefault()?.StateSize ?? 0;
            if (incoming.FirstOrDefault(s => s.StateSize != stateSize) is { } mismatch)
            {
                throw new ArgumentException(
                    $"Shard {mismatch.Name} has state size {mismatch.StateSize}, but run {RunId} stores state size {stateSize}.", nameof(shards));
            }

            var (live, evicted) = Plan(current, incoming, capacity);
            if (current is not null && current.Capacity == capacity
                && live.Select(s => (s.Name, s.Skip)).SequenceEqual(current.Shards.Select(s => (s.Name, s.Skip))))
            {
                // Nothing new: a retried append. Finish any deletions the first attempt may not have reached.
                await DeleteShardsAsync(evicted, cancellationToken);
                await DeleteOrphansAsync(current, cancellationToken);
                return current;
            }

            var verified = await VerifyNewShardsAsync(current, live, cancellationToken);
            var next = new ReplayManifest(ReplayManifest.CurrentVersion, RunId.Value, capacity, stateSize, (current?.Revision ?? 0) + 1, verified);
            if (BeforeManifestWrite is { } hook)
            {
                await hook(attempt);
            }

            if (!await TryCommitAsync(next, current, etag, attempt, cancellationToken))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10 * attempt), cancellationToken);
                continue;
            }

            if (AfterManifestCommit is { } afterCommit)
            {
                await afterCommit();
            }

            CrashPoints.Reach(CrashPoints.ReplayAfterManifestCommit, RunId.Value);
            await DeleteShardsAsync(evicted, cancellationToken);
            CrashPoints.Reach(CrashPoints.ReplayAfterEvictedDeleted, RunId.Value);
            await DeleteOrphansAsync(next, cancellationToken);
            StorageLog.ManifestCommitted(_logger, RunId, next.Revision, next.LiveCount, next.Shards.Count, evicted.Count);
            return next;
        }

        throw new ReplayManifestConflictException(
            $"Replay manifest {ManifestBlobName} changed on every one of {MaxAppendAttempts} append attempts; another writer keeps updating it.");
    }

    /// <summary>
    /// Removes from the manifest every shard of an iteration after <paramref name="lastIteration"/> and deletes their
    /// blobs (resume: those experiences were acted by a checkpoint that is lost). ETag-guarded and idempotent.
    /// Returns the manifest (unchanged when nothing was newer) and how many shards were removed.
    /// </summary>
    public async Task<(ReplayManifest? Manifest, int Removed)> TruncateAfterAsync(int lastIteration, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; attempt <= MaxAppendAttempts; attempt++)
        {
            var (current, etag) = await ReadManifestAsync(cancellationToken);
            if (current is null)
            {
                return (null, 0);
            }

            var removed = current.Shards.Where(s => s.Iteration > lastIteration).Select(s => s.Name).ToList();
            if (removed.Count == 0)
            {
                await DeleteOrphansAsync(current, cancellationToken);
                return (current, 0);
            }

            var next = current with { Revision = current.Revision + 1, Shards = [.. current.Shards.Where(s => s.Iteration <= lastIteration)] };
            if (!await TryCommitAsync(next, current, etag, attempt, cancellationToken))
            {
                continue;
            }

            await DeleteShardsAsync(removed, cancellationToken);
            await DeleteOrphansAsync(next, cancellationToken);
            return (next, removed.Count);
        }

        throw new ReplayManifestConflictException(
            $"Replay manifest {ManifestBlobName} changed on every one of {MaxAppendAttempts} truncation attempts; another writer keeps updating it.");
    }

    /// <summary>
    /// Makes this run's replay buffer a copy of <paramref name="donor"/>'s live window (population-based training's exploit):
    /// each live shard of <paramref name="donorManifest"/> is downloaded (checked against its SHA-256) and written into this
    /// run's own shard folder under its name, then this run's manifest is replaced (ETag-guarded) by one listing the copies with
    /// the donor's skips, and the shards of the old manifest that the new one does not list are deleted. Nothing is shared: the
    /// donor may evict or delete its shards at once. Idempotent: a retry copies the same bytes again. Until the manifest is
    /// replaced, a crash leaves the old manifest naming blobs whose bytes changed, which a load refuses (SHA-256) rather than
    /// trains on, so the caller must retry the copy to its end before this run trains again.
    /// </summary>
    public async Task<ReplayManifest> ReplaceWithCopyAsync(BlobReplayStore donor, ReplayManifest donorManifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(donor);
        ArgumentNullException.ThrowIfNull(donorManifest);
        donor.CheckManifest(donorManifest);
        if (donor.RunId.Value == RunId.Value)
        {
            throw new ArgumentException($"Run '{RunId}' cannot copy its own replay buffer.", nameof(donor));
        }

        var copies = new ManifestShard[donorManifest.Shards.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, copies.Length),
            new ParallelOptions { MaxDegreeOfParallelism = MaxParallelDownloads, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var shard = donorManifest.Shards[i];
                var bytes = await donor.DownloadVerifiedAsync(shard, token);
                var written = await _container.GetBlobClient(ShardBlobName(shard.Name)).UploadAsync(BinaryData.FromBytes(bytes), overwrite: true, token);
                copies[i] = shard with { ETag = written.Value.ETag.ToString() };
            });

        for (var attempt = 1; attempt <= MaxAppendAttempts; attempt++)
        {
            var (current, etag) = await ReadManifestAsync(cancellationToken);
            var next = new ReplayManifest(ReplayManifest.CurrentVersion, RunId.Value, donorManifest.Capacity, donorManifest.StateSize, (current?.Revision ?? 0) + 1, copies);
            if (!await TryCommitAsync(next, current, etag, attempt, cancellationToken))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10 * attempt), cancellationToken);
                continue;
            }

            var kept = copies.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            await DeleteShardsAsync([.. (current?.Shards ?? []).Select(s => s.Name).Where(n => !kept.Contains(n))], cancellationToken);
            return next;
        }

        throw new ReplayManifestConflictException(
            $"Replay manifest {ManifestBlobName} changed on every one of {MaxAppendAttempts} copy attempts; another writer keeps updating it.");
    }

    /// <summary>The newest iteration with experiences in the manifest, or -1 when it holds none.</summary>
    public static int HighWaterIteration(ReplayManifest? manifest) =>
        manifest is null || manifest.Shards.Count == 0 ? -1 : manifest.Shards.Max(s => s.Iteration);

    /// <summary>Deletes saved priorities of checkpoints other than <paramref name="keepUpdates"/>.</summary>
    public async Task PrunePrioritiesAsync(IReadOnlySet<long> keepUpdates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keepUpdates);
        await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = PrioritiesPrefix }, cancellationToken))
        {
            var name = item.Name[PrioritiesPrefix.Length..];
            if (name.Length == 14 && name.EndsWith(".bin", StringComparison.Ordinal)
                && long.TryParse(name.AsSpan(0, 10), NumberStyles.None, CultureInfo.InvariantCulture, out var update)
                && !keepUpdates.Contains(update))
            {
                await _container.GetBlobClient(item.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            }
        }
    }

    /// <summary>The live window as a FIFO buffer of the manifest's capacity, oldest first.</summary>
    public async Task<ReplayBuffer> LoadAsync(ReplayManifest manifest, IShardCache? cache = null, CancellationToken cancellationToken = default)
    {
        var buffer = new ReplayBuffer(manifest.Capacity);
        foreach (var shard in await ReadLiveAsync(manifest, cache, cancellationToken))
        {
            buffer.AddRange(shard);
        }

        return buffer;
    }

    /// <summary>
    /// The live window as a prioritized buffer, with the priorities saved by <see cref="SavePrioritiesAsync"/> for
    /// checkpoint <paramref name="update"/> on experiences that were live then; experiences added since (or all, when
    /// nothing was saved for that checkpoint) get the saved maximum priority.
    /// </summary>
    public async Task<PrioritizedReplayBuffer> LoadPrioritizedAsync(
        ReplayManifest manifest, long update, IShardCache? cache = null, double alpha = PrioritizedReplayBuffer.DefaultAlpha, CancellationToken cancellationToken = default)
    {
        var buffer = new PrioritizedReplayBuffer(manifest.Capacity, alpha);
        var loadShards = ReadLiveAsync(manifest, cache, cancellationToken);
        var saved = await ReadPrioritiesAsync(update, cancellationToken);
        foreach (var shard in await loadShards)
        {
            buffer.AddRange(shard);
        }

        if (saved is null)
        {
            return buffer;
        }

        buffer.MaxPriority = saved.MaxPriority;
        var priorities = new float[buffer.Count];
        var offset = 0;
        foreach (var shard in manifest.Shards)
        {
            var span = priorities.AsSpan(offset, shard.LiveCount);
            if (saved.Shards.TryGetValue(shard.Name, out var old) && shard.Skip >= old.Skip && old.Values.Length - (shard.Skip - old.Skip) == shard.LiveCount)
            {
                old.Values.AsSpan(shard.Skip - old.Skip).CopyTo(span);
            }
            else
            {
                span.Fill(saved.MaxPriority);
            }

            offset += shard.LiveCount;
        }

        buffer.SetPriorities(priorities);
        return buffer;
    }

    /// <summary>
    /// Persists a prioritized buffer's priorities, aligned with the manifest it was loaded from, as the priorities of
    /// checkpoint <paramref name="update"/> (the checkpoint the same step saves next). Never overwrites another
    /// checkpoint's priorities, so a retried step loads what its first attempt loaded.
    /// </summary>
    public async Task SavePrioritiesAsync(ReplayManifest manifest, PrioritizedReplayBuffer buffer, long update, CancellationToken cancellationToken = default)
    {
        CheckManifest(manifest);
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer.Count != manifest.LiveCount)
        {
            throw new ArgumentException(
                $"Buffer holds {buffer.Count} experiences but manifest revision {manifest.Revision} has {manifest.LiveCount}; save priorities with the manifest the buffer was loaded from.",
                nameof(buffer));
        }

        var bytes = PrioritiesCodec.Encode(manifest, buffer.GetPriorities(), buffer.MaxPriority);
        await _container.GetBlobClient(PrioritiesBlobName(update)).UploadAsync(BinaryData.FromBytes(bytes), overwrite: true, cancellationToken);
    }

    /// <summary>SHA-256 of the live experiences in order (see <see cref="ExperienceCodec.ComputeContentHash"/>).</summary>
    public async Task<string> ComputeContentHashAsync(ReplayManifest manifest, IShardCache? cache = null, CancellationToken cancellationToken = default) =>
        ExperienceCodec.ComputeContentHash((await ReadLiveAsync(manifest, cache, cancellationToken)).SelectMany(s => s));

    internal static (List<ManifestShard> Live, List<string> Evicted) Plan(ReplayManifest? current, IReadOnlyList<ShardRef> incoming, int capacity)
    {
        var merged = current?.Shards.ToList() ?? [];
        var known = merged.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        merged.AddRange(incoming
            .Where(s => !known.Contains(s.Name))
            .Select(s => new ManifestShard(s.Name, s.Iteration, s.Episode, s.Count, 0, s.Bytes, s.ETag, s.Sha256)));
        merged.Sort((a, b) => a.Iteration != b.Iteration ? a.Iteration.CompareTo(b.Iteration) : a.Episode.CompareTo(b.Episode));

        long total = merged.Sum(s => (long)s.LiveCount);
        var evicted = new List<string>();
        var first = 0;
        while (total > capacity)
        {
            var shard = merged[first];
            var excess = total - capacity;
            if (excess >= shard.LiveCount)
            {
                evicted.Add(shard.Name);
                total -= shard.LiveCount;
                first++;
            }
            else
            {
                merged[first] = shard with { Skip = shard.Skip + (int)excess };
                total = capacity;
            }
        }

        return (merged.GetRange(first, merged.Count - first), evicted);
    }

    private static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static bool IsConditionFailure(RequestFailedException ex) =>
        ex.Status == 412 || (ex.Status == 409 && ex.ErrorCode == BlobErrorCode.BlobAlreadyExists.ToString());

    private static void CheckCoordinates(int iteration, int episode)
    {
        if (iteration is < 0 or > MaxIteration)
        {
            throw new ArgumentOutOfRangeException(nameof(iteration), iteration, $"Iteration must be in [0, {MaxIteration}].");
        }

        if (episode is < 0 or > MaxEpisode)
        {
            throw new ArgumentOutOfRangeException(nameof(episode), episode, $"Episode must be in [0, {MaxEpisode}].");
        }
    }

    private static List<ShardRef> ValidateIncoming(IReadOnlyList<ShardRef> shards)
    {
        foreach (var s in shards)
        {
            ArgumentNullException.ThrowIfNull(s, nameof(shards));
            CheckCoordinates(s.Iteration, s.Episode);
            if (s.Name != ShardName(s.Iteration, s.Episode))
            {
                throw new ArgumentException(
                    $"Shard name '{s.Name}' does not match iteration {s.Iteration} episode {s.Episode} (expected '{ShardName(s.Iteration, s.Episode)}').", nameof(shards));
            }

            if (s.Count < 0 || s.StateSize <= 0 || s.Bytes != ExperienceCodec.HeaderSize + ((long)ExperienceCodec.RecordSize(s.StateSize) * s.Count) + ExperienceCodec.TrailerSize)
            {
                throw new ArgumentException(
                    $"Shard {s.Name} claims {s.Count} experiences of state size {s.StateSize} in {s.Bytes} bytes, which do not agree.", nameof(shards));
            }
        }

        var duplicate = shards.GroupBy(s => s.Name).FirstOrDefault(g => g.Select(s => s.Sha256).Distinct().Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Shard {duplicate.Key} is listed twice with different contents.", nameof(shards));
        }

        return shards.DistinctBy(s => s.Name).ToList();
    }

    private async Task<List<ManifestShard>> VerifyNewShardsAsync(ReplayManifest? current, List<ManifestShard> live, CancellationToken cancellationToken)
    {
        var known = current?.Shards.Select(s => s.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        var result = live.ToArray();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, result.Length).Where(i => !known.Contains(result[i].Name)),
            new ParallelOptions { MaxDegreeOfParallelism = MaxParallelDownloads, CancellationToken = cancellationToken },
            async (i, token) => result[i] = await VerifyShardAsync(result[i], token));
        return [.. result];
    }

    private async Task<ManifestShard> VerifyShardAsync(ManifestShard shard, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await _container.GetBlobClient(ShardBlobName(shard.Name)).GetPropertiesAsync(cancellationToken: cancellationToken);
            if (properties.Value.ContentLength != shard.Bytes)
            {
                throw new InvalidDataException(
                    $"Shard blob {ShardBlobName(shard.Name)} has {properties.Value.ContentLength} bytes, but its ShardRef says {shard.Bytes}.");
            }

            return shard with { ETag = properties.Value.ETag.ToString() };
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new InvalidOperationException(
                $"Cannot append shard {shard.Name}: blob {ShardBlobName(shard.Name)} does not exist (write it with WriteShardAsync first).", ex);
        }
    }

    /// <summary>Deletes evicted shard blobs, several at a time: each delete is idempotent and their order does not matter.</summary>
    private async Task DeleteShardsAsync(List<string> names, CancellationToken cancellationToken) =>
        await Parallel.ForEachAsync(
            names,
            new ParallelOptions { MaxDegreeOfParallelism = MaxParallelDownloads, CancellationToken = cancellationToken },
            async (name, token) => await _container.GetBlobClient(ShardBlobName(name)).DeleteIfExistsAsync(cancellationToken: token));

    /// <summary>
    /// Writes <paramref name="next"/> only if the manifest is still <paramref name="current"/> (its ETag, or absent);
    /// false when another writer got there first (re-read and plan again).
    /// </summary>
    private async Task<bool> TryCommitAsync(ReplayManifest next, ReplayManifest? current, ETag etag, int attempt, CancellationToken cancellationToken)
    {
        try
        {
            await _container.GetBlobClient(ManifestBlobName).UploadAsync(
                BinaryData.FromObjectAsJson(next, JsonOptions),
                new BlobUploadOptions
                {
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                    Conditions = current is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = etag },
                },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (IsConditionFailure(ex))
        {
            StorageLog.ManifestConflict(_logger, RunId, attempt, ex.Status);
            return false;
        }
    }

    /// <summary>
    /// Deletes shard blobs that can never be (or become again) part of the buffer: not in the manifest, and of an
    /// iteration older than the oldest one it holds — evicted shards whose deletion a crashed writer never reached, and
    /// (once the window has moved past them) shards of episodes that failed after writing. Only a full window sweeps:
    /// then an older shard would be evicted the moment it was appended, while below capacity a concurrent writer's
    /// older shard may still join. Newer shards are always left alone.
    /// </summary>
    private async Task DeleteOrphansAsync(ReplayManifest manifest, CancellationToken cancellationToken)
    {
        if (manifest.Shards.Count == 0 || manifest.LiveCount < manifest.Capacity)
        {
            return;
        }

        var oldest = manifest.Shards.Min(s => s.Iteration);
        var live = manifest.Shards.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var prefix = ShardBlobName("");
        var orphans = new List<string>();
        await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
        {
            var name = item.Name[prefix.Length..];
            if (!live.Contains(name) && name.Length == 15
                && int.TryParse(name.AsSpan(0, 6), NumberStyles.None, CultureInfo.InvariantCulture, out var iteration)
                && iteration < oldest)
            {
                orphans.Add(name);
            }
        }

        await DeleteShardsAsync(orphans, cancellationToken);
    }

    private async Task<(ReplayManifest? Manifest, ETag ETag)> ReadManifestAsync(CancellationToken cancellationToken)
    {
        BlobDownloadResult result;
        try
        {
            result = (await _container.GetBlobClient(ManifestBlobName).DownloadContentAsync(cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.BlobNotFound.ToString())
        {
            return (null, default);
        }

        ReplayManifest? manifest;
        try
        {
            manifest = result.Content.ToObjectFromJson<ReplayManifest>(JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Replay manifest {ManifestBlobName} is not valid JSON: {ex.Message}", ex);
        }

        if (manifest is null || manifest.Version != ReplayManifest.CurrentVersion || manifest.RunId != RunId.Value || manifest.Shards is null)
        {
            throw new InvalidDataException(
                $"Replay manifest {ManifestBlobName} is not a version {ReplayManifest.CurrentVersion} manifest of run {RunId} (version {manifest?.Version}, run '{manifest?.RunId}').");
        }

        return (manifest, result.Details.ETag);
    }

    private void CheckManifest(ReplayManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.RunId != RunId.Value)
        {
            throw new ArgumentException($"Manifest belongs to run '{manifest.RunId}', not to run '{RunId}'.", nameof(manifest));
        }
    }

    private async Task<IReadOnlyList<Experience>[]> ReadLiveAsync(ReplayManifest manifest, IShardCache? cache, CancellationToken cancellationToken)
    {
        CheckManifest(manifest);
        cache?.Retain(manifest.Shards.Select(s => s.Name).ToHashSet(StringComparer.Ordinal));
        var results = new IReadOnlyList<Experience>[manifest.Shards.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, results.Length),
            new ParallelOptions { MaxDegreeOfParallelism = MaxParallelDownloads, CancellationToken = cancellationToken },
            async (i, token) => results[i] = await ReadShardAsync(manifest.Shards[i], cache, token));
        return results;
    }

    /// <summary>A manifest shard's bytes from its blob, checked against the SHA-256 the manifest recorded.</summary>
    private async Task<byte[]> DownloadVerifiedAsync(ManifestShard shard, CancellationToken cancellationToken)
    {
        var blobName = ShardBlobName(shard.Name);
        byte[] bytes;
        try
        {
            bytes = (await _container.GetBlobClient(blobName).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new InvalidDataException($"Shard blob {blobName} listed in the replay manifest does not exist.", ex);
        }

        var actual = Sha256(bytes);
        if (actual != shard.Sha256)
        {
            throw new InvalidDataException(
                $"Shard blob {blobName} has SHA-256 {actual}, but the manifest recorded {shard.Sha256}: it changed after it was appended.");
        }

        return bytes;
    }

    private async Task<IReadOnlyList<Experience>> ReadShardAsync(ManifestShard shard, IShardCache? cache, CancellationToken cancellationToken)
    {
        var blobName = ShardBlobName(shard.Name);
        var etag = new ETag(shard.ETag);
        byte[] bytes;
        if (cache is not null && cache.TryGet(shard.Name, etag, out var cached) && Sha256(cached) == shard.Sha256)
        {
            bytes = cached;
        }
        else
        {
            bytes = await DownloadVerifiedAsync(shard, cancellationToken);
            cache?.Remove(shard.Name);
            cache?.Put(shard.Name, etag, bytes);
        }

        Experience[] all;
        try
        {
            all = ExperienceCodec.Decode(bytes);
        }
        catch (ExperienceFormatException ex)
        {
            throw new ExperienceFormatException($"Shard blob {blobName}: {ex.Message}", ex);
        }

        if (all.Length != shard.Count)
        {
            throw new InvalidDataException($"Shard blob {blobName} holds {all.Length} experiences, but the manifest says {shard.Count}.");
        }

        return new ArraySegment<Experience>(all, shard.Skip, shard.LiveCount);
    }

    private async Task<PrioritiesCodec.Saved?> ReadPrioritiesAsync(long update, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = (await _container.GetBlobClient(PrioritiesBlobName(update)).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.BlobNotFound.ToString())
        {
            return null;
        }

        try
        {
            return PrioritiesCodec.Decode(bytes);
        }
        catch (ExperienceFormatException ex)
        {
            throw new ExperienceFormatException($"Priorities blob {PrioritiesBlobName(update)}: {ex.Message}", ex);
        }
    }
}

/// <summary>The replay manifest kept changing under a writer; it gave up instead of overwriting.</summary>
public sealed class ReplayManifestConflictException : InvalidOperationException
{
    public ReplayManifestConflictException()
    {
    }

    public ReplayManifestConflictException(string message)
        : base(message)
    {
    }

    public ReplayManifestConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
