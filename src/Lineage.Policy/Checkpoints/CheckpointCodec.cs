using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Lineage.Policy.Checkpoints;

/// <summary>
/// Binary checkpoint format, no torch involved:
/// <code>
/// "LNGCKPT\0" (8) | schema version u32 | payload length i64 | payload | SHA-256 of everything before it (32)
/// </code>
/// Payload (little-endian, strings UTF-8 with a 7-bit-encoded length): state size, action count,
/// options JSON, online tensors, target tensors, optimizer state bytes, update count, env steps,
/// ε step, RNG words, policy bytes (<see cref="MlpPolicy.ToBytes"/>), context JSON. A tensor is
/// name, rank, dims, float32 values.
/// </summary>
public static class CheckpointCodec
{
    public const int SchemaVersion = 1;

    private const int HeaderSize = 8 + 4 + 8;
    private const int HashSize = 32;
    private static readonly byte[] Magic = "LNGCKPT\0"u8.ToArray();

    public static byte[] Encode(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        using var payload = new MemoryStream();
        using (var w = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(checkpoint.StateSize);
            w.Write(checkpoint.ActionCount);
            w.Write(checkpoint.Options.ToJson());
            WriteTensors(w, checkpoint.OnlineWeights);
            WriteTensors(w, checkpoint.TargetWeights);
            WriteBytes(w, checkpoint.OptimizerState);
            w.Write(checkpoint.UpdateCount);
            w.Write(checkpoint.EnvSteps);
            w.Write(checkpoint.EpsilonStep);
            w.Write(checkpoint.RngState.Length);
            foreach (var word in checkpoint.RngState)
            {
                w.Write(word);
            }

            WriteBytes(w, checkpoint.Policy.ToBytes());
            w.Write(checkpoint.ContextJson);
        }

        var body = payload.GetBuffer().AsSpan(0, (int)payload.Length);
        var bytes = new byte[HeaderSize + body.Length + HashSize];
        Magic.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), SchemaVersion);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(12), body.Length);
        body.CopyTo(bytes.AsSpan(HeaderSize));
        SHA256.HashData(bytes.AsSpan(0, HeaderSize + body.Length), bytes.AsSpan(HeaderSize + body.Length));
        return bytes;
    }

    /// <summary>Verifies and reads a checkpoint; throws <see cref="CheckpointFormatException"/> rather than return anything suspect.</summary>
    public static Checkpoint Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderSize + HashSize)
        {
            throw new CheckpointFormatException($"Checkpoint truncated: {bytes.Length} bytes, shorter than the {HeaderSize + HashSize}-byte header and checksum.");
        }

        if (!bytes[..8].SequenceEqual(Magic))
        {
            throw new CheckpointFormatException("Not a Lineage checkpoint: the first 8 bytes are not 'LNGCKPT\\0'.");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (version != SchemaVersion)
        {
            throw new CheckpointFormatException($"Checkpoint schema version {version} is not supported; this build reads version {SchemaVersion}.");
        }

        var payloadLength = BinaryPrimitives.ReadInt64LittleEndian(bytes[12..]);
        var expected = HeaderSize + payloadLength + HashSize;
        if (payloadLength < 0 || expected != bytes.Length)
        {
            throw new CheckpointFormatException($"Checkpoint truncated or padded: header declares a {payloadLength}-byte payload ({expected} bytes in all), got {bytes.Length} bytes.");
        }

        Span<byte> hash = stackalloc byte[HashSize];
        SHA256.HashData(bytes[..^HashSize], hash);
        if (!CryptographicOperations.FixedTimeEquals(hash, bytes[^HashSize..]))
        {
            throw new CheckpointFormatException($"Checkpoint corrupted: SHA-256 of its {bytes.Length - HashSize} bytes does not match the stored checksum.");
        }

        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes[HeaderSize..^HashSize].ToArray(), writable: false), Encoding.UTF8);
            var stateSize = r.ReadInt32();
            var actionCount = r.ReadInt32();
            var options = DqnOptions.FromJson(r.ReadString());
            var online = ReadTensors(r, "online");
            var target = ReadTensors(r, "target");
            var optimizerState = ReadBytes(r, "optimizer state");
            var updateCount = r.ReadInt64();
            var envSteps = r.ReadInt64();
            var epsilonStep = r.ReadInt64();
            var rngWords = ReadCount(r, "RNG state", 8);
            var rng = new ulong[rngWords];
            for (var i = 0; i < rngWords; i++)
            {
                rng[i] = r.ReadUInt64();
            }

            var policy = MlpPolicy.FromBytes(ReadBytes(r, "policy"));
            var context = r.ReadString();
            if (r.BaseStream.Position != r.BaseStream.Length)
            {
                throw new CheckpointFormatException($"Checkpoint payload has {r.BaseStream.Length - r.BaseStream.Position} unread bytes after the context JSON.");
            }

            if (stateSize <= 0 || actionCount <= 0 || policy.StateSize != stateSize || policy.ActionCount != actionCount)
            {
                throw new CheckpointFormatException($"Checkpoint sizes disagree: state {stateSize}, actions {actionCount}, policy {policy.StateSize}→{policy.ActionCount}.");
            }

            return new Checkpoint(stateSize, actionCount, options, online, target, optimizerState, updateCount, envSteps, epsilonStep, rng, policy, context);
        }
        catch (CheckpointFormatException)
        {
            throw;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or JsonException or ArgumentException or OverflowException)
        {
            throw new CheckpointFormatException($"Checkpoint payload malformed: {e.Message}", e);
        }
    }

    private static void WriteTensors(BinaryWriter w, IReadOnlyList<NamedTensor> tensors)
    {
        Span<byte> four = stackalloc byte[4];
        w.Write(tensors.Count);
        foreach (var t in tensors)
        {
            w.Write(t.Name);
            w.Write(t.Shape.Length);
            foreach (var d in t.Shape)
            {
                w.Write(d);
            }

            w.Write(t.Data.Length);
            foreach (var x in t.Data)
            {
                BinaryPrimitives.WriteSingleLittleEndian(four, x);
                w.Write(four);
            }
        }
    }

    private static List<NamedTensor> ReadTensors(BinaryReader r, string what)
    {
        var count = ReadCount(r, $"{what} tensor count", 1);
        var result = new List<NamedTensor>(count);
        for (var i = 0; i < count; i++)
        {
            var name = r.ReadString();
            var rank = ReadCount(r, $"{what} tensor '{name}' rank", 4);
            var shape = new int[rank];
            for (var d = 0; d < rank; d++)
            {
                shape[d] = r.ReadInt32();
            }

            var length = ReadCount(r, $"{what} tensor '{name}' length", 4);
            var raw = r.ReadBytes(checked(length * 4));
            if (raw.Length != length * 4)
            {
                throw new EndOfStreamException($"{what} tensor '{name}' ends early.");
            }

            var data = new float[length];
            for (var k = 0; k < length; k++)
            {
                data[k] = BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(k * 4));
            }

            result.Add(NamedTensor.Create(name, shape, data));
        }

        return result;
    }

    private static void WriteBytes(BinaryWriter w, byte[] bytes)
    {
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private static byte[] ReadBytes(BinaryReader r, string what)
    {
        var length = ReadCount(r, what, 1);
        var bytes = r.ReadBytes(length);
        if (bytes.Length != length)
        {
            throw new EndOfStreamException($"{what} ends early: {bytes.Length} of {length} bytes.");
        }

        return bytes;
    }

    /// <summary>Reads a count and checks that that many items of at least <paramref name="minItemBytes"/> bytes can still be in the stream.</summary>
    private static int ReadCount(BinaryReader r, string what, int minItemBytes)
    {
        var count = r.ReadInt32();
        var remaining = r.BaseStream.Length - r.BaseStream.Position;
        if (count < 0 || (long)count * minItemBytes > remaining)
        {
            throw new CheckpointFormatException($"Checkpoint {what} is {count}, impossible with {remaining} bytes left.");
        }

        return count;
    }
}
