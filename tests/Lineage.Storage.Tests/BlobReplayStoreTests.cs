using Lineage.Core.Randomness;
using Lineage.Core.Replay;

namespace Lineage.Storage.Tests;

[Collection(AzuriteCollection.Name)]
public class BlobReplayStoreTests(AzuriteFixture azurite)
{
    private const int S = Experiences.StateSize;

    [Fact]
    public async Task Append_NEpisodesOfMExperiences_KeepsExactFifoWindow()
    {
        var store = await NewStoreAsync();
        const int capacity = 100, episodes = 4, perEpisode = 15;
        var appended = new List<int>();
        for (var iteration = 0; iteration < 3; iteration++)
        {
            var refs = new List<ShardRef>();
            for (var episode = 0; episode < episodes; episode++)
            {
                var first = ((iteration * episodes) + episode) * perEpisode;
                refs.Add(await store.WriteShardAsync(iteration, episode, Experiences.Range(first, perEpisode), S));
                appended.AddRange(Enumerable.Range(first, perEpisode));
            }

            refs.Reverse();
            var manifest = await store.AppendAsync(refs, capacity);

            var expected = appended.TakeLast(capacity).ToArray();
            Assert.Equal(expected.Length, manifest.LiveCount);
            Assert.Equal(expected, Experiences.Ids(await store.LoadAsync(manifest)));
        }
    }

    [Fact]
    public async Task RetriedShardWritesAndAppends_AddNoDuplicates()
    {
        var store = await NewStoreAsync();
        var a = await store.WriteShardAsync(0, 0, Experiences.Range(0, 10), S);
        var b = await store.WriteShardAsync(0, 1, Experiences.Range(10, 10), S);
        var bRetried = await store.WriteShardAsync(0, 1, Experiences.Range(10, 10), S);

        var first = await store.AppendAsync([a, b], 1000);
        var retried = await store.AppendAsync([bRetried, a, b], 1000);

        Assert.Equal(first.Revision, retried.Revision);
        Assert.Equal(Enumerable.Range(0, 20), Experiences.Ids(await store.LoadAsync(retried)));
        Assert.Equal(2, (await ListShardBlobsAsync(store)).Count);
    }

    [Fact]
    public async Task RetriedAppend_AfterItsShardsWereEvicted_ChangesNothing()
    {
        var store = await NewStoreAsync();
        var old = await WriteIterationAsync(store, 0, episodes: 2, perEpisode: 10);
        await store.AppendAsync(old, 20);
        var manifest = await store.AppendAsync(await WriteIterationAsync(store, 1, episodes: 2, perEpisode: 10), 20);

        var retried = await store.AppendAsync(old, 20);

        Assert.Equal(manifest.Revision, retried.Revision);
        Assert.Equal(Enumerable.Range(20, 20), Experiences.Ids(await store.LoadAsync(retried)));
    }

    [Fact]
    public async Task EmptyFirstAppend_ThenShards_Works()
    {
        var store = await NewStoreAsync();
        var empty = await store.AppendAsync([], 50);

        var manifest = await store.AppendAsync(await WriteIterationAsync(store, 0, episodes: 2, perEpisode: 5), 50);

        Assert.Equal(0, empty.LiveCount);
        Assert.Equal(S, manifest.StateSize);
        Assert.Equal(Enumerable.Range(0, 10), Experiences.Ids(await store.LoadAsync(manifest)));
    }

    [Fact]
    public async Task Append_StateSizeMismatch_Throws()
    {
        var store = await NewStoreAsync();
        await store.AppendAsync([await store.WriteShardAsync(0, 0, Experiences.Range(0, 3), S)], 50);
        var other = await store.WriteShardAsync(0, 1, [new Experience([1f], 0, 0f, [2f], false, false)], 1);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync([other], 50));

