using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Lineage.Benchmarks.Harness;

/// <summary>Facts about the machine and the code under test, read from /proc and git at run time.</summary>
public static class Machine
{
    public static string CpuModel() =>
        ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";

    public static string TotalMemory()
    {
        var line = ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        if (line is null)
        {
            return "unknown";
        }

        var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"{kb / 1024.0 / 1024.0:F1} GiB");
    }

    public static string OperatingSystem()
    {
        var pretty = ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?[12..].Trim('"');
        var kernel = ReadLines("/proc/sys/kernel/osrelease").FirstOrDefault();
        return $"{pretty ?? RuntimeInformation.OSDescription}, kernel {kernel ?? "unknown"}";
    }

    /// <summary>The 1, 5 and 15 minute load averages: how busy the shared machine was.</summary>
    public static string LoadAverage()
    {
        var parts = ReadLines("/proc/loadavg").FirstOrDefault()?.Split(' ');
        return parts is { Length: >= 3 } ? $"{parts[0]} / {parts[1]} / {parts[2]}" : "unknown";
    }

    /// <summary>Peak resident set size (VmHWM) of a process, in bytes; null when /proc does not have it.</summary>
    public static long? PeakResidentBytes(int processId)
    {
        var line = ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Current resident set size (VmRSS) of a process, in bytes.</summary>
    public static long? ResidentBytes(int processId)
    {
        var line = ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public static string GitCommit(string repoRoot)
    {
        var head = Run("git", repoRoot, "rev-parse", "HEAD");
        // Others share this working tree: say how many tracked files differ from the commit, and whether any is the bench's own.
        var dirty = Run("git", repoRoot, "status", "--porcelain", "--untracked-files=no").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var bench = dirty.Count(l => l.Length > 3 && l[3..].StartsWith("bench/", StringComparison.Ordinal));
        return dirty.Length > 0 ? $"{head} (plus uncommitted changes in {dirty.Length} tracked file(s), {bench} of them under bench/)" : head;
    }

    /// <summary>The repository root: the nearest folder above the binary holding Lineage.Functions.sln.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lineage.Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Lineage.Functions.sln above {AppContext.BaseDirectory}; run the benchmarks from the repository's build output.");
    }

    public static string Run(string file, string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {stderr.Result.Trim()}");
        }

        return stdout.Result.Trim();
    }

    private static IEnumerable<string> ReadLines(string path) => File.Exists(path) ? File.ReadLines(path) : [];
}
