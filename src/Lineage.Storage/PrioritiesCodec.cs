using System.Buffers.Binary;
using System.Text;
using Lineage.Core.Replay;

namespace Lineage.Storage;

/// <summary>
/// priorities.bin: <c>"LPR1" | u16 version | u16 0 | i32 shardCount | f32 maxPriority</c>, per shard
/// <c>u16 nameLength | name (UTF-8) | i32 skip | i32 liveCount | f32[liveCount]</c>, then CRC-32C.
/// Priorities are stored per shard so they can be realigned after later appends evict or add experiences.
/// </summary>
internal static class PrioritiesCodec
{
    private const uint Magic = 0x3152504C; // "LPR1"
    private const ushort Version = 1;

    internal sealed record Saved(float MaxPriority, Dictionary<string, (int Skip, float[] Values)> Shards);

    public static byte[] Encode(ReplayManifest manifest, float[] priorities, float maxPriority)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write((ushort)0);
            writer.Write(manifest.Shards.Count);
            writer.Write(maxPriority);
            var offset = 0;
            foreach (var shard in manifest.Shards)
            {
                var name = Encoding.UTF8.GetBytes(shard.Name);
                writer.Write((ushort)name.Length);
                writer.Write(name);
                writer.Write(shard.Skip);
                writer.Write(shard.LiveCount);
                foreach (var p in priorities.AsSpan(offset, shard.LiveCount))
                {
                    writer.Write(p);
                }

                offset += shard.LiveCount;
            }
        }

        var body = stream.ToArray();
        var bytes = new byte[body.Length + 4];
        body.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(body.Length), Crc32C.Compute(body));
        return bytes;
    }

    public static Saved Decode(byte[] bytes)
    {
        if (bytes.Length < 20)
        {
            throw new ExperienceFormatException($"Priorities data is truncated: {bytes.Length} bytes.");
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4));
        var actual = Crc32C.Compute(bytes.AsSpan(0, bytes.Length - 4));
        if (stored != actual)
        {
            throw new ExperienceFormatException($"Priorities checksum mismatch: stored 0x{stored:X8}, computed 0x{actual:X8}.");
        }

        using var reader = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 4), Encoding.UTF8);
        try
        {
            var magic = reader.ReadUInt32();
            var version = reader.ReadUInt16();
            if (magic != Magic || version != Version)
            {
                throw new ExperienceFormatException($"Not priorities data of version {Version}: magic 0x{magic:X8}, version {version}.");
            }

            reader.ReadUInt16();
            var count = reader.ReadInt32();
            var max = reader.ReadSingle();
            var shards = new Dictionary<string, (int, float[])>(StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var name = Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadUInt16()));
                var skip = reader.ReadInt32();
                var live = reader.ReadInt32();
                if (live < 0 || skip < 0)
                {
                    throw new ExperienceFormatException($"Priorities entry '{name}' has skip {skip} and count {live}.");
                }

                var values = new float[live];
                for (var j = 0; j < live; j++)
                {
                    values[j] = reader.ReadSingle();
                }

                shards[name] = (skip, values);
            }

            return new Saved(max, shards);
        }
        catch (EndOfStreamException ex)
        {
            throw new ExperienceFormatException("Priorities data ends early although its checksum matches.", ex);
        }
    }
}
