using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lineage.Orchestration.Runs;

/// <summary>The one JSON shape used by HTTP bodies, run records and Durable payloads.</summary>
public static class LineageJson
{
    public static JsonSerializerOptions Options { get; } = Create(strict: false);

    /// <summary>For requests from outside: unknown fields are errors, not silently ignored.</summary>
    public static JsonSerializerOptions Strict { get; } = Create(strict: true);

    private static JsonSerializerOptions Create(bool strict)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = false,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            UnmappedMemberHandling = strict ? JsonUnmappedMemberHandling.Disallow : JsonUnmappedMemberHandling.Skip,
            AllowTrailingCommas = false,
            MaxDepth = 16,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
