using System.Diagnostics;
using System.Globalization;
using Lineage.Core.Replay;
using Xunit.Abstractions;

namespace Lineage.Storage.Tests;

/// <summary>Measures shard upload/download rates and buffer load times on Azurite (loopback); prints them.</summary>
[Collection(AzuriteCollection.Name)]
public class StorageThroughputTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const int StateSize = 5;
    private const int PerShard = 1_000;

    [Theory]
    [InlineData(10_000)]
    [InlineData(100_000)]
    public async Task LoadBuffer_Timing(int experiences)
    {
        var store = new BlobReplayStore(await azurite.NewContainerAsync(), RunId.Parse($"throughput-{experiences}"));
        var shards = experiences / PerShard;
        var data = Enumerable.Range(0, shards)
            .Select(s => Enumerable.Range(s * PerShard, PerShard).Select(Make).ToArray())
            .ToArray();

        var upload = Stopwatch.StartNew();
        var refs = await Task.WhenAll(data.Select((d, s) => store.WriteShardAsync(s / 16, s % 16, d, StateSize)));
        upload.Stop();
        var bytes = refs.Sum(r => r.Bytes);
        var append = Stopwatch.StartNew();
        var manifest = await store.AppendAsync(refs, experiences);
        append.Stop();

        var cache = new InMemoryShardCache();
        var cold = Stopwatch.StartNew();
        var buffer = await store.LoadAsync(manifest, cache);
        cold.Stop();
        var warm = Stopwatch.StartNew();
        var again = await store.LoadAsync(manifest, cache);
        warm.Stop();

        Assert.Equal(experiences, buffer.Count);
        Assert.Equal(experiences, again.Count);
        Assert.Equal(experiences - 1, (int)buffer[experiences - 1].Reward);
        var mb = bytes / 1e6;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{experiences} experiences (state {StateSize}) in {shards} shards, {mb:F2} MB: " +
            $"upload {upload.Elapsed.TotalSeconds:F3} s ({mb / upload.Elapsed.TotalSeconds:F1} MB/s, all shards written concurrently), " +
            $"append {append.Elapsed.TotalMilliseconds:F0} ms, cold load {cold.Elapsed.TotalSeconds:F3} s ({mb / cold.Elapsed.TotalSeconds:F1} MB/s incl. decode), " +
            $"cached load {warm.Elapsed.TotalSeconds:F3} s"));
    }

    [Fact]
    public async Task LargeShard_UploadDownload_Rate()
    {
        var store = new BlobReplayStore(await azurite.NewContainerAsync(), RunId.Parse("throughput-large"));
        var data = Enumerable.Range(0, 200_000).Select(Make).ToArray();

        var upload = Stopwatch.StartNew();
        var shard = await store.WriteShardAsync(0, 0, data, StateSize);
        upload.Stop();
        var manifest = await store.AppendAsync([shard], data.Length);
        var download = Stopwatch.StartNew();
        var buffer = await store.LoadAsync(manifest);
        download.Stop();

        Assert.Equal(data.Length, buffer.Count);
        var mb = shard.Bytes / 1e6;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"one {mb:F1} MB shard ({data.Length} experiences): upload {mb / upload.Elapsed.TotalSeconds:F1} MB/s incl. encode, " +
            $"download {mb / download.Elapsed.TotalSeconds:F1} MB/s incl. decode"));
    }

    private static Experience Make(int id) =>
        new([id, 0.1f, 0.2f, 0.3f, 0.4f], id % 4, id, [id + 1, 0.1f, 0.2f, 0.3f, 0.4f], false, id % 500 == 499);
}
