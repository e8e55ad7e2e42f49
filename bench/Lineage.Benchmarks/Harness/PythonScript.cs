using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Lineage.Benchmarks.Harness;

/// <summary>
/// One of the bench's Python scripts (beside the binary), run to its end as a child process (timed, peak RSS, one thread's
/// passive OpenMP waits) whose last stdout line is its JSON report.
/// </summary>
public static class PythonScript
{
    public static async Task<(TimedProcessResult Process, JsonNode Report)> RunAsync(string python, string script, IEnumerable<string> arguments, string log)
    {
        var info = new ProcessStartInfo(python) { WorkingDirectory = AppContext.BaseDirectory };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, script));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment[ChildProcesses.OmpWaitPolicy] = "PASSIVE";
        var result = await TimedProcess.RunAsync(info, log);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} exited with {result.ExitCode}; output in {log}.");
        }

        var last = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return (result, (last is null ? null : JsonNode.Parse(last)) ?? throw new InvalidDataException($"{script} printed no report; output in {log}."));
    }
}
