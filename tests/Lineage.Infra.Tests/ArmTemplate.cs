using System.Text.Json.Nodes;

namespace Lineage.Infra.Tests;

/// <summary>A compiled ARM template: its resources, including those of nested module deployments.</summary>
public sealed class ArmTemplate(JsonObject root, string path)
{
    public JsonObject Root { get; } = root;

    /// <summary>Where the template sits: "main", or "main/rbac" for the rbac module's nested template.</summary>
    public string Path { get; } = path;

    public static ArmTemplate Parse(string json) =>
        new(JsonNode.Parse(json)?.AsObject() ?? throw new ArgumentException("The compiled template is not a JSON object.", nameof(json)), "main");

    /// <summary>Resources by symbolic name (language version 2.0) or by index (classic array form).</summary>
    public IReadOnlyList<(string Key, JsonObject Resource)> Resources => Root["resources"] switch
    {
        JsonObject byName => byName.Select(p => (p.Key, p.Value!.AsObject())).ToList(),
        JsonArray list => list.Select((r, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), r!.AsObject())).ToList(),
        _ => [],
    };

    public IEnumerable<JsonObject> ResourcesOfType(string type) =>
        Resources.Select(r => r.Resource).Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase));

    /// <summary>The module deployment with this symbolic name and its nested template.</summary>
    public (JsonObject Deployment, ArmTemplate Template) Module(string symbolicName)
    {
        var deployment = Resources.SingleOrDefault(r => r.Key == symbolicName).Resource
            ?? throw new InvalidOperationException($"{Path}: no module deployment named '{symbolicName}'.");
        var template = deployment["properties"]?["template"]?.AsObject()
            ?? throw new InvalidOperationException($"{Path}/{symbolicName}: the deployment has no nested template.");
        return (deployment, new ArmTemplate(template, $"{Path}/{symbolicName}"));
    }

    /// <summary>The value (or expression) the parent passes to a module parameter.</summary>
    public static JsonNode? ModuleParameter(JsonObject deployment, string name) =>
        deployment["properties"]?["parameters"]?[name]?["value"];

    /// <summary>Every resource of a type in this template and all nested ones.</summary>
    public IEnumerable<(ArmTemplate Template, JsonObject Resource)> AllResourcesOfType(string type)
    {
        foreach (var resource in ResourcesOfType(type))
        {
            yield return (this, resource);
        }

        foreach (var (key, resource) in Resources)
        {
            if (resource["properties"] is JsonObject properties && properties["template"] is JsonObject nested)
            {
                foreach (var found in new ArmTemplate(nested, $"{Path}/{key}").AllResourcesOfType(type))
                {
                    yield return found;
                }
            }
        }
    }
}
