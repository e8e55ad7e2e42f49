using Lineage.Storage;

namespace Lineage.IntegrationTests.Orchestration;

/// <summary>An in-memory Azurite started from the repository's node_modules for one test class.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private int _hubs;

    public AzuriteServer Server { get; private set; } = null!;

    public string ConnectionString => Server.ConnectionString;

    public async Task InitializeAsync() => Server = await AzuriteServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A fresh task hub per test, so no test waits for another's leases.</summary>
    public string NewTaskHub() => $"hub{Environment.ProcessId}x{Interlocked.Increment(ref _hubs)}";

    /// <summary>A fresh container per test so tests share no blobs.</summary>
    public string NewContainer() => $"c{Interlocked.Increment(ref _hubs):D3}-{Guid.NewGuid():N}"[..24];
}
