using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Lineage.Policy;
using Lineage.Policy.Checkpoints;
using Lineage.Storage;

namespace Lineage.Orchestration.Champions;

/// <summary>The champion pointer changed between reading it and writing it; read again and decide again.</summary>
public sealed class ChampionConflictException(string message, Exception inner) : Exception(message, inner);

/// <summary>A champion's acting policy and the context it acts with, decoded from the model's checkpoint copy (no torch).</summary>
public sealed record ChampionPolicy(ModelEntry Entry, MlpPolicy Policy, CheckpointContext Context);

/// <summary>
/// Each model's champion in blob storage:
/// <c>models/{name}/champion.json</c> (pointer, ETag-guarded), <c>models/{name}/history.jsonl</c> (append blob,
/// one line per change of champion: who, what, why), <c>models/{name}/decisions/{runId}-{update}.json</c>
/// (every champion/challenger decision) and <c>models/{name}/checkpoints/{runId}-{update}.ckpt</c> (copies
/// of the checkpoints that are or were champion).
/// The pointer is the source of truth and carries its last change: the history line of that change is appended after
/// the pointer write, and repaired from the pointer before any later write, so a crash in between never loses a line.
/// Appends are conditional on the append position and look for their sequence number first, so a retried append
/// (say the response was lost) never duplicates one.
/// </summary>
public sealed class ChampionStore(BlobContainerClient container, ModelOptions options, TimeProvider? timeProvider = null)
{
    private const int MaxCachedPolicies = 16;
    private const int MaxHistoryAttempts = 20;
    private readonly ConcurrentDictionary<string, ChampionPolicy> _policies = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public BlobContainerClient Container => container;

    /// <summary>Fault injection for tests: runs after a pointer write, before its history line (a crash there).</summary>
    internal Func<Task>? AfterPointerWrite { get; set; }

    public static string Root(string model) => $"models/{model}/";

    public static string PointerBlob(string model) => $"models/{model}/champion.json";

    public static string HistoryBlob(string model) => $"models/{model}/history.jsonl";

    public static string DecisionBlob(string model, string runId, long update) =>
        string.Create(CultureInfo.InvariantCulture, $"models/{model}/decisions/{runId}-{update:D10}.json");

    public static string CheckpointCopyBlob(string model, string runId, long update) =>
        string.Create(CultureInfo.InvariantCulture, $"models/{model}/checkpoints/{runId}-{update:D10}.ckpt");

