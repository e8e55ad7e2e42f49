using System.Globalization;
using Lineage.Orchestration.Training;
using Lineage.Storage;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// A crash-test hook for the reliability tests, off unless the environment variable is set: with
/// <c>LINEAGE_FAULT_HANG_AFTER_SHARD={runId}/{iteration}/{episode}</c> that episode writes its shard, leaves a
/// marker blob, and then never completes, so a test can kill the worker in exactly that window.
/// </summary>
internal static class FaultInjection
{
    public const string HangAfterShardVariable = "LINEAGE_FAULT_HANG_AFTER_SHARD";

    /// <summary>Comma-separated <c>{runId}/{iteration}/{episode}</c> list of episodes that always fail.</summary>
    public const string FailEpisodeVariable = "LINEAGE_FAULT_FAIL_EPISODE";

    public static void FailEpisodeIfAsked(EpisodeInput input)
    {
        var targets = Environment.GetEnvironmentVariable(FailEpisodeVariable);
        if (!string.IsNullOrEmpty(targets) && targets.Split(',').Contains(Key(input)))
        {
            throw new InvalidOperationException($"Injected failure of episode {Key(input)} ({FailEpisodeVariable}).");
        }
    }

    public static async Task HangAfterShardIfAskedAsync(RunWorkspace workspace, EpisodeInput input, CancellationToken cancellationToken)
    {
        var target = Environment.GetEnvironmentVariable(HangAfterShardVariable);
        if (string.IsNullOrEmpty(target)
            || target != Key(input))
        {
            return;
        }

        await workspace.WriteJsonAsync(
            RunBlobs.Fault(input.RunId, string.Create(CultureInfo.InvariantCulture, $"hung-{input.Iteration}-{input.Episode}.json")),
            new { input.RunId, input.Iteration, input.Episode, Environment.ProcessId },
            cancellationToken);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private static string Key(EpisodeInput input) =>
        string.Create(CultureInfo.InvariantCulture, $"{input.RunId}/{input.Iteration}/{input.Episode}");
}
