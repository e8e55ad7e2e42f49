using System.Diagnostics;
using System.Diagnostics.Metrics;
using Lineage.Orchestration.Telemetry;

namespace Lineage.Cli;

/// <summary>
/// When this process's first training step completed: listens, in-process, for the first measurement of the training
/// steps' duration instrument (<see cref="LineageTelemetry.TrainDurationName"/>, recorded by the TrainStep activity once its
/// step is persisted). With the process's start-up it gives the cold start, a fresh process to its first completed
/// TrainStep (issue 18's cold-start figure). Null until a step completes in this process.
/// </summary>
internal sealed class FirstTrainStep : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Stopwatch _clock;
    private long _firstTicks = -1;

    public FirstTrainStep(Stopwatch clock)
    {
        _clock = clock;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // By name: the instruments are published while LineageTelemetry's static fields are still being assigned.
            if (instrument.Meter.Name == LineageTelemetry.Name && instrument.Name == LineageTelemetry.TrainDurationName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.CompareExchange(ref _firstTicks, _clock.Elapsed.Ticks, -1));
        _listener.Start();
    }

    /// <summary>The clock's reading when the first step completed, or null if none has.</summary>
    public TimeSpan? At => Interlocked.Read(ref _firstTicks) is var ticks and >= 0 ? TimeSpan.FromTicks(ticks) : null;

    public void Dispose() => _listener.Dispose();
}
