using System.Diagnostics;
using Azure.Storage.Blobs;

namespace Lineage.Storage.Tests;

public class AzuriteServerTests
{
    [Fact]
    public void FindExecutable_NotInstalled_TellsToRunNpmCi()
    {
        var empty = Directory.CreateTempSubdirectory("lineage-no-azurite-").FullName;
        try
        {
            var ex = Assert.Throws<FileNotFoundException>(() => AzuriteServer.FindExecutable(empty));

            Assert.Contains("npm ci", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public async Task Dispose_StopsTheProcess()
    {
        var server = await AzuriteServer.StartAsync();
        var pid = server.ProcessId;

        await server.DisposeAsync();

        Assert.False(IsRunning(pid));
    }

    [Fact]
    public async Task Location_PersistsBlobsAcrossRestarts()
    {
        var folder = Directory.CreateTempSubdirectory("lineage-azurite-").FullName;
        try
        {
            await using (var first = await AzuriteServer.StartAsync(new AzuriteOptions { Location = folder }))
            {
                var container = new BlobServiceClient(first.ConnectionString).GetBlobContainerClient("persist");
                await container.CreateIfNotExistsAsync();
                await container.GetBlobClient("a.txt").UploadAsync(BinaryData.FromString("kept"));
            }

            await using var second = await AzuriteServer.StartAsync(new AzuriteOptions { Location = folder });
            var content = await new BlobServiceClient(second.ConnectionString).GetBlobContainerClient("persist").GetBlobClient("a.txt").DownloadContentAsync();

            Assert.Equal("kept", content.Value.Content.ToString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Watchdog_StopsAzurite_WhenItsParentDies()
    {
        // A shell stands in for a crashed host: it starts Azurite the way AzuriteServer does, then is killed.
        var executable = AzuriteServer.FindExecutable();
        var watchdog = AzuriteServer.WriteWatchdog();

        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"LINEAGE_AZURITE_PARENT_PID=$$ NODE_OPTIONS='--require {watchdog}' '{executable}' --silent --inMemoryPersistence --blobPort 0 --queuePort 0 --tablePort 0 & echo $!; wait");
        using var shell = Process.Start(start)!;
        var azuritePid = int.Parse(await shell.StandardOutput.ReadLineAsync() ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        await Task.Delay(1500);
        Assert.True(IsRunning(azuritePid));

        shell.Kill();
        await shell.WaitForExitAsync();

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (IsRunning(azuritePid) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.False(IsRunning(azuritePid));
    }

    private static bool IsRunning(int pid)
    {
        // A zombie (exited, not yet reaped) still has a /proc entry; its state is Z.
        var status = $"/proc/{pid}/status";
        return File.Exists(status) && !File.ReadLines(status).Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l.Contains('Z', StringComparison.Ordinal));
    }
}
