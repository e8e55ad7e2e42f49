using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lineage.Storage;

/// <summary>
/// The one JSON shape used by HTTP bodies, run records and Durable payloads. Every host applies it to the serializers
/// it owns (the Functions worker serializer, the MVC and minimal-API JSON options) through <see cref="ApplyTo"/>.
/// </summary>
public static class LineageJson
{
    public static JsonSerializerOptions Options { get; } = Create(strict: false);

    /// <summary>For requests from outside: unknown fields are errors, not silently ignored.</summary>
    public static JsonSerializerOptions Strict { get; } = Create(strict: true);

    /// <summary>Makes <paramref name="target"/> (a host's own, mutable options) write and read exactly like <see cref="Options"/>.</summary>
    public static void ApplyTo(JsonSerializerOptions target, bool strict = false)
    {
        // Explicit, so MVC's formatter does not swap in its relaxed default encoder: both hosts emit the same bytes.
        target.Encoder = JavaScriptEncoder.Default;
        target.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        target.DictionaryKeyPolicy = null;
        target.PropertyNameCaseInsensitive = true;
        target.WriteIndented = false;
        target.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        target.UnmappedMemberHandling = strict ? JsonUnmappedMemberHandling.Disallow : JsonUnmappedMemberHandling.Skip;
        target.AllowTrailingCommas = false;
        target.MaxDepth = 16;
        target.Converters.Clear();
        target.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
    }

    private static JsonSerializerOptions Create(bool strict)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        ApplyTo(options, strict);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
