using System.Globalization;

namespace Lineage.Storage;

/// <summary>
/// Every blob name under <c>runs/{runId}/</c>, in one place: the run record, its start lock, checkpoints, replay buffer,
/// acting records, metrics, evaluations, the final record and the CLI's status copy. Run ids are validated first, so
/// no name can leave the run's folder.
/// </summary>
public static class RunBlobs
{
    public const string Root = "runs/";

    /// <summary><c>runs/{runId}/</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="runId"/> is not a valid run id.</exception>
    public static string Prefix(string runId) => RunId.Parse(runId).BlobPrefix;

    /// <summary>The run record PrepareRun writes when a run (re)starts.</summary>
    public static string Record(string runId) => Prefix(runId) + "run.json";

    /// <summary>The start lock that makes a second start of the same run a 409.</summary>
    public static string Lock(string runId) => Prefix(runId) + "lock.json";

    /// <summary>A completed run's selected checkpoint, scores and promotion decision.</summary>
    public static string Final(string runId) => Prefix(runId) + "final.json";

    /// <summary>The last Durable status, kept by the CLI for reports after the backend forgot the instance.</summary>
    public static string Status(string runId) => Prefix(runId) + "status.json";

    public static string Checkpoints(string runId) => Prefix(runId) + "checkpoints/";

    public static string Replay(string runId) => Prefix(runId) + "replay/";

    public static string Metrics(string runId, int iteration) =>
        Prefix(runId) + string.Create(CultureInfo.InvariantCulture, $"metrics/{iteration:D6}.json");

    public static string MetricsFolder(string runId) => Prefix(runId) + "metrics/";

    public static string Acting(string runId, int iteration) =>
        Prefix(runId) + string.Create(CultureInfo.InvariantCulture, $"acting/{iteration:D6}.json");

    public static string Evaluation(string runId, long update, string split) =>
        Prefix(runId) + string.Create(CultureInfo.InvariantCulture, $"evaluations/{update:D10}-{split}.json");

    /// <summary>Markers the crash-test hooks leave (reliability tests only).</summary>
    public static string Fault(string runId, string name) => Prefix(runId) + "faults/" + name;

    /// <summary>The run id of a blob under <see cref="Root"/>, or null for any other name.</summary>
    public static string? RunIdOf(string blobName)
    {
        if (!blobName.StartsWith(Root, StringComparison.Ordinal))
        {
            return null;
        }

        var slash = blobName.IndexOf('/', Root.Length);
        return slash < 0 ? null : blobName[Root.Length..slash];
    }
}
