using System.CommandLine;
using System.Globalization;
using Lineage.Hosting;
using Spectre.Console;

namespace Lineage.Cli;

/// <summary>`lineage worker`: join an Azure Storage task hub and process its episodes and training steps.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var command = new Command("worker", "Join a task hub on the azurestorage backend as an extra worker (scale out); needs --storage.");
        CommonOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var settings = CommonOptions.Read(parse) with { Backend = DurableBackendKind.AzureStorage };
            if (settings.Storage is null)
            {
                AnsiConsole.MarkupLine("[red]worker needs --storage (or LINEAGE_STORAGE): the storage account whose task hub it joins.[/]");
                return 2;
            }

            using var signal = new StopSignal();
            using var loggerFactory = CommonOptions.CreateLoggerFactory(settings);
            await using var runtime = await CommonOptions.StartRuntimeAsync(settings, loggerFactory, ct);
            AnsiConsole.MarkupLineInterpolated($"Worker {Environment.ProcessId} joined task hub [cyan]{settings.TaskHub}[/]. Ctrl+C or SIGTERM to leave.");
            var received = await signal.Received;
            var (activities, steps) = runtime.Durable.ExecutionTotals;
            // Plain text, one line (no markup, no wrapping at the console width): process managers' logs keep it.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Worker {Environment.ProcessId} leaving task hub {settings.TaskHub} on {StopSignal.Name(received)}: executed {activities} activities and {steps} orchestration steps."));
            return 0;
        });
        return command;
    }
}
