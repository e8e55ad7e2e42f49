using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;

namespace Lineage.IntegrationTests.Reliability.Harness;

/// <summary>
/// Everything a run left in its container, in a form two runs can be compared by: "the same run" of the fault harness.
/// Binary blobs (shards, checkpoints, priorities) by content hash, byte for byte; JSON blobs (run.json, final.json,
/// manifest, metrics, evaluations, decisions, pointers) and JSON-lines blobs (history) after dropping the
/// <see cref="VolatileFields"/> — which differ between two honest executions of one run — and nothing else.
/// Blob names are compared too, so an orphan (or a missing blob) is a difference.
/// </summary>
internal sealed class RunSnapshot
{
    /// <summary>
    /// Fields that legitimately differ between executions: wall-clock times, the machine, the start attempt's id (a Durable
    /// GUID), the run lock's holder (the instance store of whichever host ran the run last), and blob ETags (the manifest
    /// records each shard's ETag, which a rewrite of the same bytes changes).
    /// </summary>
    public static readonly IReadOnlySet<string> VolatileFields = new HashSet<string>(StringComparer.Ordinal)
    {
        "preparedAt", "startedAt", "decidedAt", "fixedAt", "at", "completedAt", "createdAt", "updatedAt", "finishedAt", "timestamp",
        "machine", "machineName",
        "attempt",
        "store",
        "eTag", "etag",
    };

    /// <summary>Prefixes that are the harness's own bookkeeping, not the run's.</summary>
    private static readonly string[] Ignored = ["/faults/"];

    private RunSnapshot(SortedDictionary<string, string> blobs) => Blobs = blobs;

    /// <summary>Blob name → normalised content (JSON text, or "sha256:…" for binary).</summary>
    public SortedDictionary<string, string> Blobs { get; }

    public static async Task<RunSnapshot> TakeAsync(BlobContainerClient container, CancellationToken cancellationToken = default)
    {
        var blobs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await foreach (var item in container.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            if (Ignored.Any(p => item.Name.Contains(p, StringComparison.Ordinal)))
            {
                continue;
            }

            var bytes = (await container.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
            blobs[item.Name] = Normalise(item.Name, bytes);
        }

        return new RunSnapshot(blobs);
    }

    internal static string Normalise(string name, byte[] bytes)
    {
        if (name.EndsWith(".json", StringComparison.Ordinal) || name.EndsWith("/latest", StringComparison.Ordinal) || name.EndsWith("/champion", StringComparison.Ordinal))
        {
            try
            {
                return Strip(JsonNode.Parse(bytes))?.ToJsonString() ?? "null";
            }
            catch (JsonException)
            {
                // Not JSON after all: compared by bytes below.
            }
        }

        if (name.EndsWith(".jsonl", StringComparison.Ordinal))
        {
            var lines = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', lines.Select(l => Strip(JsonNode.Parse(l))?.ToJsonString() ?? "null"));
        }

        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    private static JsonNode? Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (VolatileFields.Contains(key))
                    {
                        obj.Remove(key);
                    }
                    else
                    {
                        Strip(obj[key]);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Strip(item);
                }

                break;
        }

        return node;
    }

    /// <summary>Human-readable differences (empty when the runs are the same): missing, extra and changed blobs.</summary>
    public IReadOnlyList<string> Differences(RunSnapshot expected)
    {
        var differences = new List<string>();
        foreach (var (name, content) in expected.Blobs)
        {
            if (!Blobs.TryGetValue(name, out var actual))
            {
                differences.Add($"missing: {name}");
            }
            else if (actual != content)
            {
                var at = FirstDifference(content, actual);
                differences.Add($"differs: {name} at character {at}\n    expected …{Around(content, at)}…\n    actual   …{Around(actual, at)}…");
            }
        }

        differences.AddRange(Blobs.Keys.Where(n => !expected.Blobs.ContainsKey(n)).Select(n => $"extra (orphan): {n}"));
        return differences;
    }

    /// <summary>Fails with the differences (each also written to <paramref name="output"/>) unless this is the same run as <paramref name="expected"/>.</summary>
    public void AssertSameAs(RunSnapshot expected, Xunit.Abstractions.ITestOutputHelper output, string what)
    {
        var differences = Differences(expected);
        foreach (var difference in differences)
        {
            output.WriteLine(difference);
        }

        Assert.True(
            differences.Count == 0,
            $"{what}: {differences.Count} differences from the uninterrupted run (of {expected.Blobs.Count} blobs): {string.Join("; ", differences.Take(5))}");
    }

    private static int FirstDifference(string a, string b)
    {
        var i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i])
        {
            i++;
        }

        return i;
    }

    private static string Around(string text, int at)
    {
        var start = Math.Max(0, at - 120);
        return text[start..Math.Min(text.Length, at + 200)];
    }
}
