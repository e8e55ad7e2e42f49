using System.Net;
using Lineage.IntegrationTests.Orchestration;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Cli;

/// <summary>`lineage serve` never serves without a key by accident, and stops cleanly on SIGTERM.</summary>
public sealed class ServeAuthTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>The command exits 2 with a message naming <paramref name="expected"/> and no stack trace.</summary>
    private async Task AssertRefusedAsync(string[] args, string expected, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var serve = CliProcess.Start(args, environment);

        var exit = await serve.WaitForExitAsync(Patience);
        output.WriteLine(serve.Output);

        Assert.Equal(2, exit);
        Assert.Contains(expected, serve.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", serve.Output, StringComparison.Ordinal);
    }

    private string[] Storage() => ["--storage", azurite.ConnectionString, "--container", azurite.NewContainer()];

    [Fact]
    public async Task Serve_refuses_an_empty_key_without_no_auth()
    {
        await AssertRefusedAsync(["serve", "--key", "", "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}", .. Storage()], "--no-auth");
    }

    [Fact]
    public async Task Serve_refuses_an_empty_LINEAGE_FUNCTION_KEY_without_no_auth()
    {
        await AssertRefusedAsync(
            ["serve", "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}", .. Storage()],
            "LINEAGE_FUNCTION_KEY",
            new Dictionary<string, string> { ["LINEAGE_FUNCTION_KEY"] = "" });
    }

    [Theory]
    [InlineData("http://0.0.0.0:{port}")]
    [InlineData("http://*:{port}")]
    [InlineData("http://127.0.0.1:{port};http://0.0.0.0:{other}")]
    public async Task Serve_refuses_no_auth_on_a_non_loopback_address(string urls)
    {
        var address = urls.Replace("{port}", CliProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{other}", CliProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        await AssertRefusedAsync(["serve", "--no-auth", "--urls", address, .. Storage()], "loopback");
    }

    [Fact]
    public async Task Serve_with_no_auth_on_loopback_answers_without_a_key_and_exits_0_on_SIGTERM()
    {
        var (status, exit, log) = await ServeOneRequestAsync(["--no-auth"]);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(0, exit);
        Assert.Contains("Stopped serving", log, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_with_a_key_refuses_callers_without_it_and_exits_0_on_SIGTERM()
    {
        var (status, exit, _) = await ServeOneRequestAsync(["--key", "k3y"]);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(0, exit);
    }

    /// <summary>Starts `serve` with <paramref name="auth"/> on loopback, sends one keyless GET, then SIGTERM.</summary>
    private async Task<(HttpStatusCode Status, int? Exit, string Output)> ServeOneRequestAsync(string[] auth)
    {
        var port = CliProcess.FreePort();
        using var serve = CliProcess.Start(["serve", .. auth, "--urls", $"http://127.0.0.1:{port}", .. Storage()]);
        await serve.WaitForOutputAsync("Serving", Patience);

        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/api/runs/no-such-run"));
        serve.Signal("TERM");
        var exit = await serve.WaitForExitAsync(Patience);
        output.WriteLine(serve.Output);
        return (response.StatusCode, exit, serve.Output);
    }
}
