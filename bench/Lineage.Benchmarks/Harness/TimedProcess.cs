using System.Diagnostics;

namespace Lineage.Benchmarks.Harness;

/// <summary>A child process timed from its start to its exit, with its peak resident memory (VmHWM, polled).</summary>
public sealed record TimedProcessResult(TimeSpan Wall, long PeakRssBytes, string Output, string Error, int ExitCode);

public static class TimedProcess
{
    /// <summary>Runs <paramref name="info"/> to its exit; stdout and stderr are captured (and written to <paramref name="log"/>).</summary>
    public static async Task<TimedProcessResult> RunAsync(ProcessStartInfo info, string log)
    {
        ArgumentNullException.ThrowIfNull(info);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        while (!process.HasExited)
        {
            // VmHWM only grows: the last reading before exit is the process's peak (to within the poll interval).
            peak = Math.Max(peak, Machine.PeakResidentBytes(process.Id) ?? 0);
            await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(200));
        }

        var wall = clock.Elapsed;
        var output = await stdout;
        var error = await stderr;
        await File.WriteAllTextAsync(log, output + Environment.NewLine + error);
        return new TimedProcessResult(wall, peak, output, error, process.ExitCode);
    }
}
