using System.Text.Json;
using CoreDataConverter = DurableTask.Core.Serializing.DataConverter;
using Lineage.Storage;

namespace Lineage.Hosting;

/// <summary>
/// DurableTask.Core's client defaults to Newtonsoft with $type hints; the orchestrator shims read
/// System.Text.Json. Both sides must speak the same JSON, so the client gets this converter.
/// </summary>
internal sealed class StjDataConverter : CoreDataConverter
{
    public override string Serialize(object value) => JsonSerializer.Serialize(value, value.GetType(), LineageJson.Options);

    public override string Serialize(object value, bool formatted) => Serialize(value);

    public override object Deserialize(string data, Type objectType) =>
        JsonSerializer.Deserialize(data, objectType, LineageJson.Options)
        ?? throw new JsonException($"Durable payload deserialized to null for {objectType.Name}.");
}
