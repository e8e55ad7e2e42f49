using System.Diagnostics;
using Lineage.Hosting;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Lineage.IntegrationTests.Telemetry;

public sealed record CapturedLog(string Category, LogLevel Level, string? Message, IReadOnlyDictionary<string, object?> Attributes);

/// <summary>
/// One real small run (embedded Durable backend, Azurite, TorchSharp) with in-memory OpenTelemetry exporters plugged
/// into <see cref="LocalRuntime"/>; what was exported and what the run persisted are kept for the assertions.
/// </summary>
public sealed class TelemetryRunFixture : IAsyncLifetime
{
    private readonly List<MetricSnapshot> _metrics = [];

    public TrainingRun Run { get; } = TestRuns.Small("telemetry-" + Guid.NewGuid().ToString("N")[..8]);

    public RunInstance Result { get; private set; } = null!;

    /// <summary>The per-iteration metrics the training step persisted: the ground truth for the exported numbers.</summary>
    public IReadOnlyList<IterationMetrics> Iterations { get; private set; } = [];

    public List<CapturedLog> Logs { get; } = [];

    public List<Activity> Spans { get; } = [];

    public async Task InitializeAsync()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var runtime = await LocalRuntime.StartAsync(
            new LocalRuntimeOptions
            {
                StorageConnectionString = azurite.ConnectionString,
                TaskHub = "telemetry" + Environment.ProcessId,
                ContainerName = "telemetry",
                Telemetry = new LocalTelemetryOptions
                {
                    ConfigureMetrics = metrics => metrics.AddInMemoryExporter(_metrics),
                    ConfigureTracing = tracing => tracing.AddInMemoryExporter(Spans),
                    ConfigureLogging = logging => logging.AddProcessor(new SimpleLogRecordExportProcessor(new LogCapture(Logs))),
                },
            },
            NullLoggerFactory.Instance);
        try
        {
            Result = await TestRuns.RunToEndAsync(runtime, Run);
            var iterations = new List<IterationMetrics>();
            for (var i = 0; i < Run.Iterations; i++)
            {
                iterations.Add(await runtime.Workspace.ReadJsonAsync<IterationMetrics>(RunBlobs.Metrics(Run.RunId, i), CancellationToken.None)
                    ?? throw new InvalidOperationException($"Iteration {i} of run {Run.RunId} wrote no metrics."));
            }

            Iterations = iterations;
        }
        finally
        {
            // Disposing the runtime disposes its OpenTelemetry providers, which export what is still buffered.
            await runtime.DisposeAsync();
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The run's points of a metric in the last export (cumulative), keyed by the run id tag.</summary>
    public IReadOnlyList<MetricPoint> Points(string metricName)
    {
        var snapshot = _metrics.LastOrDefault(m => m.Name == metricName)
            ?? throw new InvalidOperationException($"Metric '{metricName}' was never exported; exported: {string.Join(", ", _metrics.Select(m => m.Name).Distinct())}");
        return snapshot.MetricPoints.Where(p => TagValue(p, LineageTelemetry.RunIdTag) as string == Run.RunId).ToList();
    }

    public MetricPoint Point(string metricName) => Assert.Single(Points(metricName));

    public static object? TagValue(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }

        return null;
    }

    private sealed class LogCapture(List<CapturedLog> logs) : BaseExporter<LogRecord>
    {
        public override ExportResult Export(in Batch<LogRecord> batch)
        {
            lock (logs)
            {
                foreach (var record in batch)
                {
                    var attributes = (record.Attributes ?? []).ToDictionary(a => a.Key, a => a.Value);
                    logs.Add(new CapturedLog(record.CategoryName ?? "", record.LogLevel, record.FormattedMessage, attributes));
                }
            }

            return ExportResult.Success;
        }
    }
}