    public async Task<(ChampionPointer? Pointer, ETag ETag)> ReadAsync(string model, CancellationToken cancellationToken)
    {
        CheckModel(model);
        try
        {
            var download = (await container.GetBlobClient(PointerBlob(model)).DownloadContentAsync(cancellationToken)).Value;
            var pointer = download.Content.ToObjectFromJson<ChampionPointer>(LineageJson.Options)
                ?? throw new InvalidDataException($"Champion pointer {PointerBlob(model)} is empty.");
            return (pointer, download.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (null, default);
        }
    }

    public async Task<ChampionPointer?> GetAsync(string model, CancellationToken cancellationToken) =>
        (await ReadAsync(model, cancellationToken)).Pointer;

    /// <summary>Copies a run's checkpoint into the model (idempotent), verifying that it decodes.</summary>
    public async Task<ModelEntry> CopyCheckpointAsync(string model, string runId, long update, byte[] bytes, CancellationToken cancellationToken)
    {
        CheckModel(model);
        var checkpoint = CheckpointCodec.Decode(bytes);
        var context = CheckpointContext.FromJson(checkpoint.ContextJson);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var name = CheckpointCopyBlob(model, runId, update);
        var blob = container.GetBlobClient(name);
        try
        {
            await blob.UploadAsync(BinaryData.FromBytes(bytes), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            var existing = (await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
            if (Convert.ToHexStringLower(SHA256.HashData(existing)) != sha)
            {
                throw new InvalidOperationException($"{name} already exists with different content than run '{runId}' update {update}.", ex);
            }
        }

        return new ModelEntry(runId, update, name, sha, context.Dataset, context.DataFingerprint);
    }

    /// <summary>
    /// Makes <paramref name="champion"/> the champion if the pointer still has <paramref name="expected"/>'s ETag,
    /// then logs the change. The replaced champion goes on the rollback list.
    /// </summary>
    /// <exception cref="ChampionConflictException">Someone changed the champion in between.</exception>
    public async Task<ChampionPointer> PromoteAsync(
        string model, ChampionPointer? current, ETag expected, ModelEntry champion, string action, string by, string reason, string? decision, CancellationToken cancellationToken)
    {
        var previous = current is null ? [] : current.Previous.Append(current.Champion).TakeLast(options.RollbackDepth).ToList();
        return await WriteAsync(model, current, expected, champion, previous, action, by, reason, decision, cancellationToken);
    }

    /// <summary>Restores the champion that the current one replaced.</summary>
    /// <exception cref="InvalidOperationException">There is no champion, or no previous one.</exception>
    /// <exception cref="ChampionConflictException">Someone changed the champion in between.</exception>
    public async Task<ChampionPointer> RollbackAsync(string model, string by, string reason, CancellationToken cancellationToken)
    {
        var (current, etag) = await ReadAsync(model, cancellationToken);
        if (current is null)
        {
            throw new InvalidOperationException($"Model '{model}' has no champion to roll back.");
        }

        if (current.Previous.Count == 0)
        {
            throw new InvalidOperationException($"Model '{model}' has no previous champion to roll back to (its champion is run '{current.Champion.RunId}' update {current.Champion.Update}).");
        }

        var restored = current.Previous[^1];
        return await WriteAsync(model, current, etag, restored, current.Previous.Take(current.Previous.Count - 1).ToList(), ChampionActions.Rollback, by, reason, null, cancellationToken);
    }

    /// <summary>The champion's policy, decoded from its checkpoint copy and checked against the recorded SHA-256; cached by hash.</summary>
    public async Task<ChampionPolicy> LoadPolicyAsync(ModelEntry entry, CancellationToken cancellationToken)
    {
        if (_policies.TryGetValue(entry.Sha256, out var cached))
        {
            return cached;
        }

        byte[] bytes;
        try
        {
            bytes = (await container.GetBlobClient(entry.Checkpoint).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new InvalidOperationException($"Champion checkpoint {entry.Checkpoint} (run '{entry.RunId}' update {entry.Update}) is missing.", ex);
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (sha != entry.Sha256)
        {
            throw new InvalidDataException($"Champion checkpoint {entry.Checkpoint} has SHA-256 {sha}, but the pointer recorded {entry.Sha256}.");
        }

        var checkpoint = CheckpointCodec.Decode(bytes);
        var loaded = new ChampionPolicy(entry, checkpoint.Policy, CheckpointContext.FromJson(checkpoint.ContextJson));
        if (_policies.Count >= MaxCachedPolicies)
        {
            _policies.Clear();
        }

        _policies[entry.Sha256] = loaded;
        return loaded;
    }

    /// <summary>
    /// Every change of champion, oldest first, including the pointer's last change when a crash kept it from the log
    /// (it is written there by the next change, or by <see cref="RepairHistoryAsync"/>).
    /// </summary>
    public async Task<IReadOnlyList<ChampionChange>> HistoryAsync(string model, CancellationToken cancellationToken)
    {
        CheckModel(model);
        var (lines, _) = await ReadHistoryAsync(model, cancellationToken);
        var pointer = await GetAsync(model, cancellationToken);
        return pointer is not null && lines.All(c => c.Sequence != pointer.LastChange.Sequence)
            ? [.. lines, pointer.LastChange]
            : lines;
    }

    /// <summary>
    /// Writes the pointer's last change to the history if a crash after the pointer write kept it out; returns the
    /// history as logged then, oldest first (complete up to <paramref name="current"/>).
    /// </summary>
    public async Task<IReadOnlyList<ChampionChange>> RepairHistoryAsync(string model, ChampionPointer? current, CancellationToken cancellationToken) =>
        current is null
            ? (await ReadHistoryAsync(model, cancellationToken)).Lines
            : await EnsureHistoryLineAsync(model, current.LastChange, cancellationToken);

    public async Task<PromotionDecision?> GetDecisionAsync(string model, string runId, long update, CancellationToken cancellationToken)
    {
        try
        {
            var content = (await container.GetBlobClient(DecisionBlob(model, runId, update)).DownloadContentAsync(cancellationToken)).Value.Content;
            return content.ToObjectFromJson<PromotionDecision>(LineageJson.Options);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task WriteDecisionAsync(PromotionDecision decision, CancellationToken cancellationToken) =>
        await container.GetBlobClient(DecisionBlob(decision.Model, decision.RunId, decision.Update)).UploadAsync(
            BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(decision, LineageJson.Options)), overwrite: true, cancellationToken);

    /// <summary>Where the nightly timer recorded when it first watched the model (written once).</summary>
    public static string WatchedSinceBlob(string model) => $"models/{model}/watched-since.json";

    /// <summary>
    /// How long the model has gone without a champion/challenger decision, in whole days: since its newest decision
    /// (the decision blob's write time), or before its first one since the nightly timer first asked (recorded by this
    /// call, once). The nightly timer logs it every night so an alert can count more nights than a log query can see.
    /// </summary>
    public async Task<PromotionStatus> PromotionStatusAsync(string model, CancellationToken cancellationToken)
    {
        CheckModel(model);
        var now = _time.GetUtcNow();
        DateTimeOffset? last = null;
        await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = $"{Root(model)}decisions/" }, cancellationToken))
        {
            if (item.Properties.LastModified is { } written && (last is null || written > last))
            {
                last = written;
            }
        }

        var since = last ?? await WatchedSinceAsync(model, now, cancellationToken);
        var nights = (int)Math.Max(0, Math.Floor((now - since).TotalDays));
        return new PromotionStatus(model, last, since, nights);
    }

    private async Task<DateTimeOffset> WatchedSinceAsync(string model, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var blob = container.GetBlobClient(WatchedSinceBlob(model));
        try
        {
            await blob.UploadAsync(BinaryData.FromObjectAsJson(new WatchedSince(now), LineageJson.Options), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
            return now;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            var recorded = (await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToObjectFromJson<WatchedSince>(LineageJson.Options)
                ?? throw new InvalidDataException($"{blob.Name} is empty.");
            return recorded.At;
        }
    }

    private sealed record WatchedSince(DateTimeOffset At);

    /// <summary>Every decision on the model's candidates, oldest first.</summary>
    public async Task<IReadOnlyList<PromotionDecision>> DecisionsAsync(string model, CancellationToken cancellationToken)
    {
        CheckModel(model);
        var decisions = new List<PromotionDecision>();
        try
        {
            await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = $"{Root(model)}decisions/" }, cancellationToken))
            {
                var content = (await container.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken)).Value.Content;
                decisions.Add(content.ToObjectFromJson<PromotionDecision>(LineageJson.Options)
                    ?? throw new InvalidDataException($"Decision {item.Name} is empty."));
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }

        return decisions.OrderBy(d => d.DecidedAt).ToList();
    }

    /// <summary>Names of models with anything stored: split dates, a champion, decisions or trials (a model may have no champion).</summary>
    public async Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken cancellationToken)
    {
        var models = new List<string>();
        try
        {
            await foreach (var item in container.GetBlobsByHierarchyAsync(new GetBlobsByHierarchyOptions { Prefix = "models/", Delimiter = "/" }, cancellationToken))
            {
                if (item.IsPrefix)
                {
                    models.Add(item.Prefix["models/".Length..].TrimEnd('/'));
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }

        return models;
    }

    /// <summary>Deletes checkpoint copies that are neither the champion nor on its rollback list.</summary>
    public async Task<int> PruneCheckpointCopiesAsync(string model, CancellationToken cancellationToken)
    {
        var pointer = await GetAsync(model, cancellationToken);
        if (pointer is null)
        {
            return 0;
        }

        var keep = pointer.Previous.Append(pointer.Champion).Select(e => e.Checkpoint).ToHashSet(StringComparer.Ordinal);
        var deleted = 0;
        await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = $"{Root(model)}checkpoints/" }, cancellationToken))
        {
            if (!keep.Contains(item.Name))
            {
                await container.GetBlobClient(item.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken);
                deleted++;
            }
        }

        return deleted;
    }

