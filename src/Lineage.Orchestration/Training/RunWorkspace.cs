using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Runs;
using Lineage.Policy;
using Lineage.Policy.Checkpoints;
using Lineage.Storage;

namespace Lineage.Orchestration.Training;

/// <summary>
/// A worker process's view of runs in blob storage, shared by all activities: run records, datasets,
/// checkpoints and the replay buffer, with in-process caches so stateless activities that run on the
/// same worker don't download the same things twice. Every cache entry is immutable once written
/// (checkpoints by update number, shards by name and ETag, datasets by fingerprint).
/// </summary>
public sealed class RunWorkspace(RunStorage storage, RunLocks locks)
{
    private const int MaxCachedPolicies = 32;
    private readonly ConcurrentDictionary<string, RunData> _data = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string RunId, long Update), LoadedPolicy> _policies = new();
    private readonly ConcurrentDictionary<string, InMemoryShardCache> _shardCaches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (ETag ETag, RunRecord Record)> _records = new(StringComparer.Ordinal);

    public RunStorage Storage => storage;

    /// <summary>The runs' start locks: every activity holds its run's (<see cref="RunLocks.HoldAsync"/>) while it writes.</summary>
    public RunLocks Locks => locks;

    public BlobContainerClient Container => storage.Container;

    public BlobReplayStore Replay(string runId) => storage.ReplayStore(runId);

    public BlobCheckpointStore Checkpoints(string runId) => storage.CheckpointStore(runId);

    public IShardCache ShardCache(string runId) => _shardCaches.GetOrAdd(runId, _ => new InMemoryShardCache());

    /// <summary>
    /// The run record, from this worker's cache when run.json is unchanged: a conditional read (If-None-Match on the
    /// cached ETag) costs one small round trip and no download or parse; a resume that rewrote the record is seen at once.
    /// </summary>
    public async Task<RunRecord> GetRunAsync(string runId, CancellationToken cancellationToken)
    {
        var blob = Container.GetBlobClient(RunBlobs.Record(runId));
        var hit = _records.TryGetValue(runId, out var cached);
        try
        {
            var response = await blob.DownloadContentAsync(
                new BlobDownloadOptions { Conditions = hit ? new BlobRequestConditions { IfNoneMatch = cached.ETag } : null },
                cancellationToken);
            if (hit && response.GetRawResponse().Status == 304)
            {
                return cached.Record;
            }

            var download = response.Value;
            var record = RunRecord.FromJson(download.Content.ToString())
                ?? throw new InvalidDataException($"Run record {blob.Name} is empty.");
            _records[runId] = (download.Details.ETag, record);
            return record;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new InvalidOperationException($"Run '{runId}' has no run record; it was never prepared.", ex);
        }
    }

    public async Task<RunData> GetDataAsync(RunRecord record, CancellationToken cancellationToken)
    {
        if (_data.TryGetValue(record.DataFingerprint, out var cached))
        {
            return cached;
        }

        var data = await DatasetLoader.LoadAsync(record.Run, record.Splits, Container, cancellationToken);
        if (data.Fingerprint != record.DataFingerprint)
        {
            throw new InvalidDataException(
                $"Run '{record.Run.RunId}': its data as loaded now differs from when it was prepared (fingerprint {data.Fingerprint[..12]}, " +
                $"expected {record.DataFingerprint[..12]}): dataset '{record.Run.Dataset}' changed, or this code " +
                "version cuts it differently (runs prepared before validation and test carried read-only feature history in front have another " +
                "fingerprint). Resume the run " +
                "(train --resume, or \"resume\": true) to prepare it again on the data as it is now.");
        }

        _data[record.DataFingerprint] = data;
        return data;
    }

    public void RememberData(RunData data) => _data[data.Fingerprint] = data;

    /// <summary>
    /// Forgets every cached run record, dataset, policy and shard: afterwards this worker sees storage as a fresh process
    /// would (the fault harness retries activities with cold caches this way).
    /// </summary>
    public void DropCaches()
    {
        _data.Clear();
        _policies.Clear();
        _shardCaches.Clear();
        _records.Clear();
    }

    /// <summary>The acting policy of one checkpoint: plain C# weights, no torch.</summary>
    public async Task<LoadedPolicy> GetPolicyAsync(string runId, long update, CancellationToken cancellationToken)
    {
        if (_policies.TryGetValue((runId, update), out var cached))
        {
            return cached;
        }

        var checkpoint = await LoadCheckpointAsync(runId, update, cancellationToken);
        var loaded = new LoadedPolicy(checkpoint.Policy, CheckpointContext.FromJson(checkpoint.ContextJson), update);
        if (_policies.Count >= MaxCachedPolicies)
        {
            _policies.Clear();
        }

        _policies[(runId, update)] = loaded;
        return loaded;
    }

    public async Task<Checkpoint> LoadCheckpointAsync(string runId, long update, CancellationToken cancellationToken)
    {
        var store = Checkpoints(runId);
        var bytes = await store.DownloadAsync(update, cancellationToken)
            ?? throw new InvalidOperationException($"Checkpoint {store.CheckpointBlobName(update)} does not exist (deleted by retention, or never written).");
        return CheckpointCodec.Decode(bytes);
    }

    public Task<T?> ReadJsonAsync<T>(string blobName, CancellationToken cancellationToken)
        where T : class =>
        ReadAsync(blobName, content => content.ToObjectFromJson<T>(LineageJson.Options), cancellationToken);

    /// <summary>A run's record read afresh (no cache), as <see cref="RunRecord.FromJson"/> reads it; null when the run has none.</summary>
    public Task<RunRecord?> ReadRunRecordAsync(string runId, CancellationToken cancellationToken) =>
        ReadAsync(RunBlobs.Record(runId), content => RunRecord.FromJson(content.ToString()), cancellationToken);

    private async Task<T?> ReadAsync<T>(string blobName, Func<BinaryData, T?> parse, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return parse((await Container.GetBlobClient(blobName).DownloadContentAsync(cancellationToken)).Value.Content);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task WriteJsonAsync<T>(string blobName, T value, CancellationToken cancellationToken) =>
        await Container.GetBlobClient(blobName).UploadAsync(
            BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(value, LineageJson.Options)), overwrite: true, cancellationToken);

    /// <summary>
    /// Builds the trading environment a checkpoint was trained for, over any series (after its <paramref name="historyBars"/> of
    /// read-only history), through the checkpoint's normaliser or, for a training-universe member, <paramref name="normalizer"/>.
    /// </summary>
    public static TradingEnvironment Environment(CheckpointContext context, Core.MarketData.PriceSeries series, int historyBars = 0, Normalizer? normalizer = null) =>
        new(series, context.Features, normalizer ?? context.Normalizer, context.Arena, context.Reward, historyBars);

    /// <summary>The environment of split <paramref name="split"/> of <paramref name="data"/>, scored after the split's read-only history.</summary>
    public static TradingEnvironment Environment(CheckpointContext context, RunData data, string split) =>
        Environment(context, data.Split(split), data.History(split));
}

public sealed record LoadedPolicy(MlpPolicy Policy, CheckpointContext Context, long Update);
