using System.Text.Json.Nodes;
using Lineage.Core.Trading;

namespace Lineage.Orchestration.Training;

/// <summary>
/// Reads arenas persisted by older versions as what they were. Every arena this version writes holds all its fields; one
/// written before the action set existed (commit c4cd1a1) has no <c>actions</c> and was the classic arena, and one
/// without <c>longOnly</c> was long and short. Since issue 17 a missing field means the new defaults (long-only target
/// exposures), which is right for a request and wrong for a stored checkpoint or run record: a 4-output champion read
/// as a 3-output one would answer decisions with the wrong action names.
/// </summary>
public static class PersistedArena
{
    /// <summary>Fills the fields an old <paramref name="arena"/> object lacks with the defaults it was written under.</summary>
    public static void Upgrade(JsonNode? arena)
    {
        if (arena is not JsonObject fields)
        {
            return;
        }

        if (!Has(fields, "actions"))
        {
            fields["actions"] = nameof(ActionSet.Classic);
        }

        if (!Has(fields, "longOnly"))
        {
            fields["longOnly"] = false;
        }
    }

    /// <summary>Upgrades the arena at <paramref name="path"/> (property names, case-insensitive) of a persisted document.</summary>
    public static JsonNode? Upgrade(string json, params string[] path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var root = JsonNode.Parse(json);
        var node = root;
        foreach (var name in path)
        {
            node = node is JsonObject o ? Find(o, name) : null;
        }

        Upgrade(node);
        return root;
    }

    private static bool Has(JsonObject fields, string name) => fields.Any(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase));

    private static JsonNode? Find(JsonObject fields, string name) =>
        fields.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
