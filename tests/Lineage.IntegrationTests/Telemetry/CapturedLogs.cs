using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;

namespace Lineage.IntegrationTests.Telemetry;

/// <summary>One OpenTelemetry log record as an exporter sees it (the Azure Monitor one turns it into a trace or an exception).</summary>
internal sealed record ExportedLog(string Category, LogLevel Level, EventId EventId, string? Message, IReadOnlyDictionary<string, object?> Attributes, Exception? Exception)
{
    public object? this[string key] => Attributes.TryGetValue(key, out var value) ? value : null;
}

/// <summary>
/// An OpenTelemetry log exporter that keeps every record, for tests of the structured events the operations alerts read:
/// the event name a record carries here is what the Azure Monitor exporter writes to <c>customDimensions.EventName</c>.
/// </summary>
internal sealed class ExportedLogs : BaseExporter<LogRecord>
{
    private readonly List<ExportedLog> _logs = [];

    /// <summary>Plugs the capture into an OpenTelemetry logger (a <c>LocalTelemetryOptions.ConfigureLogging</c>).</summary>
    public void Configure(OpenTelemetryLoggerOptions options) => options.AddProcessor(new SimpleLogRecordExportProcessor(this));

    /// <summary>A logger factory whose only provider is OpenTelemetry with this capture.</summary>
    public ILoggerFactory Factory() => LoggerFactory.Create(builder => builder.AddOpenTelemetry(Configure).SetMinimumLevel(LogLevel.Information));

    /// <summary>The records with this event name.</summary>
    public IReadOnlyList<ExportedLog> Events(string eventName)
    {
        lock (_logs)
        {
            return [.. _logs.Where(l => l.EventId.Name == eventName)];
        }
    }

    public override ExportResult Export(in Batch<LogRecord> batch)
    {
        lock (_logs)
        {
            foreach (var record in batch)
            {
                var attributes = (record.Attributes ?? []).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
                _logs.Add(new ExportedLog(record.CategoryName ?? "", record.LogLevel, record.EventId, record.FormattedMessage, attributes, record.Exception));
            }
        }

        return ExportResult.Success;
    }
}
