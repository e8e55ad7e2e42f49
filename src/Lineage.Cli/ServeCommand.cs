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
        var key = new Option<string?>("--key") { Description = "Function key callers must send (x-functions-key or ?code=); default: LINEAGE_FUNCTION_KEY or a random one, printed" };
        var command = new Command("serve", "Serve the run API (POST /api/runs, GET /api/runs/{id}, ...) locally.") { urls, key };
        CommonOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var settings = CommonOptions.Read(parse);
            var functionKey = parse.GetValue(key) ?? Environment.GetEnvironmentVariable("LINEAGE_FUNCTION_KEY")
                ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            using var loggerFactory = CommonOptions.CreateLoggerFactory(settings);
            await using var runtime = await CommonOptions.StartRuntimeAsync(settings, loggerFactory, ct);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls(parse.GetValue(urls)!);
            await using var app = builder.Build();
            app.MapLineageApi(runtime.Runs, functionKey);
            app.MapLineageModelsApi(runtime.Services.GetRequiredService<Lineage.Orchestration.Models.ModelsService>(), functionKey);
            await app.StartAsync(ct);
            AnsiConsole.MarkupLineInterpolated($"Serving the run API on [cyan]{parse.GetValue(urls)}/api/runs[/] (function key: [yellow]{functionKey}[/]). Ctrl+C to stop.");
            var stopped = new TaskCompletionSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                stopped.TrySetResult();
            };
            await stopped.Task.WaitAsync(ct);
            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }
}
