using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Lineage.Core.MarketData;
using Lineage.Orchestration.Runs;

namespace Lineage.Orchestration.Datasets;

/// <summary>One immutable uploaded version of a dataset: <c>datasets/{name}/{version:D6}.csv</c>.</summary>
public sealed record DatasetVersion(
    string Name,
    int Version,
    string BlobName,
    long Bytes,
    string Sha256,
    int Rows,
    DateTimeOffset FirstBar,
    DateTimeOffset LastBar,
    DateTimeOffset UploadedAt,
    string UploadedBy)
{
    /// <summary>The concrete reference a run records: <c>blob:datasets/{name}/{version:D6}.csv</c>.</summary>
    public string Reference => DatasetReferences.Blob + BlobName;
}

/// <summary>What a push did: a new version, or the newest one unchanged when the content was identical.</summary>
public sealed record DatasetPushResult(DatasetVersion Version, bool Created);

/// <summary>A dataset reference resolved once, when a run is prepared.</summary>
public sealed record ResolvedDataset(string Requested, string Dataset, DatasetVersion? Version);

/// <summary>An upload that failed validation; nothing was written.</summary>
public sealed class DatasetRejectedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Versioned datasets in blob storage. A push is validated by the same loader as local files
/// (<see cref="CsvPriceLoader"/>) <em>before</em> anything is written, then stored under the next version number
/// with a create-only condition (If-None-Match: *), so a bad upload never becomes visible and two pushes
/// never share a version. Versions are immutable; <c>dataset:{name}</c> means the newest one.
/// </summary>
public sealed class DatasetRegistry(BlobContainerClient container)
{
    /// <summary>An upload needs at least this many rows (the bundled series' minimum).</summary>
    public const int MinRows = 100;

    /// <summary>Largest upload: the loader's limit (<see cref="CsvPriceLoader.MaxBytes"/>, 64 MB), so every push can be loaded.</summary>
    public const long MaxBytes = CsvPriceLoader.MaxBytes;

    private const int MaxAttempts = 10;
    private const string ShaKey = "sha256";
    private const string RowsKey = "rows";
    private const string FirstKey = "firstbar";
    private const string LastKey = "lastbar";
    private const string ByKey = "uploadedby";

    public BlobContainerClient Container => container;

    public static string Root(string name) => $"datasets/{name}/";

    public static string BlobName(string name, int version) =>
        string.Create(CultureInfo.InvariantCulture, $"datasets/{name}/{version:D6}.csv");

    /// <exception cref="DatasetRejectedException">The name or the content is invalid; the message says which and why.</exception>
    public async Task<DatasetPushResult> PushAsync(string name, ReadOnlyMemory<byte> content, string uploadedBy, CancellationToken cancellationToken)
    {
        if (ModelNames.Validate(name, "Dataset") is { } nameError)
        {
            throw new DatasetRejectedException(nameError);
        }

        var series = Validate(name, content);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var listed = await ListAsync(name, cancellationToken);
            var newest = listed.Count == 0 ? null : listed[^1];
            if (newest is not null && newest.Sha256 == sha)
            {
                return new DatasetPushResult(newest, Created: false);
            }

            var version = (newest?.Version ?? 0) + 1;
            var blob = container.GetBlobClient(BlobName(name, version));
            var metadata = new Dictionary<string, string>
            {
                [ShaKey] = sha,
                [RowsKey] = series.Count.ToString(CultureInfo.InvariantCulture),
                [FirstKey] = series.Times[0].ToString("O", CultureInfo.InvariantCulture),
                [LastKey] = series.Times[^1].ToString("O", CultureInfo.InvariantCulture),
                [ByKey] = AsciiOnly(uploadedBy),
            };
            try
            {
                var written = await blob.UploadAsync(
                    BinaryData.FromBytes(content),
                    new BlobUploadOptions
                    {
                        Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                        Metadata = metadata,
                        HttpHeaders = new BlobHttpHeaders { ContentType = "text/csv" },
                    },
                    cancellationToken);
                return new DatasetPushResult(
                    new DatasetVersion(name, version, blob.Name, content.Length, sha, series.Count, series.Times[0], series.Times[^1], written.Value.LastModified, metadata[ByKey]),
                    Created: true);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another push took this version number; take the next.
            }
        }

