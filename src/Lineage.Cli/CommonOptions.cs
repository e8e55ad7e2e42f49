using System.CommandLine;
using System.Text.Json;
using Lineage.Hosting;
using Lineage.Orchestration.Runs;
using Lineage.Storage;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Lineage.Cli;

internal sealed record CommonSettings(DurableBackendKind Backend, string? Storage, string AzuriteFolder, string TaskHub, bool Verbose, int WorkItemTimeoutSeconds = 300, int LeaseSeconds = 30, string Container = "lineage");

/// <summary>Options every command that touches storage or the Durable backend shares.</summary>
internal static class CommonOptions
{
    private static readonly Option<DurableBackendKind> Backend = new("--backend")
    {
        Description = "embedded (in-process, default) or azurestorage (DurableTask.AzureStorage over the same storage: survives crashes, extra workers can join)",
        DefaultValueFactory = _ => DurableBackendKind.Embedded,
        CustomParser = result => result.Tokens.Single().Value.ToLowerInvariant() switch
        {
            "embedded" => DurableBackendKind.Embedded,
            "azurestorage" => DurableBackendKind.AzureStorage,
            var other => Fail(result, other),
        },
    };

    private static readonly Option<string?> Storage = new("--storage")
    {
        Description = "Storage connection string (an Azurite you run, or an Azure account); default: start the project's Azurite",
    };

    private static readonly Option<string> AzuriteFolder = new("--azurite-folder")
    {
        Description = "Where the self-started Azurite persists data (so runs can resume)",
        DefaultValueFactory = _ => Path.Combine(".lineage", "azurite"),
    };

    private static readonly Option<string> TaskHub = new("--task-hub")
    {
        Description = "Durable task hub name (letters and digits) for the azurestorage backend",
        DefaultValueFactory = _ => "lineage",
    };

    private static readonly Option<bool> Verbose = new("--verbose") { Description = "Log activity and storage details" };

    private static readonly Option<string> Container = new("--container")
    {
        Description = "Blob container holding runs, replay buffers and checkpoints",
        DefaultValueFactory = _ => "lineage",
    };

    private static readonly Option<int> WorkItemTimeout = new("--work-item-timeout")
    {
        Description = "azurestorage backend: seconds before a crashed worker's work item is retried elsewhere",
        DefaultValueFactory = _ => 300,
    };

    private static readonly Option<int> LeaseSeconds = new("--lease-seconds")
    {
        Description = "azurestorage backend: partition lease length; how soon a crashed worker's orchestrations move",
        DefaultValueFactory = _ => 30,
    };

    /// <summary>`--snr` of train and experiment: <see cref="TrainingRun.SyntheticSignalToNoise"/>, one definition for both.</summary>
    public static Option<double?> SignalToNoise(string appliesTo) => new("--snr")
    {
        Description = "Synthetic trend / meanrev signal-to-noise, in (0, 2]: trend per-bar drift / volatility (default 0.25), " +
            "meanrev one-bar reversion at one stationary SD / volatility, √(θ/(2−θ)) (default θ 0.1 ≈ 0.229); default: the generator's. " + appliesTo,
    };

    public static void AddTo(Command command)
    {
        command.Options.Add(Backend);
        command.Options.Add(Storage);
        command.Options.Add(AzuriteFolder);
        command.Options.Add(TaskHub);
        command.Options.Add(Verbose);
        command.Options.Add(Container);
        command.Options.Add(WorkItemTimeout);
        command.Options.Add(LeaseSeconds);
    }

    public static CommonSettings Read(ParseResult parse) => new(
        parse.GetValue(Backend),
        parse.GetValue(Storage) ?? Environment.GetEnvironmentVariable("LINEAGE_STORAGE"),
        parse.GetValue(AzuriteFolder)!,
        parse.GetValue(TaskHub)!,
        parse.GetValue(Verbose),
        Math.Max(5, parse.GetValue(WorkItemTimeout)),
        Math.Max(5, parse.GetValue(LeaseSeconds)),
        parse.GetValue(Container)!);

    /// <summary>The training run of a --config file (the HTTP body's JSON), or defaults; null after printing why it can't be read.</summary>
    public static async Task<TrainingRun?> ReadConfigAsync(FileInfo? file, CancellationToken cancellationToken)
    {
        if (file is null)
        {
            return new TrainingRun();
        }

        try
        {
            return JsonSerializer.Deserialize<TrainingRun>(await File.ReadAllTextAsync(file.FullName, cancellationToken), LineageJson.Strict) ?? new TrainingRun();
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Cannot read --config:[/] {ex.Message}");
            return null;
        }
    }

    public static ILoggerFactory CreateLoggerFactory(CommonSettings settings) =>
        LoggerFactory.Create(builder => builder
            .SetMinimumLevel(settings.Verbose ? LogLevel.Information : LogLevel.Warning)
            .AddFilter("DurableTask", settings.Verbose ? LogLevel.Warning : LogLevel.Error)
            .AddFilter("Azure", LogLevel.Error)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            }));

    public static Task<LocalRuntime> StartRuntimeAsync(CommonSettings settings, ILoggerFactory loggerFactory, CancellationToken cancellationToken, bool runWorker = true) =>
        LocalRuntime.StartAsync(
            new LocalRuntimeOptions
            {
                StorageConnectionString = settings.Storage,
                AzuriteFolder = settings.AzuriteFolder,
                Backend = settings.Backend,
                TaskHub = settings.TaskHub,
                RunWorker = runWorker,
                ContainerName = settings.Container,
                Durable = new DurableBackendOptions
                {
                    WorkItemVisibilityTimeout = TimeSpan.FromSeconds(settings.WorkItemTimeoutSeconds),
                    LeaseInterval = TimeSpan.FromSeconds(settings.LeaseSeconds),
                },
            },
            loggerFactory,
            cancellationToken);

    private static DurableBackendKind Fail(System.CommandLine.Parsing.ArgumentResult result, string value)
    {
        result.AddError($"--backend must be 'embedded' or 'azurestorage', not '{value}'.");
        return default;
    }
}