    private async Task<ChampionPointer> WriteAsync(
        string model,
        ChampionPointer? current,
        ETag expected,
        ModelEntry champion,
        IReadOnlyList<ModelEntry> previous,
        string action,
        string by,
        string reason,
        string? decision,
        CancellationToken cancellationToken)
    {
        CheckModel(model);
        if (string.IsNullOrWhiteSpace(by))
        {
            throw new ArgumentException("Who changes the champion ('by') is required.", nameof(by));
        }

        // A crash after the previous pointer write may have kept its line out of the log: write it first.
        await RepairHistoryAsync(model, current, cancellationToken);
        var sequence = (current?.Sequence ?? 0) + 1;
        var change = new ChampionChange(sequence, action, by, reason, _time.GetUtcNow(), champion, current?.Champion, decision);
        var pointer = new ChampionPointer(model, sequence, champion, previous, change);
        var conditions = current is null
            ? new BlobRequestConditions { IfNoneMatch = ETag.All }
            : new BlobRequestConditions { IfMatch = expected };
        try
        {
            await container.GetBlobClient(PointerBlob(model)).UploadAsync(
                BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(pointer, LineageJson.Options)),
                new BlobUploadOptions { Conditions = conditions },
                cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            throw new ChampionConflictException($"The champion of model '{model}' changed while {action} was being decided (expected sequence {current?.Sequence ?? 0}); read it again.", ex);
        }

        if (AfterPointerWrite is { } crash)
        {
            await crash();
        }

        CrashPoints.Reach(CrashPoints.ChampionAfterPointer, champion.RunId);
        await EnsureHistoryLineAsync(model, change, cancellationToken);
        CrashPoints.Reach(CrashPoints.ChampionAfterHistory, champion.RunId);
        return pointer;
    }

