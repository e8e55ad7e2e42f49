using System.Collections.Concurrent;
using Azure;

namespace Lineage.Storage;

/// <summary>
/// Local copies of shard blobs keyed by blob name and ETag, so a learner that reloads the replay window each
/// iteration downloads only the shards it has not seen. Entries are verified against the manifest's hash on use.
/// </summary>
public interface IShardCache
{
    bool TryGet(string name, ETag etag, out byte[] bytes);

    void Put(string name, ETag etag, byte[] bytes);

    /// <summary>Drops every entry of <paramref name="name"/> (for example after a hash mismatch).</summary>
    void Remove(string name);

    /// <summary>
    /// Drops every entry whose name is not in <paramref name="names"/> (the manifest's live shards): evicted shards never come
    /// back, so without this a long-lived worker's cache would grow with every shard it ever read or wrote.
    /// </summary>
    void Retain(IReadOnlySet<string> names);
}

public sealed class InMemoryShardCache : IShardCache
{
    private readonly ConcurrentDictionary<(string Name, ETag ETag), byte[]> _entries = new();

    public int Count => _entries.Count;

    public bool TryGet(string name, ETag etag, out byte[] bytes) => _entries.TryGetValue((name, etag), out bytes!);

    public void Put(string name, ETag etag, byte[] bytes) => _entries[(name, etag)] = bytes;

    public void Remove(string name)
    {
        foreach (var key in _entries.Keys.Where(k => k.Name == name))
        {
            _entries.TryRemove(key, out _);
        }
    }

    public void Retain(IReadOnlySet<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var key in _entries.Keys.Where(k => !names.Contains(k.Name)))
        {
            _entries.TryRemove(key, out _);
        }
    }
}

/// <summary>Shard cache in a local folder (e.g. the function's temp disk), one file per name+ETag.</summary>
public sealed class DirectoryShardCache : IShardCache
{
    private readonly string _directory;

    public DirectoryShardCache(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
    }

    public bool TryGet(string name, ETag etag, out byte[] bytes)
    {
        var path = PathOf(name, etag);
        try
        {
            bytes = File.ReadAllBytes(path);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // Not cached, or removed meanwhile (Retain or Remove by a concurrent load): a miss, and the caller downloads.
            bytes = [];
            return false;
        }
    }

    public void Put(string name, ETag etag, byte[] bytes)
    {
        // Write then rename so a concurrent reader never sees half a file.
        var path = PathOf(name, etag);
        var temp = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }

    public void Remove(string name)
    {
        foreach (var file in Directory.EnumerateFiles(_directory, $"{SafeName(name)}@*"))
        {
            File.Delete(file);
        }
    }

    public void Retain(IReadOnlySet<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var kept = names.Select(SafeName).ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(_directory))
        {
            var fileName = Path.GetFileName(file);
            var at = fileName.LastIndexOf('@');
            // Temporary files of a concurrent Put and foreign files are left alone.
            if (at > 0 && !fileName.EndsWith(".tmp", StringComparison.Ordinal) && !kept.Contains(fileName[..at]))
            {
                File.Delete(file);
            }
        }
    }

    private string PathOf(string name, ETag etag) =>
        Path.Combine(_directory, $"{SafeName(name)}@{Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(etag.ToString()))}");

    private static string SafeName(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_'));
}
