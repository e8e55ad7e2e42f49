namespace Lineage.Storage;

/// <summary>
/// Every blob name under <c>populations/{id}/</c> (issue 19, population-based training), in one place. Population ids
/// follow the run-id rules, so no name can leave the folder; the members' own runs live under <c>runs/{id}-m{k}/</c>
/// (<see cref="MemberRunId"/>).
/// </summary>
public static class PopulationBlobs
{
    public const string Root = "populations/";

    /// <summary>Longest population id: its member run ids (<c>-m</c> and up to three digits) must still be run ids.</summary>
    public const int MaxIdLength = RunId.MaxLength - 5;

    /// <summary>Null when <paramref name="candidate"/> is a valid population id, otherwise why it is not.</summary>
    public static string? Validate(string? candidate) =>
        RunId.Validate(candidate) is { } error
            ? error.Replace("Run id", "Population id", StringComparison.Ordinal)
            : candidate!.Length > MaxIdLength
                ? $"Population id '{candidate}' is {candidate.Length} characters long; the maximum is {MaxIdLength} (its members' runs are named {{id}}-m{{k}})."
                : null;

    /// <summary><c>populations/{id}/</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is not a valid population id.</exception>
    public static string Prefix(string id) =>
        Validate(id) is { } error ? throw new ArgumentException(error, nameof(id)) : Root + id + "/";

    /// <summary>The lineage record: every member, generation, parent, hyperparameters, mutation and score (append-only).</summary>
    public static string Lineage(string id) => Prefix(id) + "lineage.json";

    /// <summary>The request it was first started with (a resume must repeat it).</summary>
    public static string Request(string id) => Prefix(id) + "request.json";

    /// <summary>The start lock: the run locks' rules, in the population's folder.</summary>
    public static string Lock(string id) => Prefix(id) + "lock.json";

    /// <summary>The finished population's result: its candidate, test evaluation and gate decision.</summary>
    public static string Result(string id) => Prefix(id) + "result.json";

    /// <summary>The population orchestration's Durable instance id (a run id can never be it: runs have no colon).</summary>
    public static string InstanceId(string id) => "population:" + id;

    /// <summary>Member <paramref name="runId"/>'s training sub-orchestration in round <paramref name="round"/> (one instance per round).</summary>
    public static string MemberInstanceId(string runId, int round) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{runId}:r{round}");

    /// <summary>What a member run's lock names as its owner: the population (a walk-forward's fold names the walk-forward's bare id).</summary>
    public static string Owner(string id) => OwnerPrefix + id;

    /// <summary>The population a run lock's <paramref name="owner"/> names, or null when it names a walk-forward.</summary>
    public static string? PopulationOf(string owner) =>
        owner.StartsWith(OwnerPrefix, StringComparison.Ordinal) ? owner[OwnerPrefix.Length..] : null;

    private const string OwnerPrefix = "population:";

    /// <summary>Member <paramref name="member"/>'s run id: derived from the population's, so no other start can claim it.</summary>
    public static string MemberRunId(string id, int member)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(member);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(member, 999);
        _ = Prefix(id); // validates the id
        return $"{id}-m{member.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
    }
}
