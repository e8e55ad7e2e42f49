namespace Lineage.Storage;

/// <summary>A shard blob written by <see cref="BlobReplayStore.WriteShardAsync"/>: small enough to pass between activities.</summary>
public sealed record ShardRef(string Name, int Iteration, int Episode, int Count, int StateSize, long Bytes, string ETag, string Sha256);

/// <summary>
/// A shard in the live window. The first <see cref="Skip"/> experiences were evicted (FIFO); the rest are live.
/// </summary>
public sealed record ManifestShard(string Name, int Iteration, int Episode, int Count, int Skip, long Bytes, string ETag, string Sha256)
{
    public int LiveCount => Count - Skip;
}

/// <summary>
/// The replay buffer of a run: the ordered live shards whose live experiences add up to at most <see cref="Capacity"/>.
/// <see cref="Revision"/> counts committed writes.
/// </summary>
public sealed record ReplayManifest(int Version, string RunId, int Capacity, int StateSize, long Revision, IReadOnlyList<ManifestShard> Shards)
{
    public const int CurrentVersion = 1;

    public int LiveCount => Shards.Sum(s => s.LiveCount);
}
