using System.Diagnostics;
using System.Reflection;

namespace Lineage.Infra.Tests;

public sealed record BicepResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>The Bicep CLI the build installed (tools/BicepCli/BicepCli.targets), run as a process.</summary>
public static class BicepCli
{
    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    public static string InfraFolder { get; } = Path.Combine(RepositoryRoot, "infra");

    public static string ExecutablePath { get; } = Metadata("BicepPath");

    public static async Task<BicepResult> RunAsync(params string[] arguments)
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new FileNotFoundException($"Bicep CLI not installed at '{ExecutablePath}'; build tests/Lineage.Infra.Tests to install it.", ExecutablePath);
        }

        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Offline and quiet: no telemetry, no update checks.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{ExecutablePath}'.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new BicepResult(process.ExitCode, await stdout, await stderr);
    }

    private static string Metadata(string key) =>
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing; see Lineage.Infra.Tests.csproj.");
}
