using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Lineage.Storage;

/// <summary>Append-only JSON-lines blobs (a model's history and trials): one <see cref="LineageJson"/> object per line.</summary>
public static class JsonLines
{
    /// <summary>
    /// The blob's lines and its length (the append position a conditional append must match); no lines and length −1
    /// when the blob does not exist.
    /// </summary>
    /// <exception cref="InvalidDataException">A line is JSON null.</exception>
    public static async Task<(List<T> Lines, long Length)> ReadAsync<T>(BlobContainerClient container, string blobName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        BlobDownloadResult download;
        try
        {
            download = (await container.GetBlobClient(blobName).DownloadContentAsync(cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return ([], -1);
        }

        var lines = download.Content.ToString()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonSerializer.Deserialize<T>(line, LineageJson.Options) ?? throw new InvalidDataException($"{blobName} has an empty line."))
            .ToList();
        return (lines, download.Details.ContentLength);
    }
}