        Assert.Contains("state size 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PartialEviction_RecordsSkipOffset()
    {
        var store = await NewStoreAsync();
        var shards = await WriteIterationAsync(store, 0, episodes: 3, perEpisode: 10);

        var manifest = await store.AppendAsync(shards, 25);

        Assert.Equal(25, manifest.LiveCount);
        Assert.Equal(5, manifest.Shards[0].Skip);
        Assert.Equal(Enumerable.Range(5, 25), Experiences.Ids(await store.LoadAsync(manifest)));
    }

    [Fact]
    public async Task Eviction_DeletesFullyEvictedShardBlobs()
    {
        var store = await NewStoreAsync();
        for (var iteration = 0; iteration < 4; iteration++)
        {
            await store.AppendAsync(await WriteIterationAsync(store, iteration, episodes: 3, perEpisode: 10), 35);
        }

        var manifest = (await store.GetManifestAsync())!;
        var blobs = await ListShardBlobsAsync(store);

        Assert.Equal(manifest.Shards.Select(s => s.Name).Order(), blobs.Order());
        Assert.Equal(["000002-0002.bin", "000003-0000.bin", "000003-0001.bin", "000003-0002.bin"], manifest.Shards.Select(s => s.Name));
        Assert.Equal(5, manifest.Shards[0].Skip);
    }

    [Fact]
    public async Task StaleWriter_Gets412_RereadsAndLosesNoShard()
    {
        var container = await azurite.NewContainerAsync();
        var runId = RunId.Parse("race");
        var writerA = new BlobReplayStore(azurite.NewClient().GetBlobContainerClient(container.Name), runId);
        var writerB = new BlobReplayStore(azurite.NewClient().GetBlobContainerClient(container.Name), runId);
        var shardsA = await WriteIterationAsync(writerA, 1, episodes: 3, perEpisode: 10);
        var shardsB = await WriteIterationAsync(writerB, 0, episodes: 3, perEpisode: 10, firstId: 1000);
        var attemptsA = new List<int>();
        writerA.BeforeManifestWrite = async attempt =>
        {
            attemptsA.Add(attempt);
            if (attempt == 1)
            {
                // B commits between A's read and A's write: A's If-None-Match must fail.
                await writerB.AppendAsync(shardsB, 1000);
            }
        };

        var manifest = await writerA.AppendAsync(shardsA, 1000);

        Assert.Equal([1, 2], attemptsA);
        Assert.Equal(2, manifest.Revision);
        Assert.Equal(6, manifest.Shards.Count);
        var ids = Experiences.Ids(await writerB.LoadAsync(manifest));
        Assert.Equal(Enumerable.Range(1000, 30).Concat(Enumerable.Range(30, 30)), ids);
    }

    [Fact]
    public async Task StaleWriter_OnExistingManifest_Gets412ViaIfMatch()
    {
        var container = await azurite.NewContainerAsync();
        var runId = RunId.Parse("race2");
        var writerA = new BlobReplayStore(azurite.NewClient().GetBlobContainerClient(container.Name), runId);
        var writerB = new BlobReplayStore(azurite.NewClient().GetBlobContainerClient(container.Name), runId);
        await writerA.AppendAsync(await WriteIterationAsync(writerA, 0, episodes: 1, perEpisode: 5), 1000);
        var shardsA = await WriteIterationAsync(writerA, 2, episodes: 2, perEpisode: 5, firstId: 200);
        var shardsB = await WriteIterationAsync(writerB, 1, episodes: 2, perEpisode: 5, firstId: 100);
        var attempts = 0;
        writerA.BeforeManifestWrite = async attempt =>
        {
            attempts = attempt;
            if (attempt == 1)
            {
                await writerB.AppendAsync(shardsB, 1000);
            }
        };

        var manifest = await writerA.AppendAsync(shardsA, 1000);

        Assert.Equal(2, attempts);
        Assert.Equal(3, manifest.Revision);
        Assert.Equal(
            Experiences.Range(0, 5).Concat(Experiences.Range(100, 10)).Concat(Experiences.Range(200, 10)).Select(e => (int)e.Reward),
            Experiences.Ids(await writerA.LoadAsync(manifest)));
    }

    [Fact]
    public async Task ConcurrentAppenders_WithOwnClients_AllShardsLand()
    {
        var container = await azurite.NewContainerAsync();
        var runId = RunId.Parse("many-writers");
        var stores = Enumerable.Range(0, 6)
            .Select(_ => new BlobReplayStore(azurite.NewClient().GetBlobContainerClient(container.Name), runId))
            .ToArray();
        var shardSets = new List<ShardRef>[stores.Length];
        for (var w = 0; w < stores.Length; w++)
        {
            shardSets[w] = await WriteIterationAsync(stores[w], w, episodes: 2, perEpisode: 7, firstId: w * 100);
        }

        await Task.WhenAll(stores.Select((s, w) => s.AppendAsync(shardSets[w], 10_000)));

        var manifest = (await stores[0].GetManifestAsync())!;
        Assert.Equal(12, manifest.Shards.Count);
        var expected = Enumerable.Range(0, 6).SelectMany(w => Enumerable.Range(w * 100, 14));
        Assert.Equal(expected, Experiences.Ids(await stores[0].LoadAsync(manifest)));
    }

    [Fact]
    public async Task Priorities_RoundTrip_AndRealignAfterAppend()
    {
        var store = await NewStoreAsync();
        var manifest = await store.AppendAsync(await WriteIterationAsync(store, 0, episodes: 2, perEpisode: 10), 30);
        var buffer = await store.LoadPrioritizedAsync(manifest, update: 0);
        var rng = new Rng(3);
        var sample = buffer.Sample(16, 0.4, rng);
        buffer.UpdatePriorities(sample.Indices, sample.Indices.Select(i => (float)(i + 1) * 0.5f).ToArray());
        await store.SavePrioritiesAsync(manifest, buffer, update: 16);

        var reloaded = await store.LoadPrioritizedAsync(manifest, update: 16);
        Assert.Equal(buffer.GetPriorities(), reloaded.GetPriorities());
        Assert.Equal(buffer.MaxPriority, reloaded.MaxPriority);

        var next = await store.AppendAsync(await WriteIterationAsync(store, 1, episodes: 1, perEpisode: 15, firstId: 500), 30);
        var realigned = await store.LoadPrioritizedAsync(next, update: 16);
        var priorities = realigned.GetPriorities();
        Assert.Equal(buffer.GetPriorities()[5..], priorities[..15]);
        Assert.All(priorities[15..], p => Assert.Equal(buffer.MaxPriority, p));
        Assert.Equal(Enumerable.Range(5, 15).Concat(Enumerable.Range(500, 15)), Experiences.Ids(realigned));
    }

    [Fact]
    public async Task LoadWithCache_DownloadsOnlyNewShards()
    {
        var store = await NewStoreAsync();
        var cache = new CountingCache();
        var m1 = await store.AppendAsync(await WriteIterationAsync(store, 0, episodes: 4, perEpisode: 5), 1000);
        await store.LoadAsync(m1, cache);
        Assert.Equal(4, cache.Puts);

        var m2 = await store.AppendAsync(await WriteIterationAsync(store, 1, episodes: 3, perEpisode: 5, firstId: 100), 1000);
        var buffer = await store.LoadAsync(m2, cache);

        Assert.Equal(7, cache.Puts);
        Assert.Equal(4, cache.Hits);
        Assert.Equal(35, buffer.Count);
    }

    [Fact]
    public async Task WriteThroughCache_ServesTheWrittenShardsWithoutADownload()
    {
        var store = await NewStoreAsync();
        var cache = new CountingCache();
        var shards = new List<ShardRef>();
        for (var episode = 0; episode < 3; episode++)
        {
            shards.Add(await store.WriteShardAsync(0, episode, Experiences.Range(episode * 10, 10), S, cache: cache));
        }

        var manifest = await store.AppendAsync(shards, 1000);
        var buffer = await store.LoadAsync(manifest, cache);

        // Put on write under the upload's ETag, which the manifest records: every read is a hit, nothing is put again.
        Assert.Equal(3, cache.Puts);
        Assert.Equal(3, cache.Hits);
        Assert.Equal(Enumerable.Range(0, 30), Experiences.Ids(buffer));
    }

    [Fact]
    public async Task WriteThroughCache_BytesChangedAfterTheWriteAreNotServed()
    {
        var store = await NewStoreAsync();
        var cache = new InMemoryShardCache();
        var shard = await store.WriteShardAsync(0, 0, Experiences.Range(0, 10), S, cache: cache);
        var manifest = await store.AppendAsync([shard], 1000);
        // A corrupted cache entry under the right name and ETag: its hash differs from the manifest's, so the blob is read.
        cache.Put(shard.Name, new Azure.ETag(shard.ETag), ExperienceCodec.Encode(Experiences.Range(100, 10), S));

        var buffer = await store.LoadAsync(manifest, cache);

        Assert.Equal(Enumerable.Range(0, 10), Experiences.Ids(buffer));
    }

    [Fact]
    public async Task Load_DropsCachedShardsTheManifestEvicted()
    {
        var store = await NewStoreAsync();
        var cache = new InMemoryShardCache();
        var m1 = await store.AppendAsync(await WriteIterationAsync(store, 0, episodes: 4, perEpisode: 5), 20);
        await store.LoadAsync(m1, cache);
        Assert.Equal(4, cache.Count);

        // Capacity 20 with 20 new experiences evicts all four first shards: the cache keeps only the live ones.
        var m2 = await store.AppendAsync(await WriteIterationAsync(store, 1, episodes: 4, perEpisode: 5, firstId: 100), 20);
        await store.LoadAsync(m2, cache);

        Assert.Equal(4, cache.Count);
        Assert.All(m2.Shards, s => Assert.True(cache.TryGet(s.Name, new Azure.ETag(s.ETag), out _)));
    }

    [Fact]
    public async Task DirectoryCache_DropsEvictedShardsAndLeavesOtherFiles()
    {
        var store = await NewStoreAsync();
        var folder = Directory.CreateTempSubdirectory("lineage-cache-").FullName;
        try
        {
            var cache = new DirectoryShardCache(folder);
            var m1 = await store.AppendAsync(await WriteIterationAsync(store, 0, episodes: 2, perEpisode: 5), 10);
            await store.LoadAsync(m1, cache);
            var foreign = Path.Combine(folder, "notes.txt");
            await File.WriteAllTextAsync(foreign, "not a shard");

            var m2 = await store.AppendAsync(await WriteIterationAsync(store, 1, episodes: 2, perEpisode: 5, firstId: 100), 10);
            var buffer = await store.LoadAsync(m2, cache);

            Assert.Equal(Enumerable.Range(100, 10), Experiences.Ids(buffer));
            Assert.Equal(3, Directory.GetFiles(folder).Length);
            Assert.True(File.Exists(foreign));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task ReplaceWithCopy_GivesTheRecipientItsOwnCopyOfTheDonorsWindow()
    {
        var container = await azurite.NewContainerAsync();
        var donor = new BlobReplayStore(container, RunId.Parse("pop-m0"));
        var recipient = new BlobReplayStore(container, RunId.Parse("pop-m1"));
        // The donor's window after eviction (capacity 35 of 40: its first shard half skipped); the recipient has other shards.
        await donor.AppendAsync(await WriteIterationAsync(donor, 0, episodes: 2, perEpisode: 10), 35);
        var donorManifest = await donor.AppendAsync(await WriteIterationAsync(donor, 1, episodes: 2, perEpisode: 10, firstId: 100), 35);
        await recipient.AppendAsync(await WriteIterationAsync(recipient, 0, episodes: 3, perEpisode: 10, firstId: 500), 35);
        Assert.Equal(5, donorManifest.Shards[0].Skip);

        var copied = await recipient.ReplaceWithCopyAsync(donor, donorManifest);

        Assert.Equal("pop-m1", copied.RunId);
        Assert.Equal(donorManifest.Shards.Select(s => (s.Name, s.Skip)), copied.Shards.Select(s => (s.Name, s.Skip)));
        Assert.Equal(await donor.ComputeContentHashAsync(donorManifest), await recipient.ComputeContentHashAsync(copied));
        // Only the copies are left in the recipient's folder (its third shard, not in the donor's window, is deleted) ...
        Assert.Equal(copied.Shards.Select(s => s.Name).Order(), (await ListShardBlobsAsync(recipient)).Order());
        // ... and they are its own: the donor's blobs can go.
        await foreach (var blob in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = "runs/pop-m0/" }))
        {
            await container.DeleteBlobAsync(blob.Name);
        }

        Assert.Equal(Enumerable.Range(5, 15).Concat(Enumerable.Range(100, 20)), Experiences.Ids(await recipient.LoadAsync(copied)));
        await Assert.ThrowsAsync<ArgumentException>(() => recipient.ReplaceWithCopyAsync(recipient, copied));
    }

    [Fact]
    public async Task DirectoryCache_ServesShardsAcrossStores()
    {
        var store = await NewStoreAsync();
        var folder = Directory.CreateTempSubdirectory("lineage-cache-").FullName;
        try
        {
            var manifest = await store.AppendAsync(await WriteIterationAsync(store, 0, episodes: 2, perEpisode: 5), 100);
            var first = await store.LoadAsync(manifest, new DirectoryShardCache(folder));

            var second = await store.LoadAsync(manifest, new DirectoryShardCache(folder));

            Assert.Equal(2, Directory.GetFiles(folder).Length);
            Assert.Equal(Experiences.Ids(first), Experiences.Ids(second));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task ContentHash_SameExperiencesSplitDifferently_Match()
    {
        var storeA = await NewStoreAsync("hash-a");
        var storeB = await NewStoreAsync("hash-b");
        var all = Experiences.Range(0, 40);
        var mA = await storeA.AppendAsync([await storeA.WriteShardAsync(0, 0, all[..10], S), await storeA.WriteShardAsync(0, 1, all[10..], S)], 35);
        var mB = await storeB.AppendAsync([await storeB.WriteShardAsync(0, 0, all[..25], S), await storeB.WriteShardAsync(0, 1, all[25..], S)], 35);

        var hashA = await storeA.ComputeContentHashAsync(mA);

        Assert.Equal(hashA, await storeB.ComputeContentHashAsync(mB));
        Assert.Equal(ExperienceCodec.ComputeContentHash(all[5..]), hashA);
    }

    [Fact]
    public async Task Load_ShardRewrittenWithOtherContent_ThrowsNamingTheBlob()
    {
        var store = await NewStoreAsync();
        var manifest = await store.AppendAsync([await store.WriteShardAsync(0, 0, Experiences.Range(0, 5), S)], 100);
        await store.WriteShardAsync(0, 0, Experiences.Range(50, 5), S);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => store.LoadAsync(manifest));

        Assert.Contains("000000-0000.bin", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_ShardBlobMissing_Throws()
    {
        var store = await NewStoreAsync();
        var shard = await store.WriteShardAsync(0, 0, Experiences.Range(0, 5), S);
        var ghost = shard with { Name = BlobReplayStore.ShardName(0, 1), Episode = 1 };

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => store.AppendAsync([shard, ghost], 100));

        Assert.Contains("000000-0001.bin", ex.Message, StringComparison.Ordinal);
        Assert.Null(await store.GetManifestAsync());
    }

    [Theory]
    [InlineData("../../other/replay/manifest.json")]
    [InlineData("000000-0000.bin/../x")]
    public async Task Append_ForgedShardName_IsRejected(string name)
    {
        var store = await NewStoreAsync();
        var shard = await store.WriteShardAsync(0, 0, Experiences.Range(0, 5), S);

        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync([shard with { Name = name }], 100));
    }

    [Fact]
    public async Task WriteShard_IterationOutOfRange_Throws()
    {
        var store = await NewStoreAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.WriteShardAsync(1_000_000, 0, Experiences.Range(0, 1), S));
    }

    [Fact]
    public async Task Saved_priorities_belong_to_one_checkpoint_so_a_retried_step_loads_what_its_first_attempt_loaded()
    {
        var store = await NewStoreAsync();
        var manifest = await store.AppendAsync(await WriteIterationAsync(store, 0, episodes: 2, perEpisode: 10), 30);
        var first = await store.LoadPrioritizedAsync(manifest, update: 16);
        var before = first.GetPriorities();
        var sample = first.Sample(8, 0.4, new Rng(5));
        first.UpdatePriorities(sample.Indices, sample.Indices.Select(i => 7f + i).ToArray());

        // The step saved its updated priorities for the checkpoint it was about to write (32), then crashed.
        await store.SavePrioritiesAsync(manifest, first, update: 32);
        var retried = await store.LoadPrioritizedAsync(manifest, update: 16);

        Assert.Equal(before, retried.GetPriorities());
        Assert.NotEqual(before, (await store.LoadPrioritizedAsync(manifest, update: 32)).GetPriorities());
    }

    [Fact]
    public async Task Prune_priorities_keeps_only_the_named_checkpoints()
    {
        var store = await NewStoreAsync();
        var manifest = await store.AppendAsync(await WriteIterationAsync(store, 0, episodes: 1, perEpisode: 10), 30);
        var buffer = await store.LoadPrioritizedAsync(manifest, update: 0);
        foreach (var update in new long[] { 16, 32, 48 })
        {
            await store.SavePrioritiesAsync(manifest, buffer, update);
        }

        await store.PrunePrioritiesAsync(new HashSet<long> { 32, 48 });

        var names = new List<string>();
        await foreach (var blob in store.Container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = store.PrioritiesPrefix }))
        {
            names.Add(blob.Name);
        }

