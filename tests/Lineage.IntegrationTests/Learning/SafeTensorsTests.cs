using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Lineage.Policy;
using Lineage.Policy.Checkpoints;

namespace Lineage.IntegrationTests.Learning;

public sealed class SafeTensorsTests
{
    private static readonly NamedTensor[] Tensors =
    [
        new("hidden.0.weight", [2, 3], [1f, 2f, 3f, 4f, 5f, 6f]),
        new("hidden.0.bias", [2], [-1f, 0.5f]),
    ];

    [Fact]
    public void Header_is_length_prefixed_json_padded_to_8_bytes()
    {
        var bytes = SafeTensors.Write(Tensors, new Dictionary<string, string> { ["format"] = "pt" });

        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));

        Assert.Equal(0, (8 + headerLength) % 8);
        Assert.Equal("F32", header.RootElement.GetProperty("hidden.0.bias").GetProperty("dtype").GetString());
        Assert.Equal([24L, 32L], header.RootElement.GetProperty("hidden.0.bias").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal("pt", header.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
        Assert.Equal(8 + headerLength + 32, bytes.Length);
    }

    [Fact]
    public void Data_is_little_endian_float32_in_tensor_order()
    {
        var bytes = SafeTensors.Write(Tensors);
        var start = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);

        Assert.Equal(1f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(start)));
        Assert.Equal(0.5f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(start + 28)));
    }

    [Fact]
    public void Read_returns_what_write_wrote()
    {
        var back = SafeTensors.Read(SafeTensors.Write(Tensors));

        Assert.True(LearningTestData.SameBits(Tensors, back));
    }

    [Fact]
    public void Policy_export_carries_pytorch_names_and_architecture_metadata()
    {
        var policy = MlpPolicy.FromWeights(
            [
                new("hidden.0.weight", [3, 2], [1, 2, 3, 4, 5, 6]),
                new("hidden.0.bias", [3], [0, 0, 0]),
                new("value.weight", [1, 3], [1, 1, 1]),
                new("value.bias", [1], [0]),
                new("advantage.weight", [2, 3], [1, 0, 0, 0, 1, 0]),
                new("advantage.bias", [2], [0, 0]),
            ],
            dueling: true);

        var bytes = SafeTensors.Write(policy);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));
        var meta = header.RootElement.GetProperty("__metadata__");

        Assert.Equal(["hidden.0.weight", "hidden.0.bias", "value.weight", "value.bias", "advantage.weight", "advantage.bias"], SafeTensors.Read(bytes).Select(t => t.Name));
        Assert.Equal(("2", "2", "3", "true"), (meta.GetProperty("state_size").GetString(), meta.GetProperty("action_count").GetString(), meta.GetProperty("hidden_layers").GetString(), meta.GetProperty("dueling").GetString()));
    }
}
