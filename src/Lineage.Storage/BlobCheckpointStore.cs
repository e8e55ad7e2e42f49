using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lineage.Storage;

public sealed record CheckpointRef(long Update, string Name, long Bytes, string Sha256, double? ValidationScore);

/// <summary>
/// One run's checkpoints: <c>runs/{runId}/checkpoints/{update:D10}.ckpt</c> (opaque bytes) and a
/// <c>latest</c> pointer written only after the checkpoint blob is complete. Loading validates with the
/// caller's decoder and falls back to the previous valid checkpoint when the latest is corrupt or missing.
/// Retention keeps the newest <c>keep</c> checkpoints, the best by validation score, the latest, and any checkpoint
/// the caller protects (a live orchestration's selected checkpoint, which may be neither new nor the run's best ever).
/// </summary>
public sealed class BlobCheckpointStore
{
    private const string ShaKey = "sha256";
    private const string ScoreKey = "validationscore";
    private const int MaxPointerAttempts = 20;
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private readonly BlobContainerClient _container;
    private readonly ILogger _logger;
    private readonly string _prefix;
    private readonly int _keep;

    public BlobCheckpointStore(BlobContainerClient container, RunId runId, int keep = 5, ILogger<BlobCheckpointStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keep);
        _container = container;
        RunId = runId;
        _keep = keep;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _prefix = RunBlobs.Checkpoints(runId.Value);
    }

    public RunId RunId { get; }

    public string LatestBlobName => $"{_prefix}latest";

    public static string CheckpointName(long update) => string.Create(CultureInfo.InvariantCulture, $"{update:D10}.ckpt");

    public string CheckpointBlobName(long update) => _prefix + CheckpointName(update);

    /// <summary>Writes the checkpoint, then moves <c>latest</c> to it (never backwards), then applies retention.</summary>
    public Task<CheckpointRef> SaveAsync(long update, byte[] data, CancellationToken cancellationToken = default) =>
        SaveAsync(update, data, [], cancellationToken);

    /// <summary>As <see cref="SaveAsync(long, byte[], CancellationToken)"/>; retention never deletes <paramref name="protect"/>.</summary>
    public async Task<CheckpointRef> SaveAsync(long update, byte[] data, IReadOnlyCollection<long> protect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(protect);
        var saved = await WriteAsync(update, data, cancellationToken);
        await ApplyRetentionAsync(protect, cancellationToken);
        return saved;
    }

    /// <summary>
    /// Writes the checkpoint and moves <c>latest</c> to it (never backwards), without retention: a writer that must record
    /// its result before anything is deleted (the training step: its base checkpoint may be the one retention deletes) calls
    /// <see cref="ApplyRetentionAsync"/> after that.
    /// </summary>
    public async Task<CheckpointRef> WriteAsync(long update, byte[] data, CancellationToken cancellationToken = default)
    {
        CheckUpdate(update);
        ArgumentNullException.ThrowIfNull(data);
        var sha = Convert.ToHexStringLower(SHA256.HashData(data));
        await _container.GetBlobClient(CheckpointBlobName(update)).UploadAsync(
            BinaryData.FromBytes(data),
            new BlobUploadOptions { Metadata = new Dictionary<string, string> { [ShaKey] = sha } },
            cancellationToken);
        var saved = new CheckpointRef(update, CheckpointName(update), data.Length, sha, null);
        CrashPoints.Reach(CrashPoints.CheckpointAfterBlob, RunId.Value);
        await MoveLatestAsync(saved, cancellationToken);
        CrashPoints.Reach(CrashPoints.CheckpointAfterLatest, RunId.Value);
        return saved;
    }

    /// <summary>All checkpoints of the run, oldest first.</summary>
    public async Task<IReadOnlyList<CheckpointRef>> ListAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<CheckpointRef>();
        await foreach (var item in _container.GetBlobsAsync(
            new GetBlobsOptions { Prefix = _prefix, Traits = BlobTraits.Metadata }, cancellationToken))
        {
            var name = item.Name[_prefix.Length..];
            if (TryParseUpdate(name, out var update))
            {
                item.Metadata.TryGetValue(ShaKey, out var sha);
                double? score = item.Metadata.TryGetValue(ScoreKey, out var s) ? double.Parse(s, CultureInfo.InvariantCulture) : null;
                result.Add(new CheckpointRef(update, name, item.Properties.ContentLength ?? 0, sha ?? "", score));
            }
        }

        return result.OrderBy(c => c.Update).ToList();
    }

    /// <summary>The update <c>latest</c> names (the newest checkpoint when the pointer is missing or unreadable); null: none.</summary>
    public async Task<long?> GetLatestUpdateAsync(CancellationToken cancellationToken = default)
    {
        var (pointer, _) = await ReadLatestAsync([], cancellationToken);
        if (pointer is not null)
        {
            return pointer.Update;
        }

        var all = await ListAsync(cancellationToken);
        return all.Count == 0 ? null : all[^1].Update;
    }

    /// <summary>The checkpoint with the highest validation score (ties: the newer), or null if none is scored.</summary>
    public async Task<CheckpointRef?> GetBestAsync(CancellationToken cancellationToken = default) =>
        Best(await ListAsync(cancellationToken));

    /// <summary>Stores a validation score on a saved checkpoint (blob metadata); retention then keeps the best.</summary>
    public Task RecordScoreAsync(long update, double validationScore, CancellationToken cancellationToken = default) =>
        RecordScoreAsync(update, validationScore, [], cancellationToken);

    /// <summary>As <see cref="RecordScoreAsync(long, double, CancellationToken)"/>; retention never deletes <paramref name="protect"/>.</summary>
    public async Task RecordScoreAsync(long update, double validationScore, IReadOnlyCollection<long> protect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(protect);
        CheckUpdate(update);
        if (!double.IsFinite(validationScore))
        {
            throw new ArgumentOutOfRangeException(nameof(validationScore), validationScore, "Validation score must be finite.");
        }

        var blob = _container.GetBlobClient(CheckpointBlobName(update));
        for (var attempt = 1; ; attempt++)
        {
            BlobProperties properties;
            try
            {
                properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                throw new InvalidOperationException($"Cannot record a score for update {update}: checkpoint {blob.Name} does not exist.", ex);
            }

            var metadata = new Dictionary<string, string>(properties.Metadata, StringComparer.OrdinalIgnoreCase)
            {
                [ScoreKey] = validationScore.ToString("R", CultureInfo.InvariantCulture),
            };
            try
            {
                await blob.SetMetadataAsync(metadata, new BlobRequestConditions { IfMatch = properties.ETag }, cancellationToken);
                break;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < MaxPointerAttempts)
            {
                StorageLog.CheckpointConflict(_logger, blob.Name, attempt);
            }
        }

        CrashPoints.Reach(CrashPoints.CheckpointAfterScore, RunId.Value);
        await ApplyRetentionAsync(protect, cancellationToken);
    }

    /// <summary>
    /// Decodes the checkpoint <c>latest</c> points to; if it (or the pointer) is missing or corrupt, the next
    /// older checkpoints in turn, each fallback reported as a warning. Null when the run has no checkpoint.
    /// <paramref name="decode"/> signals corruption by throwing <see cref="InvalidDataException"/>,
    /// <see cref="IOException"/> (e.g. <see cref="EndOfStreamException"/>), <see cref="FormatException"/> or
    /// <see cref="JsonException"/>; any other exception propagates.
    /// </summary>
    /// <exception cref="InvalidDataException">Checkpoints exist but none decodes.</exception>
    /// <summary>
    /// A checkpoint's bytes by update — the one way every caller downloads one — checked against the SHA-256 recorded
    /// when it was saved; null when it does not exist (never written, or deleted by retention).
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes differ from what was saved (truncated or corrupted).</exception>
    public async Task<byte[]?> DownloadAsync(long update, CancellationToken cancellationToken = default) =>
        (await FetchAsync(update, cancellationToken))?.Bytes;

    private async Task<(byte[] Bytes, string Sha, IDictionary<string, string> Metadata)?> FetchAsync(long update, CancellationToken cancellationToken)
    {
        var name = CheckpointBlobName(update);
        BlobDownloadResult download;
        try
        {
            download = (await _container.GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }

        var bytes = download.Content.ToArray();
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return download.Details.Metadata.TryGetValue(ShaKey, out var expected) && expected != sha
            ? throw new InvalidDataException($"Checkpoint {name} is corrupt (SHA-256 {sha}, saved as {expected})")
            : (bytes, sha, download.Details.Metadata);
    }

    public async Task<(T Value, CheckpointRef Ref, IReadOnlyList<string> Warnings)?> LoadLatestAsync<T>(
        Func<byte[], T> decode, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decode);
        var warnings = new List<string>();
        var listed = await ListAsync(cancellationToken);
        var (pointer, _) = await ReadLatestAsync(warnings, cancellationToken);
        if (pointer is null && listed.Count == 0)
        {
            return null;
        }

        var candidates = new List<long>();
        if (pointer is not null)
        {
            candidates.Add(pointer.Update);
        }

        candidates.AddRange(listed
            .Select(c => c.Update)
            .Where(u => pointer is null || u < pointer.Update)
            .OrderDescending());
        if (pointer is null && warnings.Count == 0)
        {
            Warn(warnings, $"Checkpoint pointer {LatestBlobName} is missing; using the newest listed checkpoint.");
        }

        foreach (var update in candidates)
        {
            var name = CheckpointBlobName(update);
            (byte[] Bytes, string Sha, IDictionary<string, string> Metadata)? fetched;
            try
            {
                fetched = await FetchAsync(update, cancellationToken);
            }
            catch (InvalidDataException ex)
            {
                Warn(warnings, $"{ex.Message}; falling back to an older checkpoint.");
                continue;
            }

            if (fetched is not var (bytes, sha, metadata))
            {
                Warn(warnings, $"Checkpoint {name} is missing; falling back to an older checkpoint.");
                continue;
            }

            T value;
            try
            {
                value = decode(bytes);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or FormatException or JsonException)
            {
                Warn(warnings, $"Checkpoint {name} failed to decode ({ex.GetType().Name}: {ex.Message}); falling back to an older checkpoint.");
                continue;
            }

            double? score = metadata.TryGetValue(ScoreKey, out var s) ? double.Parse(s, CultureInfo.InvariantCulture) : null;
            return (value, new CheckpointRef(update, CheckpointName(update), bytes.Length, sha, score), warnings);
        }

        throw new InvalidDataException($"Run {RunId} has no valid checkpoint: {string.Join(" ", warnings)}");
    }

    private static bool TryParseUpdate(string name, out long update)
    {
        update = 0;
        return name.Length == 15 && name.EndsWith(".ckpt", StringComparison.Ordinal)
            && long.TryParse(name.AsSpan(0, 10), NumberStyles.None, CultureInfo.InvariantCulture, out update);
    }

    private static CheckpointRef? Best(IEnumerable<CheckpointRef> checkpoints) =>
        checkpoints.Where(c => c.ValidationScore is not null)
            .OrderByDescending(c => c.ValidationScore)
            .ThenByDescending(c => c.Update)
            .FirstOrDefault();

    private static void CheckUpdate(long update)
    {
        if (update is < 0 or > 9_999_999_999)
        {
            throw new ArgumentOutOfRangeException(nameof(update), update, "Update must be in [0, 9999999999].");
        }
    }

    private void Warn(List<string> warnings, string message)
    {
        warnings.Add(message);
        StorageLog.CheckpointWarning(_logger, message);
    }

    private async Task MoveLatestAsync(CheckpointRef saved, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(LatestBlobName);
        for (var attempt = 1; attempt <= MaxPointerAttempts; attempt++)
        {
            var (current, etag) = await ReadLatestAsync([], cancellationToken);
            if (current is not null && current.Update > saved.Update)
            {
                return;
            }

            try
            {
                await blob.UploadAsync(
                    BinaryData.FromObjectAsJson(new LatestPointer(saved.Update, saved.Name, saved.Sha256), JsonOptions),
                    new BlobUploadOptions
                    {
                        Conditions = etag == default ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = etag },
                    },
                    cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 409)
            {
                StorageLog.CheckpointConflict(_logger, LatestBlobName, attempt);
            }
        }

        throw new InvalidOperationException($"Checkpoint pointer {LatestBlobName} changed on every one of {MaxPointerAttempts} attempts.");
    }

    private async Task<(LatestPointer? Pointer, ETag ETag)> ReadLatestAsync(List<string> warnings, CancellationToken cancellationToken)
    {
        BlobDownloadResult result;
        try
        {
            result = (await _container.GetBlobClient(LatestBlobName).DownloadContentAsync(cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.BlobNotFound.ToString())
        {
            return (null, default);
        }

        string problem;
        try
        {
            var pointer = result.Content.ToObjectFromJson<LatestPointer>(JsonOptions);
            if (pointer is not null && pointer.Name == CheckpointName(pointer.Update))
            {
                return (pointer, result.Details.ETag);
            }

            problem = $"names '{pointer?.Name}' for update {pointer?.Update}";
        }
        catch (JsonException ex)
        {
            problem = $"is not valid JSON: {ex.Message}";
        }

        Warn(warnings, $"Checkpoint pointer {LatestBlobName} {problem}; using the newest listed checkpoint.");
        return (null, result.Details.ETag);
    }

    /// <summary>
    /// Deletes every checkpoint except the newest <c>keep</c>, the best scored, the one <c>latest</c> names and
    /// <paramref name="protect"/>. Idempotent.
    /// </summary>
    public async Task ApplyRetentionAsync(IReadOnlyCollection<long> protect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(protect);
        var all = await ListAsync(cancellationToken);
        var (pointer, _) = await ReadLatestAsync([], cancellationToken);
        var keep = all.OrderByDescending(c => c.Update).Take(_keep).Select(c => c.Update).ToHashSet();
        keep.UnionWith(protect);
        if (Best(all) is { } best)
        {
            keep.Add(best.Update);
        }

        if (pointer is not null)
        {
            keep.Add(pointer.Update);
        }

        foreach (var checkpoint in all.Where(c => !keep.Contains(c.Update)))
        {
            await _container.GetBlobClient(CheckpointBlobName(checkpoint.Update)).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            CrashPoints.Reach(CrashPoints.CheckpointRetentionAfterDelete, RunId.Value);
        }
    }

    private sealed record LatestPointer(long Update, string Name, string Sha256);
}
