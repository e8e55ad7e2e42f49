using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Lineage.Core.Replay;

/// <summary>
/// Compact binary format for a list of experiences (one episode's shard), little-endian:
/// header <c>"LXP1" magic | u16 version | u16 flags(0) | i32 stateSize | i32 count</c>, then per record
/// <c>f32[stateSize] state | i32 action | f32 reward | f32[stateSize] nextState | u8 flags</c> (bit 0 terminated, bit 1
/// truncated, bits 2–7 the transition's <see cref="Experience.Steps"/> − 1, so a one-step shard is byte-for-byte what it was
/// before n-step returns),
/// then a CRC-32C of everything before it. Decode rejects anything else with <see cref="ExperienceFormatException"/>.
/// </summary>
public static class ExperienceCodec
{
    public const ushort CurrentVersion = 1;
    public const int HeaderSize = 16;
    public const int TrailerSize = 4;

    private const uint Magic = 0x3150584C; // "LXP1" read as little-endian u32
    private const byte TerminatedFlag = 1;
    private const byte TruncatedFlag = 2;
    private const int StepsShift = 2;

    /// <summary>Most environment steps one transition can span (6 bits of the flags byte).</summary>
    public const int MaxSteps = 64;

    /// <summary>Bytes one record takes for a given state size.</summary>
    public static int RecordSize(int stateSize) => (2 * stateSize * sizeof(float)) + sizeof(int) + sizeof(float) + 1;

    public static byte[] Encode(IReadOnlyList<Experience> experiences, int stateSize)
    {
        ArgumentNullException.ThrowIfNull(experiences);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stateSize);
        var recordSize = RecordSize(stateSize);
        var length = HeaderSize + ((long)recordSize * experiences.Count) + TrailerSize;
        if (length > Array.MaxLength)
        {
            throw new ArgumentException(
                $"{experiences.Count} experiences of state size {stateSize} need {length} bytes, more than one shard can hold.",
                nameof(experiences));
        }

        var bytes = new byte[length];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], CurrentVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], stateSize);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], experiences.Count);
        var offset = HeaderSize;
        for (var i = 0; i < experiences.Count; i++)
        {
            var e = experiences[i] ?? throw new ArgumentException($"Experience {i} is null.", nameof(experiences));
            if (e.State.Length != stateSize || e.NextState.Length != stateSize)
            {
                throw new ArgumentException(
                    $"Experience {i} has State length {e.State.Length} and NextState length {e.NextState.Length}; expected {stateSize}.",
                    nameof(experiences));
            }

            offset = WriteFloats(span, offset, e.State);
            BinaryPrimitives.WriteInt32LittleEndian(span[offset..], e.Action);
            BinaryPrimitives.WriteSingleLittleEndian(span[(offset + 4)..], e.Reward);
            offset = WriteFloats(span, offset + 8, e.NextState);
            if (e.Steps is < 1 or > MaxSteps)
            {
                throw new ArgumentException($"Experience {i} spans {e.Steps} steps; a shard holds 1 to {MaxSteps}.", nameof(experiences));
            }

            span[offset++] = Flags(e);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[offset..], Crc32C.Compute(span[..offset]));
        return bytes;
    }

    /// <summary>Reads only the header (state size, record count) after checking magic and version.</summary>
    public static (int StateSize, int Count) ReadHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderSize + TrailerSize)
        {
            throw new ExperienceFormatException(
                $"Experience shard is truncated: {data.Length} bytes, shorter than the {HeaderSize + TrailerSize}-byte header and checksum.");
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (magic != Magic)
        {
            throw new ExperienceFormatException($"Not an experience shard: magic is 0x{magic:X8}, expected 0x{Magic:X8} (\"LXP1\").");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
        if (version != CurrentVersion)
        {
            throw new ExperienceFormatException(
                $"Experience shard has unknown format version {version}; this build reads version {CurrentVersion}.");
        }

        var flags = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]);
        var stateSize = BinaryPrimitives.ReadInt32LittleEndian(data[8..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(data[12..]);
        if (flags != 0 || stateSize <= 0 || stateSize > 1 << 20 || count < 0)
        {
            throw new ExperienceFormatException(
                $"Experience shard header is corrupt: flags {flags}, state size {stateSize}, record count {count}.");
        }

        return (stateSize, count);
    }

    public static Experience[] Decode(ReadOnlySpan<byte> data)
    {
        var (stateSize, count) = ReadHeader(data);
        var expected = HeaderSize + ((long)RecordSize(stateSize) * count) + TrailerSize;
        if (data.Length != expected)
        {
            throw new ExperienceFormatException(data.Length < expected
                ? $"Experience shard is truncated: {data.Length} bytes, but its header announces {count} records of state size {stateSize} ({expected} bytes)."
                : $"Experience shard has {data.Length - expected} unexpected trailing bytes after {count} records of state size {stateSize} ({expected} bytes).");
        }

        var body = data[..^TrailerSize];
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(data[^TrailerSize..]);
        var actual = Crc32C.Compute(body);
        if (stored != actual)
        {
            throw new ExperienceFormatException(
                $"Experience shard checksum mismatch: stored CRC-32C 0x{stored:X8}, computed 0x{actual:X8} over {body.Length} bytes (corrupt data).");
        }

        var result = new Experience[count];
        var offset = HeaderSize;
        for (var i = 0; i < count; i++)
        {
            var state = ReadFloats(data, ref offset, stateSize);
            var action = BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
            var reward = BinaryPrimitives.ReadSingleLittleEndian(data[(offset + 4)..]);
            offset += 8;
            var next = ReadFloats(data, ref offset, stateSize);
            var done = data[offset++];
            result[i] = new Experience(state, action, reward, next, (done & TerminatedFlag) != 0, (done & TruncatedFlag) != 0, (done >> StepsShift) + 1);
        }

        return result;
    }

    /// <summary>
    /// SHA-256 (lowercase hex) over the experiences in order, independent of how they were split into
    /// shards; two runs that hold the same buffer contents get the same hash.
    /// </summary>
    public static string ComputeContentHash(IEnumerable<Experience> experiences)
    {
        ArgumentNullException.ThrowIfNull(experiences);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[256];
        foreach (var e in experiences)
        {
            var size = 4 + (e.State.Length * 4) + 4 + 4 + 4 + (e.NextState.Length * 4) + 1;
            if (buffer.Length < size)
            {
                buffer = new byte[Math.Max(size, buffer.Length * 2)];
            }

            var span = buffer.AsSpan();
            BinaryPrimitives.WriteInt32LittleEndian(span, e.State.Length);
            var offset = WriteFloats(span, 4, e.State);
            BinaryPrimitives.WriteInt32LittleEndian(span[offset..], e.Action);
            BinaryPrimitives.WriteSingleLittleEndian(span[(offset + 4)..], e.Reward);
            BinaryPrimitives.WriteInt32LittleEndian(span[(offset + 8)..], e.NextState.Length);
            offset = WriteFloats(span, offset + 12, e.NextState);
            span[offset++] = Flags(e);
            hash.AppendData(span[..offset]);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static byte Flags(Experience e) => (byte)((e.Terminated ? TerminatedFlag : 0) | (e.Truncated ? TruncatedFlag : 0) | ((e.Steps - 1) << StepsShift));

    private static int WriteFloats(Span<byte> span, int offset, float[] values)
    {
        foreach (var v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(span[offset..], v);
            offset += 4;
        }

        return offset;
    }

    private static float[] ReadFloats(ReadOnlySpan<byte> data, ref int offset, int count)
    {
        var values = new float[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[offset..]);
            offset += 4;
        }

        return values;
    }
}
