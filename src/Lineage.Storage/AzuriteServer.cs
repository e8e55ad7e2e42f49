using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Lineage.Storage;

public sealed class AzuriteOptions
{
    /// <summary>Folder for persistent data (local runs); null keeps everything in memory (tests).</summary>
    public string? Location { get; set; }

    /// <summary>Where to start looking for <c>node_modules/.bin/azurite</c>; default <see cref="AppContext.BaseDirectory"/>.</summary>
    public string? SearchFrom { get; set; }

    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Azurite (blob, queue, table) started from the project's own <c>node_modules</c> (<c>npm ci</c> at the
/// repository root) on free loopback ports. Disposing stops it (SIGINT, then kill). If this process dies
/// without disposing, a watchdog preloaded into Azurite's node process stops it, so no orphan is left.
/// </summary>
public sealed partial class AzuriteServer : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's fixed, publicly documented development key.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string WatchdogScript = """
        // Stops Azurite when the .NET process that started it is gone (its parent pid changes).
        const parent = Number(process.env.LINEAGE_AZURITE_PARENT_PID);
        if (parent > 0) {
          setInterval(() => {
            if (process.ppid !== parent) {
              process.kill(process.pid, 'SIGINT');
              setTimeout(() => process.exit(1), 5000).unref();
            }
          }, 500).unref();
        }
        """;

    private readonly Process _process;
    private readonly StringBuilder _output;
    private int _disposed;

    private AzuriteServer(Process process, StringBuilder output, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        _output = output;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string ConnectionString => string.Create(
        CultureInfo.InvariantCulture,
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};");

    /// <summary>Finds <c>node_modules/.bin/azurite</c> in <paramref name="searchFrom"/> or any parent folder.</summary>
    /// <exception cref="FileNotFoundException">Not installed; the message says to run <c>npm ci</c>.</exception>
    public static string FindExecutable(string? searchFrom = null)
    {
        var start = Path.GetFullPath(searchFrom ?? AppContext.BaseDirectory);
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "node_modules", ".bin", "azurite");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(
            $"Azurite is not installed: no node_modules/.bin/azurite in '{start}' or any parent folder. " +
            "Run 'npm ci' in the repository root (package.json pins azurite).");
    }

    public static async Task<AzuriteServer> StartAsync(AzuriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AzuriteOptions();
        var executable = FindExecutable(options.SearchFrom);
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--silent", "--skipApiVersionCheck", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", "0",
            "--queueHost", "127.0.0.1", "--queuePort", "0",
            "--tableHost", "127.0.0.1", "--tablePort", "0",
        })
        {
            start.ArgumentList.Add(arg);
        }

        if (options.Location is { } location)
        {
            Directory.CreateDirectory(location);
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(Path.GetFullPath(location));
        }
        else
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }

        var watchdog = WriteWatchdog();
        var nodeOptions = Environment.GetEnvironmentVariable("NODE_OPTIONS");
        start.Environment["NODE_OPTIONS"] = $"{nodeOptions} --require {watchdog}".Trim();
        start.Environment["LINEAGE_AZURITE_PARENT_PID"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

        var output = new StringBuilder();
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
                if (ListeningLine().Match(e.Data) is { Success: true } m)
                {
                    ports[m.Groups["service"].Value] = int.Parse(m.Groups["port"].Value, CultureInfo.InvariantCulture);
                    if (ports.Count == 3)
                    {
                        ready.TrySetResult();
                    }
                }
            }
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException(
            $"Azurite ({executable}) exited with code {process.ExitCode} before it was ready. Output:\n{Snapshot(output)}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await ready.Task.WaitAsync(options.StartTimeout, cancellationToken);
            var server = new AzuriteServer(process, output, ports["Blob"], ports["Queue"], ports["Table"]);
            await server.WaitUntilAnsweringAsync(options.StartTimeout, cancellationToken);
            return server;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or InvalidOperationException or SocketException)
        {
            Stop(process, TimeSpan.FromSeconds(5));
            process.Dispose();
            if (ex is TimeoutException)
            {
                throw new TimeoutException(
                    $"Azurite ({executable}) did not report its three ports within {options.StartTimeout}. Output:\n{Snapshot(output)}", ex);
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await Task.Run(() => Stop(_process, TimeSpan.FromSeconds(10)));
        _process.Dispose();
    }

    /// <summary>What Azurite printed so far (startup lines, errors).</summary>
    public string Output => Snapshot(_output);

    [GeneratedRegex(@"Azurite (?<service>Blob|Queue|Table) service is successfully listening at http://[^:]+:(?<port>\d+)")]
    private static partial Regex ListeningLine();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SendSignal(int pid, int signal);

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    internal static string WriteWatchdog()
    {
        var bytes = Encoding.UTF8.GetBytes(WatchdogScript);
        var path = Path.Combine(Path.GetTempPath(), $"lineage-azurite-watchdog-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..12]}.js");
        if (!File.Exists(path))
        {
            var temp = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, path, overwrite: true);
        }

        return path;
    }

    /// <summary>SIGINT lets Azurite close its servers (and flush a persistent location); kill if it lingers.</summary>
    private static void Stop(Process process, TimeSpan grace)
    {
        if (process.HasExited)
        {
            return;
        }

        const int sigint = 2;
        if (!OperatingSystem.IsWindows())
        {
            _ = SendSignal(process.Id, sigint);
        }

        if (!process.WaitForExit(grace))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(grace);
        }
    }

    private async Task WaitUntilAnsweringAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        foreach (var port in new[] { BlobPort, QueuePort, TablePort })
        {
            while (true)
            {
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync("127.0.0.1", port, deadline.Token);
                    break;
                }
                catch (SocketException) when (!deadline.IsCancellationRequested)
                {
                    await Task.Delay(50, deadline.Token);
                }
            }
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Stop(_process, TimeSpan.FromSeconds(3));
}