    private Task<(List<ChampionChange> Lines, long Length)> ReadHistoryAsync(string model, CancellationToken cancellationToken) =>
        JsonLines.ReadAsync<ChampionChange>(container, HistoryBlob(model), cancellationToken);

    /// <summary>
    /// Appends <paramref name="change"/>'s line unless a line with its sequence is there; at most once. Returns the
    /// logged history, which then holds the change.
    /// </summary>
    private async Task<IReadOnlyList<ChampionChange>> EnsureHistoryLineAsync(string model, ChampionChange change, CancellationToken cancellationToken)
    {
        var history = container.GetAppendBlobClient(HistoryBlob(model));
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(change, LineageJson.Options) + "\n");
        for (var attempt = 1; attempt <= MaxHistoryAttempts; attempt++)
        {
            var (lines, length) = await ReadHistoryAsync(model, cancellationToken);
            if (lines.Any(c => c.Sequence == change.Sequence))
            {
                return lines;
            }

            if (length < 0)
            {
                await history.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                length = 0;
            }

            try
            {
                using var stream = new MemoryStream(bytes);
                await history.AppendBlockAsync(
                    stream,
                    new AppendBlobAppendBlockOptions { Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = length } },
                    cancellationToken);
                return [.. lines, change];
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // Someone appended meanwhile — or this very append was applied and its response lost: read and look again.
            }
        }

        throw new InvalidOperationException($"{HistoryBlob(model)} changed on every one of {MaxHistoryAttempts} attempts to log change {change.Sequence}.");
    }

    private static void CheckModel(string model)
    {
        if (ModelNames.Validate(model, "Model") is { } error)
        {
            throw new ArgumentException(error, nameof(model));
        }
    }
}
