using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Lineage.Policy.Checkpoints;

/// <summary>
/// Writes and reads the safetensors format (8-byte little-endian header length, JSON header, raw
/// little-endian data) for float32 tensors, so PyTorch users can load exported weights with
/// <c>safetensors.torch.load_file(path)</c> and <c>module.load_state_dict(...)</c>.
/// </summary>
public static class SafeTensors
{
    /// <summary>
    /// A policy's weights with PyTorch state_dict names (hidden.{i}.weight/bias, output.* or value.* and
    /// advantage.*) and the architecture in <c>__metadata__</c> (format, state_size, action_count,
    /// hidden_layers, dueling, activation).
    /// </summary>
    public static byte[] Write(MlpPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["state_size"] = policy.StateSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["action_count"] = policy.ActionCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["hidden_layers"] = string.Join(",", policy.HiddenLayers),
            ["dueling"] = policy.Dueling ? "true" : "false",
            ["activation"] = "relu",
        };
        return Write(policy.ToNamedTensors(), metadata);
    }

    public static byte[] Write(IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata)
                {
                    w.WriteString(k, v);
                }

                w.WriteEndObject();
            }

            long offset = 0;
            foreach (var t in tensors)
            {
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape");
                foreach (var d in t.Shape)
                {
                    w.WriteNumberValue(d);
                }

                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                offset += 4L * t.Data.Length;
                w.WriteNumberValue(offset);
                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        // Pad the header with spaces to a multiple of 8 so the data is aligned (as the reference writer does).
        var header = json.ToArray();
        var headerLength = (header.Length + 7) / 8 * 8;
        var dataLength = tensors.Sum(t => 4L * t.Data.Length);
        var bytes = new byte[checked(8 + headerLength + dataLength)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerLength);
        header.CopyTo(bytes, 8);
        bytes.AsSpan(8 + header.Length, headerLength - header.Length).Fill((byte)' ');
        var at = 8 + headerLength;
        foreach (var t in tensors)
        {
            foreach (var x in t.Data)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), x);
                at += 4;
            }
        }

        return bytes;
    }

    /// <summary>Reads float32 tensors back (in data-offset order); throws <see cref="InvalidDataException"/> on malformed input.</summary>
    public static IReadOnlyList<NamedTensor> Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 8)
        {
            throw new InvalidDataException($"safetensors: {bytes.Length} bytes, too short for the header length.");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8))
        {
            throw new InvalidDataException($"safetensors: header length {headerLength} exceeds the {bytes.Length - 8} bytes after it.");
        }

        var data = bytes[(8 + (int)headerLength)..];
        using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(bytes.Slice(8, (int)headerLength)));
        var result = new List<(long Begin, NamedTensor Tensor)>();
        foreach (var entry in doc.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
            {
                continue;
            }

            var dtype = entry.Value.GetProperty("dtype").GetString();
            if (dtype != "F32")
            {
                throw new InvalidDataException($"safetensors: tensor '{entry.Name}' has dtype {dtype}; only F32 is read.");
            }

            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > data.Length || (offsets[1] - offsets[0]) % 4 != 0)
            {
                throw new InvalidDataException($"safetensors: tensor '{entry.Name}' has data offsets [{string.Join(", ", offsets)}] outside the {data.Length}-byte data section.");
            }

            var values = new float[(offsets[1] - offsets[0]) / 4];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(int)(offsets[0] + (4 * i))..]);
            }

            result.Add((offsets[0], NamedTensor.Create(entry.Name, shape, values)));
        }

        return [.. result.OrderBy(x => x.Begin).Select(x => x.Tensor)];
    }
}
