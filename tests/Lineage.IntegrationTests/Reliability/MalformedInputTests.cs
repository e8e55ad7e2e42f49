using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Lineage.IntegrationTests.Api;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Orchestration;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Reliability;

/// <summary>
/// A corpus of hostile and malformed requests (Corpus/malformed-requests.json, kept as test data): each gets a
/// clear 4xx, nothing crashes, and neither the blob listing nor the task hub's instances change.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class MalformedInputTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private sealed record Case(string Class, string Name, string Method, string Path, string? Body, string? Csv, int Expect);

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static readonly Case[] Corpus = JsonSerializer.Deserialize<Case[]>(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reliability", "Corpus", "malformed-requests.json")), Web)!;

    [Fact]
    public void Corpus_has_at_least_50_cases_across_the_named_classes()
    {
        Assert.True(Corpus.Length >= 50, $"{Corpus.Length} cases");
        Assert.Superset(
            new HashSet<string> { "bad-json", "wrong-types", "out-of-range", "oversized", "run-id", "dataset", "invalid-options", "malformed-csv" },
            Corpus.Select(c => c.Class).ToHashSet());
    }

    [Fact]
    public async Task Every_malformed_request_gets_a_clear_4xx_and_changes_nothing()
    {
        await using var api = await ApiHost.StartAsync(azurite);
        var container = api.Runtime.Storage.Container;
        for (var i = 0; i < Corpus.Length; i++)
        {
            if (Corpus[i].Csv is { } csv)
            {
                await container.GetBlobClient($"datasets/corpus/case{i}.csv").UploadAsync(BinaryData.FromString(csv));
            }
        }

        var before = await ListAsync(api);
        var failures = new List<string>();
        for (var i = 0; i < Corpus.Length; i++)
        {
            var c = Corpus[i];
            var body = c.Csv is null ? c.Body : $$"""{"runId":"csv-case-{{i}}","dataset":"blob:datasets/corpus/case{{i}}.csv","iterations":1}""";
            using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path)
            {
                Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"),
            };
            using var response = await api.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            var ok = c.Expect == 0 ? status is >= 400 and < 500 : status == c.Expect;
            var clear = status == 404 || text.Contains("\"error\"", StringComparison.Ordinal);
            output.WriteLine($"{c.Class,-16} {c.Name,-32} {status} {Truncate(text)}");
            if (!ok || !clear || text.Contains("   at ", StringComparison.Ordinal))
            {
                failures.Add($"{c.Class}/{c.Name}: {status} {Truncate(text)}");
            }

            if (c.Csv is not null && !text.Contains("line", StringComparison.OrdinalIgnoreCase) && !text.Contains("empty", StringComparison.OrdinalIgnoreCase) && !text.Contains("rows", StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{c.Class}/{c.Name}: the error does not say where: {Truncate(text)}");
            }
        }

        Assert.Empty(failures);
        Assert.Equal(before, await ListAsync(api));
        foreach (var id in new[] { "corpus-ok", "big", "a", "other-run" }.Concat(Enumerable.Range(0, Corpus.Length).Select(i => $"csv-case-{i}")))
        {
            Assert.Null(await api.Runtime.Durable.GetAsync(id, default));
        }
    }

    private static async Task<List<string>> ListAsync(ApiHost api)
    {
        var names = new List<string>();
        await foreach (var blob in api.Runtime.Storage.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, default))
        {
            names.Add($"{blob.Name}@{blob.Properties.ETag}");
        }

        return names;
    }

    private static string Truncate(string text) => text.Length <= 160 ? text : text[..160] + "…";
}
