using System.Net;
using System.Text;
using Azure.Storage.Blobs.Models;
using Lineage.IntegrationTests.Functions;
using Lineage.IntegrationTests.Learning;
using Lineage.IntegrationTests.Models;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Reliability;

/// <summary>One hostile request, generated from the route table.</summary>
public sealed record HostileCase(string Route, string Class, string Name, string Method, string Path, byte[]? Body);

/// <summary>
/// Hostile requests generated per route from <see cref="ApiRoutes"/> (so a new route gets them too): traversal and
/// look-alike values in every route parameter, bad JSON, wrong types, unknown fields, overflowing and non-finite
/// numbers, deep nesting and oversized bodies on every route with a body, malformed CSV uploads, and hostile decision
/// queries. Each must get a clear 4xx, echo nothing stored, and change no blob.
/// </summary>
public static class HostileRequests
{
    /// <summary>A value stored where a traversal would find it; no response may ever contain it.</summary>
    public const string Secret = "SECRET-7f3a9c-MUST-NOT-LEAK";

    private static readonly string[] HostileSegments =
    [
        "..", "%2e%2e", "..%2F..%2Fmodels", "a%2Fb", "a%5Cb", "Upper-Case", "%EF%BD%8D%EF%BD%8F%EF%BD%84", // fullwidth "ｍｏｄ"
        "caf%C3%A9", "a%20b", "-leading", "trailing-", new string('a', 64), "a.b", "a%09b", "secret-run%2Frun.json",
    ];

    private static readonly Lazy<List<HostileCase>> Cases = new(Generate);

    /// <summary>Every run id the corpus names (decoded): none may have an orchestration afterwards.</summary>
    public static IEnumerable<string> RunIds =>
        HostileSegments.Select(Uri.UnescapeDataString).Concat(["valid-name", "a", "../secret-run", "secret-run"]).Distinct(StringComparer.Ordinal);

    public static IReadOnlyList<HostileCase> All => Cases.Value;

    private static List<HostileCase> Generate()
    {
        var cases = new List<HostileCase>();
        foreach (var route in ApiRoutes.All)
        {
            // Every route, whatever its shape: the wrong method is refused, never routed elsewhere.
            cases.Add(new(route.Name, "method", "wrong method", route.Method == "GET" ? "DELETE" : "GET", "/api/" + Fill(route.Template, null, null), null));
            var parameters = System.Text.RegularExpressions.Regex.Matches(route.Template, @"\{(\w+)\}").Select(m => m.Groups[1].Value).ToList();
            foreach (var parameter in parameters)
            {
                foreach (var value in HostileSegments)
                {
                    var path = "/api/" + Fill(route.Template, parameter, value);
                    cases.Add(new(route.Name, "route-value", $"{parameter}={value}", route.Method, path, route.BodyLimit is null ? null : Utf8("{}")));
                }
            }

            if (route.BodyLimit is { } limit)
            {
                var path = "/api/" + Fill(route.Template, null, null);
                foreach (var (name, body) in Bodies(route.Name))
                {
                    cases.Add(new(route.Name, "body", name, route.Method, path, body));
                }

                cases.Add(new(route.Name, "oversized", $"{limit + 1} bytes", route.Method, path, new byte[limit + 1]));
            }

            if (route.Name == "ChampionDecision")
            {
                foreach (var query in DecisionQueries)
                {
                    cases.Add(new(route.Name, "query", query, route.Method, "/api/" + route.Template + "?" + query, null));
                }
            }
        }

        return cases;
    }

    private static readonly string[] DecisionQueries =
    [
        "", "model=live", "dataset=", "dataset=blob:../runs/secret-run/run.json&model=live", "dataset=blob:datasets/../runs/secret-run/run.json",
        "dataset=blob:%2e%2e/runs/secret-run/run.json", "dataset=blob:datasets/..%2F..%2Fruns/secret-run/run.json", "dataset=dataset:..",
        "dataset=dataset:secret-run%2Frun.json", "dataset=synthetic:trend", "dataset=spy&model=..", "dataset=spy&model=%EF%BD%8D",
        "dataset=spy&position=2", "dataset=spy&position=1e9", "dataset=spy&position=abc", "dataset=spy&entryPrice=NaN",
        "dataset=spy&entryPrice=-1", "dataset=spy&entryPrice=Infinity", "dataset=spy&entryPrice=1e400", "dataset=runs/secret-run/run.json",
    ];

