using System.CommandLine;
using System.Security.Cryptography;
using Lineage.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Lineage.Cli;

/// <summary>`lineage serve`: the Functions app's HTTP API on the local host, for machines without `func`.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen", DefaultValueFactory = _ => "http://127.0.0.1:7071" };
        var key = new Option<string?>("--key") { Description = "Function key callers must send (x-functions-key or ?code=); default: LINEAGE_FUNCTION_KEY or a random one, printed. Never empty" };
        var noAuth = new Option<bool>("--no-auth") { Description = "Serve without a function key; only on loopback addresses (127.0.0.1, [::1], localhost)" };
        var command = new Command("serve", "Serve the run API (POST /api/runs, GET /api/runs/{id}, ...) locally.") { urls, key, noAuth };
        CommonOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var address = parse.GetValue(urls)!;
            if (FunctionKey(parse.GetValue(noAuth), parse.GetValue(key), address) is not (true, var functionKey))
            {
                return 2;
            }

            using var signal = new StopSignal();
            var settings = CommonOptions.Read(parse);
            using var loggerFactory = CommonOptions.CreateLoggerFactory(settings);
            await using var runtime = await CommonOptions.StartRuntimeAsync(settings, loggerFactory, ct);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls(address);
            await using var app = builder.Build();
            app.MapLineageApi(runtime.Runs, runtime.Models, functionKey);
            await app.StartAsync(ct);
            if (functionKey is null)
            {
                AnsiConsole.MarkupLineInterpolated($"Serving the run API on [cyan]{address}/api/runs[/] [yellow]without a function key[/] (--no-auth, loopback only). Ctrl+C or SIGTERM to stop.");
            }
            else
            {
                AnsiConsole.MarkupLineInterpolated($"Serving the run API on [cyan]{address}/api/runs[/] (function key: [yellow]{functionKey}[/]). Ctrl+C or SIGTERM to stop.");
            }

            var received = await signal.Received;
            await app.StopAsync(CancellationToken.None);
            AnsiConsole.MarkupLineInterpolated($"Stopped serving ({StopSignal.Name(received)}).");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The key callers must send, or null with --no-auth (the route group then has no key check). False after
    /// printing why serving is refused: an empty key (it would disable the check silently), or --no-auth on an
    /// address other machines can reach.
    /// </summary>
    internal static (bool Ok, string? Key) FunctionKey(bool noAuth, string? key, string urls)
    {
        if (noAuth)
        {
            if (key is not null)
            {
                AnsiConsole.MarkupLine("[red]--key and --no-auth contradict each other: give one.[/]");
                return (false, null);
            }

            var exposed = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(u => !IsLoopback(u)).ToList();
            if (exposed.Count > 0)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--no-auth is only allowed on loopback addresses (127.0.0.1, [[::1]], localhost); --urls has {string.Join(", ", exposed)}.[/]");
                return (false, null);
            }

            return (true, null);
        }

        var (value, source) = key is not null
            ? (key, "--key")
            : (Environment.GetEnvironmentVariable("LINEAGE_FUNCTION_KEY"), "LINEAGE_FUNCTION_KEY");
        if (value is null)
        {
            return (true, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{source} is empty: an empty function key would let anyone call the API. Give a key, or --no-auth to serve without one on a loopback address.[/]");
            return (false, null);
        }

        return (true, value);
    }

    /// <summary>Kestrel's "*", "+" and "0.0.0.0" hosts listen on every interface: not loopback.</summary>
    private static bool IsLoopback(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.IsLoopback;
}
