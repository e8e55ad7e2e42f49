using System.Globalization;

namespace Lineage.Storage;

/// <summary>
/// Every blob name under <c>walkforward/{id}/</c>, in one place: the request a walk-forward was started with, its start
/// lock, one result per finished fold and the summary. Walk-forward ids follow the run-id rules (validated first), so
/// no name can leave the folder; the folds' own runs live under <c>runs/{id}-f{k}/</c> (<see cref="FoldRunId"/>).
/// </summary>
public static class WalkForwardBlobs
{
    public const string Root = "walkforward/";

    /// <summary>Longest walk-forward id: its fold run ids (<c>-f</c> and up to two digits) must still be run ids.</summary>
    public const int MaxIdLength = RunId.MaxLength - 4;

    /// <summary>Null when <paramref name="candidate"/> is a valid walk-forward id, otherwise why it is not.</summary>
    public static string? Validate(string? candidate) =>
        RunId.Validate(candidate) is { } error
            ? error.Replace("Run id", "Walk-forward id", StringComparison.Ordinal)
            : candidate!.Length > MaxIdLength
                ? $"Walk-forward id '{candidate}' is {candidate.Length} characters long; the maximum is {MaxIdLength} (its fold runs are named {{id}}-f{{k}})."
                : null;

    /// <summary><c>walkforward/{id}/</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is not a valid walk-forward id.</exception>
    public static string Prefix(string id) =>
        Validate(id) is { } error ? throw new ArgumentException(error, nameof(id)) : Root + id + "/";

    /// <summary>The request of the first start; a resume must send the same one.</summary>
    public static string Request(string id) => Prefix(id) + "request.json";

    /// <summary>The start lock that makes a second start of a running walk-forward a 409.</summary>
    public static string Lock(string id) => Prefix(id) + "lock.json";

    /// <summary>A finished fold's out-of-sample result (per-bar returns included): a restart does not redo that fold.</summary>
    public static string Fold(string id, int index) =>
        Prefix(id) + string.Create(CultureInfo.InvariantCulture, $"folds/{index:D2}.json");

    public static string Summary(string id) => Prefix(id) + "summary.json";

    /// <summary>The run of fold <paramref name="index"/>: derived from the walk-forward id, reserved for it when it starts.</summary>
    public static string FoldRunId(string id, int index) => string.Create(CultureInfo.InvariantCulture, $"{id}-f{index}");

    /// <summary>
    /// The walk-forward's Durable instance id. The ':' cannot occur in a run id, so no training run's instance can take it.
    /// </summary>
    public static string InstanceId(string id) => "walkforward:" + id;
}
