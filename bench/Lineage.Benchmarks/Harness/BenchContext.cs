using Lineage.Storage;

namespace Lineage.Benchmarks.Harness;

/// <summary>What every section gets: the mode, where to write, the result set and a shared Azurite.</summary>
public sealed class BenchContext(bool quick, string repoRoot, string artifacts, ResultSet results) : IAsyncDisposable
{
    private AzuriteServer? _azurite;

    public bool Quick { get; } = quick;

    public string RepoRoot { get; } = repoRoot;

    public string Artifacts { get; } = artifacts;

    public ResultSet Results { get; } = results;

    /// <summary>Facts worth printing in the results' header (PyTorch version, BLAS, ...), filled in by sections.</summary>
    public Dictionary<string, string> Facts { get; } = new(StringComparer.Ordinal);

    /// <summary>Figures one section measured that a later one builds on (e.g. the end-to-end compute estimate).</summary>
    public Dictionary<string, double> Metrics { get; } = new(StringComparer.Ordinal);

    /// <summary>One in-memory Azurite from the repository's node_modules, started on first use.</summary>
    public async Task<AzuriteServer> AzuriteAsync() => _azurite ??= await AzuriteServer.StartAsync(new AzuriteOptions { SearchFrom = RepoRoot });

    public async ValueTask DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

/// <summary>A group of figures measured together.</summary>
public interface IBenchSection
{
    /// <summary>Short name used by --only.</summary>
    string Name { get; }

    Task RunAsync(BenchContext context);
}
