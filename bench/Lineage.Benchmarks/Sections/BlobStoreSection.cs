using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Blobs;
using Lineage.Benchmarks.Harness;
using Lineage.Benchmarks.Micro;
using Lineage.Core.Replay;
using Lineage.Storage;

namespace Lineage.Benchmarks.Sections;

/// <summary>
/// The blob replay store on Azurite (loopback, in memory): shard write/read MB/s against a raw blob
/// upload/download of the same bytes, and the load time of 10k / 100k buffers against decoding the
/// same shards from memory.
/// </summary>
public sealed class BlobStoreSection : IBenchSection
{
    private const int StateSize = 5;

    public string Name => "blob";

    public async Task RunAsync(BenchContext context)
    {
        var azurite = await context.AzuriteAsync();
        var service = new BlobServiceClient(azurite.ConnectionString);
        var container = service.GetBlobContainerClient($"bench{Environment.ProcessId}");
        await container.CreateIfNotExistsAsync();
        var reps = context.Quick ? 3 : 7;

        foreach (var (experiences, label) in new[] { (256, "one episode shard"), (100_000, "one large shard") })
        {
            var data = BenchData.RandomExperiences(41, experiences, StateSize);
            var bytes = ExperienceCodec.Encode(data, StateSize);
            var mb = bytes.Length / 1e6;
            var store = new BlobReplayStore(container, RunId.Parse($"shard-{experiences}"));
            var raw = container.GetBlobClient($"raw/{experiences}.bin");

            var rawWrite = await Timing.MedianAsync(reps, _ => raw.UploadAsync(BinaryData.FromBytes(bytes), overwrite: true));
            ShardRef shard = null!;
            var write = await Timing.MedianAsync(reps, async _ => shard = await store.WriteShardAsync(0, 0, data, StateSize));
            context.Results.Add(new Figure(
                "Blob store", $"shard write, {label} ({experiences:N0} experiences, {mb:F2} MB)", mb / write.TotalSeconds, "MB/s",
                "raw blob upload of the same bytes", mb / rawWrite.TotalSeconds,
                Note: $"{write.TotalMilliseconds:F1} ms (encode + CRC + SHA-256 + upload) vs {rawWrite.TotalMilliseconds:F1} ms"));

            var manifest = await store.AppendAsync([shard], experiences);
            var rawRead = await Timing.MedianAsync(reps, _ => raw.DownloadContentAsync());
            var read = await Timing.MedianAsync(reps, _ => store.LoadAsync(manifest));
            context.Results.Add(new Figure(
                "Blob store", $"shard read into a buffer, {label} ({experiences:N0} experiences, {mb:F2} MB)", mb / read.TotalSeconds, "MB/s",
                "raw blob download of the same bytes", mb / rawRead.TotalSeconds,
                Note: $"{read.TotalMilliseconds:F1} ms (manifest + download + verify + decode + fill) vs {rawRead.TotalMilliseconds:F1} ms"));
        }

        // Episode shards of 1,000 experiences, as a run's buffer holds them: cold load (download + decode) vs decode from memory.
        foreach (var total in new[] { 10_000, 100_000 })
        {
            const int perShard = 1_000;
            var store = new BlobReplayStore(container, RunId.Parse($"load-{total}"));
            var shards = Enumerable.Range(0, total / perShard).Select(s => BenchData.RandomExperiences((ulong)(1000 + s), perShard, StateSize)).ToArray();
            var refs = new List<ShardRef>();
            for (var s = 0; s < shards.Length; s++)
            {
                refs.Add(await store.WriteShardAsync(s / 16, s % 16, shards[s], StateSize));
            }

            var manifest = await store.AppendAsync(refs, total);
            var encoded = shards.Select(s => ExperienceCodec.Encode(s, StateSize)).ToArray();
            var cold = await Timing.MedianAsync(reps, _ => store.LoadAsync(manifest));
            var decodeOnly = await Timing.MedianAsync(reps, _ =>
            {
                var buffer = new ReplayBuffer(total);
                foreach (var e in encoded)
                {
                    buffer.AddRange(ExperienceCodec.Decode(e));
                }

                return Task.CompletedTask;
            });
            var cache = new InMemoryShardCache();
            await store.LoadAsync(manifest, cache);
            var cached = await Timing.MedianAsync(reps, _ => store.LoadAsync(manifest, cache));
            context.Results.Add(new Figure(
                "Blob store", $"load a {total:N0}-experience buffer ({shards.Length} shards, {refs.Sum(r => r.Bytes) / 1e6:F2} MB) from Azurite", cold.TotalMilliseconds, "ms",
                "decode the same shards from memory", decodeOnly.TotalMilliseconds,
                Note: string.Create(CultureInfo.InvariantCulture, $"with the worker's shard cache warm: {cached.TotalMilliseconds:F1} ms")));
        }

        await container.DeleteIfExistsAsync();
    }
}