        throw new InvalidOperationException($"Dataset '{name}': {MaxAttempts} concurrent pushes took every version number tried; push again.");
    }

    /// <summary>Parses the upload exactly as a run will load it; throws <see cref="DatasetRejectedException"/> naming line, column and value.</summary>
    public static PriceSeries Validate(string name, ReadOnlyMemory<byte> content)
    {
        if (content.Length == 0)
        {
            throw new DatasetRejectedException($"Dataset '{name}': the upload is empty.");
        }

        if (content.Length > MaxBytes)
        {
            throw new DatasetRejectedException($"Dataset '{name}': the upload has {content.Length} bytes; the maximum is {MaxBytes} (64 MB).");
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content.Span);
        }
        catch (DecoderFallbackException ex)
        {
            throw new DatasetRejectedException($"Dataset '{name}': the upload is not UTF-8 text ({ex.Message}).", ex);
        }

        try
        {
            using var reader = new StringReader(text.TrimStart('\uFEFF'));
            return CsvPriceLoader.Parse(reader, $"dataset {name} (upload)", MinRows, name);
        }
        catch (PriceDataException ex)
        {
            throw new DatasetRejectedException($"Dataset '{name}' rejected: {ex.Message}", ex);
        }
        catch (ArgumentException ex)
        {
            throw new DatasetRejectedException($"Dataset '{name}' rejected: {ex.Message}", ex);
        }
    }

    /// <summary>Every version of <paramref name="name"/>, oldest first (empty when there is none).</summary>
    public async Task<IReadOnlyList<DatasetVersion>> ListAsync(string name, CancellationToken cancellationToken)
    {
        if (ModelNames.Validate(name, "Dataset") is { } nameError)
        {
            throw new ArgumentException(nameError, nameof(name));
        }

        var versions = new List<DatasetVersion>();
        var prefix = Root(name);
        try
        {
            await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix, Traits = BlobTraits.Metadata }, cancellationToken))
            {
                var file = item.Name[prefix.Length..];
                if (file.Length == 10 && file.EndsWith(".csv", StringComparison.Ordinal)
                    && int.TryParse(file.AsSpan(0, 6), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                {
                    versions.Add(FromItem(name, version, item));
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }

        return versions.OrderBy(v => v.Version).ToList();
    }

    /// <summary>Dataset names with at least one version.</summary>
    public async Task<IReadOnlyList<string>> ListNamesAsync(CancellationToken cancellationToken)
    {
        var names = new List<string>();
        try
        {
            await foreach (var item in container.GetBlobsByHierarchyAsync(new GetBlobsByHierarchyOptions { Prefix = "datasets/", Delimiter = "/" }, cancellationToken))
            {
                if (item.IsPrefix)
                {
                    names.Add(item.Prefix["datasets/".Length..].TrimEnd('/'));
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }

        return names;
    }

    /// <summary>
    /// Turns <c>dataset:{name}</c> into the newest version's concrete <c>blob:</c> reference; any other
    /// reference is returned as it is. Called once per run, in PrepareRun.
    /// </summary>
    /// <exception cref="FileNotFoundException">The dataset has no version.</exception>
    public async Task<ResolvedDataset> ResolveAsync(string dataset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!dataset.StartsWith(DatasetReferences.Registry, StringComparison.Ordinal))
        {
            return new ResolvedDataset(dataset, dataset, null);
        }

        var name = dataset[DatasetReferences.Registry.Length..];
        if (ModelNames.Validate(name, "Dataset") is { } nameError)
        {
            throw new ArgumentException(nameError, nameof(dataset));
        }

        var versions = await ListAsync(name, cancellationToken);
        var newest = (versions.Count == 0 ? null : versions[^1])
            ?? throw new FileNotFoundException($"Dataset '{name}' has no versions in container '{container.Name}'; push one with `lineage data push <file> --name {name}`.", Root(name));
        return new ResolvedDataset(dataset, newest.Reference, newest);
    }

    private static DatasetVersion FromItem(string name, int version, BlobItem item)
    {
        string Meta(string key) => item.Metadata.TryGetValue(key, out var v) ? v : "";
        DateTimeOffset Time(string key) => DateTimeOffset.TryParse(Meta(key), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : default;
        return new DatasetVersion(
            name,
            version,
            item.Name,
            item.Properties.ContentLength ?? 0,
            Meta(ShaKey),
            int.TryParse(Meta(RowsKey), NumberStyles.None, CultureInfo.InvariantCulture, out var rows) ? rows : 0,
            Time(FirstKey),
            Time(LastKey),
            item.Properties.LastModified ?? default,
            Meta(ByKey));
    }

    private static string AsciiOnly(string value)
    {
        var cleaned = new string([.. (value ?? "").Select(c => c is >= ' ' and <= '~' ? c : '?')]);
        return cleaned.Length > 200 ? cleaned[..200] : cleaned;
    }
}