    private static IEnumerable<(string Name, byte[] Body)> Bodies(string route)
    {
        if (route == "PushDataset")
        {
            yield return ("empty csv", Utf8(""));
            yield return ("header only", Utf8("Date,Close\n"));
            yield return ("not chronological", Utf8("Date,Close\n2024-01-02,10\n2024-01-01,11\n"));
            yield return ("negative price", Utf8("Date,Close\n2024-01-01,10\n2024-01-02,-3\n"));
            yield return ("binary", [0xFF, 0xFE, 0x00, 0x01, 0x02, 0x03, 0x80, 0x81]);
            yield return ("no close column", Utf8("Date,Open\n2024-01-01,10\n2024-01-02,11\n"));
            yield return ("bad date", Utf8("Date,Close\nyesterday,10\ntoday,11\n"));
            yield return ("nan price", Utf8("Date,Close\n2024-01-01,10\n2024-01-02,NaN\n"));
            yield break;
        }

        var field = route == "StartRun" ? "iterations" : "by";
        yield return ("empty body", Utf8(""));
        yield return ("truncated json", Utf8("{\"runId\":"));
        yield return ("json array", Utf8("[]"));
        yield return ("json null", Utf8("null"));
        yield return ("json string", Utf8("\"run\""));
        yield return ("trailing comma", Utf8("{\"runId\":\"a\",}"));
        yield return ("unknown field", Utf8("{\"runId\":\"a\",\"" + field + "\":1,\"hostile\":true}"));
        yield return ("wrong type", Utf8("{\"runId\":\"a\",\"" + field + "\":{\"x\":1}}"));
        yield return ("overflowing number", Utf8("{\"runId\":\"a\",\"iterations\":99999999999999999999}"));
        yield return ("huge exponent", Utf8("{\"runId\":\"a\",\"iterations\":1e400}"));
        yield return ("non-finite literal", Utf8("{\"runId\":\"a\",\"iterations\":NaN}"));
        yield return ("deep nesting", Utf8(new string('[', 200) + new string(']', 200)));
        yield return ("run id traversal", Utf8("{\"runId\":\"../secret-run\",\"by\":\"x\",\"dataset\":\"synthetic:trend\"}"));
        yield return ("not utf-8", [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x7D]);
    }

    private static string Fill(string template, string? hostileParameter, string? value) =>
        System.Text.RegularExpressions.Regex.Replace(template, @"\{(\w+)\}", m => m.Groups[1].Value == hostileParameter ? value! : "valid-name");

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}

/// <summary>The generated hostile requests against both entrances.</summary>
public abstract class HostileRequestTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    protected AzuriteFixture Azurite { get; } = azurite;

    private protected abstract Task<IApiUnderTest> StartAsync();

    [Fact]
    public void The_corpus_covers_every_route_with_at_least_150_cases()
    {
        Assert.True(HostileRequests.All.Count >= 150, $"{HostileRequests.All.Count} cases");
        Assert.Superset(ApiRoutes.All.Select(r => r.Name).ToHashSet(), HostileRequests.All.Select(c => c.Route).ToHashSet());
    }

    [Fact]
    public async Task Every_hostile_request_gets_a_clear_4xx_echoes_nothing_stored_and_changes_no_blob()
    {
        await using var api = await StartAsync();
        // Something a traversal would reach: another run's record and a dataset that must stay untouched.
        await api.Container.GetBlobClient("runs/secret-run/run.json").UploadAsync(BinaryData.FromString($"{{\"secret\":\"{HostileRequests.Secret}\"}}"));
        await api.Container.GetBlobClient("datasets/live/000001.csv").UploadAsync(BinaryData.FromBytes(ModelsHarness.Csv(300, seed: 3)));
        var before = await ListAsync(api);
        var failures = new List<string>();

        foreach (var c in HostileRequests.All)
        {
            using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path) { Content = c.Body is null ? null : new ByteArrayContent(c.Body) };
            using var response = await api.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            // 404 (no such route) and 405 (wrong method) come from routing itself, with no body to explain more. A hostile route
            // value must reach the handler's validator (an error body), except a dot segment ("..", "%2e%2e"): the HTTP stack
            // removes it before routing (the client's URI canonicalisation, Kestrel's path normalisation), so it can never be a
            // parameter value — the request names another, usually missing, route.
            var reachesHandler = c.Class == "route-value" && !c.Name.EndsWith("=..", StringComparison.Ordinal) && !c.Name.EndsWith("=%2e%2e", StringComparison.Ordinal);
            var clear = (!reachesHandler && status is 404 or 405) || text.Contains("\"error\"", StringComparison.Ordinal);
            if (status is < 400 or >= 500 || !clear || text.Contains("   at ", StringComparison.Ordinal) || text.Contains(HostileRequests.Secret, StringComparison.Ordinal))
            {
                failures.Add($"{c.Route} {c.Class} {c.Name}: {status} {(text.Length <= 200 ? text : text[..200])}");
            }
        }

        output.WriteLine($"{HostileRequests.All.Count} hostile requests, {failures.Count} failures");
        Assert.Empty(failures);
        Assert.Equal(before, await ListAsync(api));
        // No request started anything: no orchestration under any run id the corpus used.
        foreach (var runId in HostileRequests.RunIds)
        {
            Assert.False(await api.HasInstanceAsync(runId), $"a hostile request started an orchestration '{runId}'");
        }
    }

    private static async Task<List<string>> ListAsync(IApiUnderTest api)
    {
        var names = new List<string>();
        await foreach (var blob in api.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, default))
        {
            names.Add($"{blob.Name}@{blob.Properties.ETag}");
        }

        return names;
    }
}

[Collection(TorchCollection.Name)]
public sealed class FunctionsHostileRequestTests(AzuriteFixture azurite, ITestOutputHelper output) : HostileRequestTests(azurite, output), IClassFixture<AzuriteFixture>
{
    private protected override async Task<IApiUnderTest> StartAsync() => await FunctionsHost.StartAsync(Azurite);
}

[Collection(TorchCollection.Name)]
public sealed class LocalHostileRequestTests(AzuriteFixture azurite, ITestOutputHelper output) : HostileRequestTests(azurite, output), IClassFixture<AzuriteFixture>
{
    private protected override async Task<IApiUnderTest> StartAsync() => await Api.ApiHost.StartAsync(Azurite);
}
