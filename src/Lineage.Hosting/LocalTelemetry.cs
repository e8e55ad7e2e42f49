using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Lineage.Orchestration.Telemetry;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Lineage.Hosting;

/// <summary>
/// Where a local process sends its OpenTelemetry logs, metrics and traces. Nothing by default: Azure Monitor when
/// <see cref="AzureMonitorConnectionString"/> is set, the console only when asked (it would interleave with the
/// CLI's progress display), and hooks for tests (in-memory exporters).
/// </summary>
public sealed record LocalTelemetryOptions
{
    /// <summary>Environment variable that turns on the console exporter for local runs ("1" or "true").</summary>
    public const string ConsoleVariable = "LINEAGE_TELEMETRY_CONSOLE";

    public string? AzureMonitorConnectionString { get; init; }

    /// <summary>APPLICATIONINSIGHTS_AUTHENTICATION_STRING; "Authorization=AAD" sends with an Entra ID token.</summary>
    public string? AzureMonitorAuthentication { get; init; }

    public bool Console { get; init; }

    public Action<MeterProviderBuilder>? ConfigureMetrics { get; init; }

    public Action<TracerProviderBuilder>? ConfigureTracing { get; init; }

    public Action<OpenTelemetryLoggerOptions>? ConfigureLogging { get; init; }

    /// <summary>Least severe level exported as OpenTelemetry logs (the caller's own logging keeps its filters).</summary>
    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Information;

    public bool Enabled =>
        !string.IsNullOrWhiteSpace(AzureMonitorConnectionString) || Console
        || ConfigureMetrics is not null || ConfigureTracing is not null || ConfigureLogging is not null;

    /// <summary>From APPLICATIONINSIGHTS_CONNECTION_STRING, APPLICATIONINSIGHTS_AUTHENTICATION_STRING and LINEAGE_TELEMETRY_CONSOLE.</summary>
    public static LocalTelemetryOptions FromEnvironment() => new()
    {
        AzureMonitorConnectionString = Environment.GetEnvironmentVariable(ApplicationInsightsAuthentication.ConnectionStringSettingName),
        AzureMonitorAuthentication = Environment.GetEnvironmentVariable(ApplicationInsightsAuthentication.SettingName),
        Console = Environment.GetEnvironmentVariable(ConsoleVariable) is { } value
            && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase)),
    };
}

/// <summary>The OpenTelemetry providers of a local process, listening to the "Lineage" Meter and ActivitySource.</summary>
public sealed class LocalTelemetry : IDisposable
{
    private readonly MeterProvider? _meters;
    private readonly TracerProvider? _tracer;
    private readonly ILoggerFactory? _ownedLoggerFactory;

    private LocalTelemetry(MeterProvider? meters, TracerProvider? tracer, ILoggerFactory? ownedLoggerFactory, ILoggerFactory loggerFactory)
    {
        _meters = meters;
        _tracer = tracer;
        _ownedLoggerFactory = ownedLoggerFactory;
        LoggerFactory = loggerFactory;
    }

    /// <summary>The caller's logger factory, or one that writes to it and to the OpenTelemetry log exporters.</summary>
    public ILoggerFactory LoggerFactory { get; }

    public static LocalTelemetry Start(LocalTelemetryOptions options, ILoggerFactory callerLoggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(callerLoggerFactory);
        if (!options.Enabled)
        {
            return new LocalTelemetry(null, null, null, callerLoggerFactory);
        }

        var azureMonitor = !string.IsNullOrWhiteSpace(options.AzureMonitorConnectionString);
        var credential = azureMonitor ? Credential(options.AzureMonitorAuthentication) : null;
        void ConfigureAzureMonitor(AzureMonitorExporterOptions o)
        {
            o.ConnectionString = options.AzureMonitorConnectionString;
            o.Credential = credential;
        }

        var resource = ResourceBuilder.CreateDefault().AddService("lineage-local");

        var meters = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(LineageTelemetry.Name);
        var tracer = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(LineageTelemetry.Name);
        if (azureMonitor)
        {
            meters.AddAzureMonitorMetricExporter(ConfigureAzureMonitor);
            tracer.AddAzureMonitorTraceExporter(ConfigureAzureMonitor);
        }

        if (options.Console)
        {
            meters.AddConsoleExporter();
            tracer.AddConsoleExporter();
        }

        options.ConfigureMetrics?.Invoke(meters);
        options.ConfigureTracing?.Invoke(tracer);

        // Loggers from this factory write to the caller's (with its own filters) and to the OpenTelemetry exporters.
        var loggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            logging.AddProvider(new ForwardingLoggerProvider(callerLoggerFactory));
            logging.AddOpenTelemetry(o =>
            {
                o.SetResourceBuilder(resource);
                o.IncludeFormattedMessage = true;
                if (azureMonitor)
                {
                    o.AddAzureMonitorLogExporter(ConfigureAzureMonitor);
                }

                if (options.Console)
                {
                    o.AddConsoleExporter();
                }

                options.ConfigureLogging?.Invoke(o);
            });
            logging.AddFilter<OpenTelemetryLoggerProvider>(null, options.MinimumLogLevel);
            // The Durable engine and the Azure SDK log every poll and request at Information.
            logging.AddFilter<OpenTelemetryLoggerProvider>("DurableTask", LogLevel.Warning);
            logging.AddFilter<OpenTelemetryLoggerProvider>("Azure", LogLevel.Warning);
        });

        return new LocalTelemetry(meters.Build(), tracer.Build(), loggerFactory, loggerFactory);
    }

    /// <summary>Exports what was recorded so far (metrics are otherwise exported once a minute).</summary>
    public void Flush()
    {
        _meters?.ForceFlush();
        _tracer?.ForceFlush();
    }

    public void Dispose()
    {
        // Disposing the providers exports what is still buffered.
        _ownedLoggerFactory?.Dispose();
        _tracer?.Dispose();
        _meters?.Dispose();
    }

    private static TokenCredential? Credential(string? authentication)
    {
        var parsed = ApplicationInsightsAuthentication.Parse(authentication);
        if (!parsed.UseEntraId)
        {
            return null;
        }

        return parsed.ManagedIdentityClientId is { } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();
    }

    private sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

        public void Dispose()
        {
            // The caller owns its factory.
        }
    }
}
