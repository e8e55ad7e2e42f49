using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Lineage.Storage;

namespace Lineage.Orchestration.Populations;

/// <summary>What happened to a member at a round: it started, survived its ranking, or exploited a donor (and explored).</summary>
public static class LineageEventKinds
{
    public const string Started = "started";
    public const string Survived = "survived";
    public const string Exploited = "exploited";
}

/// <summary>
/// One event of a population's family tree. <see cref="Id"/> is the event's identity (<c>r{round}-m{member}</c>): written at
/// most once however often an activity is retried or an orchestrator replays. <see cref="Generation"/> counts the exploits
/// in the member's line; <see cref="Parent"/> is the donor it copied (null when it kept its own weights). <see cref="Score"/>
/// is the member's validation return that ranked it at the end of the previous round; <see cref="CheckpointUpdate"/> the
/// checkpoint the member goes on from (an exploit's: its latest + 1, holding the donor's checkpoint <see cref="DonorUpdate"/>).
/// </summary>
public sealed record LineageEvent(
    string Id,
    int Round,
    int Member,
    int Generation,
    int? Parent,
    string Kind,
    MemberHyperparameters Hyperparameters,
    string? Mutation,
    double? Score,
    long? CheckpointUpdate,
    long? DonorUpdate = null)
{
    public static string IdOf(int round, int member) => $"r{round}-m{member}";
}

/// <summary>A population's lineage: every event, in the order appended.</summary>
public sealed record LineageRecord(string PopulationId, IReadOnlyList<LineageEvent> Events)
{
    /// <summary>Each member's latest event (its current generation and hyperparameters), by member index.</summary>
    public IReadOnlyDictionary<int, LineageEvent> Latest() =>
        Events.GroupBy(e => e.Member).ToDictionary(g => g.Key, g => g.MaxBy(e => e.Round)!);
}

/// <summary>
/// The lineage record's blob (<see cref="PopulationBlobs.Lineage"/>): append-only, each write conditional on the ETag it read
/// (If-Match, or If-None-Match * for the first), so concurrent or retried appends never lose or duplicate an event.
/// </summary>
public sealed class LineageStore(BlobContainerClient container)
{
    private const int MaxAttempts = 20;

    public async Task<LineageRecord?> ReadAsync(string populationId, CancellationToken cancellationToken = default) =>
        (await ReadWithETagAsync(Blob(populationId), cancellationToken)).Record;

    /// <summary>
    /// Appends the events whose ids the record does not hold yet, in order; returns the record as written. An event whose id
    /// is already there is skipped (a retry), so every event is recorded exactly once.
    /// </summary>
    /// <exception cref="InvalidOperationException">The record kept changing under this writer for <see cref="MaxAttempts"/> tries.</exception>
    public async Task<LineageRecord> AppendAsync(string populationId, IReadOnlyList<LineageEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Select(e => e.Id).Distinct(StringComparer.Ordinal).Count() != events.Count)
        {
            throw new ArgumentException("Lineage events to append must have distinct ids.", nameof(events));
        }

        var blob = Blob(populationId);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var (current, etag) = await ReadWithETagAsync(blob, cancellationToken);
            var known = current?.Events.Select(e => e.Id).ToHashSet(StringComparer.Ordinal) ?? [];
            var fresh = events.Where(e => !known.Contains(e.Id)).ToList();
            if (current is not null && fresh.Count == 0)
            {
                return current;
            }

            var next = new LineageRecord(populationId, [.. current?.Events ?? [], .. fresh]);
            try
            {
                await blob.UploadAsync(
                    BinaryData.FromObjectAsJson(next, LineageJson.Options),
                    new BlobUploadOptions { Conditions = etag is { } e ? new BlobRequestConditions { IfMatch = e } : new BlobRequestConditions { IfNoneMatch = ETag.All } },
                    cancellationToken);
                return next;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another writer appended first: read again and add what is still missing.
            }
        }

        throw new InvalidOperationException($"The lineage record of population '{populationId}' kept changing under this writer ({MaxAttempts} attempts).");
    }

    private BlobClient Blob(string populationId) => container.GetBlobClient(PopulationBlobs.Lineage(populationId));

    private static async Task<(LineageRecord? Record, ETag? ETag)> ReadWithETagAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var download = (await blob.DownloadContentAsync(cancellationToken)).Value;
            var record = download.Content.ToObjectFromJson<LineageRecord>(LineageJson.Options)
                ?? throw new InvalidDataException($"{blob.Name} is empty.");
            return (record, download.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (null, null);
        }
    }
}