        Assert.Equal([store.PrioritiesBlobName(32), store.PrioritiesBlobName(48)], names);
    }

    [Fact]
    public async Task Shards_evicted_by_a_commit_whose_writer_died_before_deleting_them_are_deleted_by_the_next_append()
    {
        var store = await NewStoreAsync();
        await store.AppendAsync(await WriteIterationAsync(store, 0, episodes: 2, perEpisode: 10), 20);
        store.AfterManifestCommit = () => throw new IOException("worker died after the manifest commit");
        await Assert.ThrowsAsync<IOException>(async () => await store.AppendAsync(await WriteIterationAsync(store, 1, episodes: 2, perEpisode: 10), 20));
        Assert.Contains("000000-0000.bin", await ListShardBlobsAsync(store));

        store.AfterManifestCommit = null;
        await store.AppendAsync(await WriteIterationAsync(store, 2, episodes: 1, perEpisode: 10), 20);

        Assert.Equal(["000001-0001.bin", "000002-0000.bin"], (await ListShardBlobsAsync(store)).Order());
    }

    [Fact]
    public async Task Shard_of_a_failed_episode_is_deleted_once_the_window_has_moved_past_its_iteration()
    {
        var store = await NewStoreAsync();
        var iteration0 = await WriteIterationAsync(store, 0, episodes: 3, perEpisode: 10);
        await store.AppendAsync(iteration0[..2], 20); // episode 2 wrote its shard, then failed for good
        await store.AppendAsync(await WriteIterationAsync(store, 1, episodes: 2, perEpisode: 10), 20);

        Assert.Equal(["000001-0000.bin", "000001-0001.bin"], (await ListShardBlobsAsync(store)).Order());
    }

    [Fact]
    public async Task Truncate_after_an_iteration_drops_newer_shards_from_the_manifest_and_storage()
    {
        var store = await NewStoreAsync();
        await store.AppendAsync(await WriteIterationAsync(store, 0, episodes: 2, perEpisode: 5), 100);
        await store.AppendAsync(await WriteIterationAsync(store, 1, episodes: 2, perEpisode: 5), 100);
        var before = (await store.AppendAsync(await WriteIterationAsync(store, 2, episodes: 2, perEpisode: 5), 100)).Revision;

        var (manifest, removed) = await store.TruncateAfterAsync(0);
        var (again, removedAgain) = await store.TruncateAfterAsync(0);

        Assert.Equal(4, removed);
        Assert.Equal(0, removedAgain);
        Assert.Equal(before + 1, again!.Revision);
        Assert.Equal(0, BlobReplayStore.HighWaterIteration(manifest));
        Assert.Equal(Enumerable.Range(0, 10), Experiences.Ids(await store.LoadAsync(manifest!)));
        Assert.Equal(["000000-0000.bin", "000000-0001.bin"], (await ListShardBlobsAsync(store)).Order());
    }

    internal static async Task<List<ShardRef>> WriteIterationAsync(BlobReplayStore store, int iteration, int episodes, int perEpisode, int firstId = -1)
    {
        var baseId = firstId >= 0 ? firstId : iteration * episodes * perEpisode;
        var refs = new List<ShardRef>();
        for (var e = 0; e < episodes; e++)
        {
            refs.Add(await store.WriteShardAsync(iteration, e, Experiences.Range(baseId + (e * perEpisode), perEpisode), S));
        }

        return refs;
    }

    private static async Task<List<string>> ListShardBlobsAsync(BlobReplayStore store)
    {
        var container = store.Container;
        var prefix = store.ShardBlobName("");
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = prefix }))
        {
            names.Add(blob.Name[prefix.Length..]);
        }

        return names;
    }

    private async Task<BlobReplayStore> NewStoreAsync(string runId = "run-1") =>
        new(await azurite.NewContainerAsync(), RunId.Parse(runId));

    private sealed class CountingCache : IShardCache
    {
        private readonly InMemoryShardCache _inner = new();

        private int _puts;
        private int _hits;

        public int Puts => _puts;

        public int Hits => _hits;

        public bool TryGet(string name, Azure.ETag etag, out byte[] bytes)
        {
            var hit = _inner.TryGet(name, etag, out bytes);
            if (hit)
            {
                Interlocked.Increment(ref _hits);
            }

            return hit;
        }

        public void Put(string name, Azure.ETag etag, byte[] bytes)
        {
            Interlocked.Increment(ref _puts);
            _inner.Put(name, etag, bytes);
        }

        public void Remove(string name) => _inner.Remove(name);

        public void Retain(IReadOnlySet<string> names) => _inner.Retain(names);
    }
}
