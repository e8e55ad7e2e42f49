using System.Runtime.InteropServices;

namespace Lineage.Cli;

/// <summary>
/// SIGINT (Ctrl+C) and SIGTERM (what systemd, Kubernetes and other process managers send) for the commands that
/// stop gracefully — train, serve and worker — handled alike. The first signal is taken over (the process keeps
/// running) and reported through <see cref="Received"/>; a second one gets the default action and ends the
/// process at once. Program.cs turns System.CommandLine's own handling off for these commands: it would cancel
/// their token and force an exit after 2 s, in the middle of a training step.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private readonly Action<PosixSignal>? _onFirst;
    private readonly TaskCompletionSource<PosixSignal> _received = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cancellation = new();
    private int _count;

    /// <param name="onFirst">Runs on the signal thread when the first signal arrives (print, request a stop); keep it short.</param>
    public StopSignal(Action<PosixSignal>? onFirst = null)
    {
        _onFirst = onFirst;
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    /// <summary>Completes with the first signal received.</summary>
    public Task<PosixSignal> Received => _received.Task;

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>The conventional exit code of a process stopped by the signal received: 128 + its number (130 SIGINT, 143 SIGTERM); null before one.</summary>
    public int? ExitCode => _received.Task.IsCompleted
        ? 128 + (_received.Task.Result == PosixSignal.SIGINT ? 2 : 15)
        : null;

    public static string Name(PosixSignal signal) => signal == PosixSignal.SIGINT ? "Ctrl+C (SIGINT)" : "SIGTERM";

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _cancellation.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _count) != 1)
        {
            return;
        }

        context.Cancel = true;
        _onFirst?.Invoke(context.Signal);
        _received.TrySetResult(context.Signal);
        _cancellation.Cancel();
    }
}
