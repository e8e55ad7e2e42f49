using System.Diagnostics;
using Lineage.Core.Episodes;
using Lineage.Core.Randomness;
using Lineage.Core.Replay;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.DurableTask;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// Plays one ε-greedy episode with a checkpoint's plain-C# policy on a seeded slice of the training split
/// and writes its experiences as one shard. With a training universe (<see cref="Runs.TrainingRun.Universe"/>) the episode's
/// seed first picks the asset, uniformly from the run's own training split and its members' bars, each through its own
/// normaliser. Deterministic in its input: a retry writes the same shard.
/// </summary>
public sealed class RunEpisodeActivity(RunWorkspace workspace) : TaskActivity<EpisodeInput, EpisodeOutput>
{
    public override Task<EpisodeOutput> RunAsync(TaskActivityContext context, EpisodeInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<EpisodeOutput> ExecuteAsync(EpisodeInput input, CancellationToken cancellationToken)
    {
        await using var hold = await workspace.Locks.HoldAsync(input.RunId, cancellationToken);
        return await PlayAsync(workspace, input, cancellationToken);
    }

    /// <summary>One episode under a hold the caller has: load (cached) run, data and policy, play, write the shard.</summary>
    internal static async Task<EpisodeOutput> PlayAsync(RunWorkspace workspace, EpisodeInput input, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = LineageTelemetry.StartSpan(ActivityNames.RunEpisode, input.RunId, input.Iteration);
        FaultInjection.FailEpisodeIfAsked(input);
        var record = await workspace.GetRunAsync(input.RunId, cancellationToken);
        var data = await workspace.GetDataAsync(record, cancellationToken);
        var policy = await workspace.GetPolicyAsync(input.RunId, input.CheckpointUpdate, cancellationToken);
        var rng = new Rng(input.Seed);
        var environment = EnvironmentFor(policy.Context, record, data, rng);
        var steps = record.Run.StepsPerEpisode;
        var lastStart = Math.Max(environment.FirstStartIndex, environment.LastStartIndex - steps + 1);
        var start = environment.FirstStartIndex + rng.NextInt(lastStart - environment.FirstStartIndex + 1);
        var transitions = new List<Experience>(steps);
        var result = EpisodeRunner.Run(environment, start, steps, policy.Policy, input.Epsilon, rng, transitions);
        var experiences = NStepReturns.Apply(transitions, record.Run.NStep, record.Run.Dqn.Gamma);

        var shard = await workspace.Replay(input.RunId).WriteShardAsync(
            input.Iteration, input.Episode, experiences, environment.StateSize, workspace.ShardCache(input.RunId), cancellationToken);
        CrashPoints.Reach(CrashPoints.EpisodeAfterShard, input.RunId);
        LineageTelemetry.EpisodeCompleted(input.RunId, Stopwatch.GetElapsedTime(started), experiences.Count, result.TotalReward);
        LineageTelemetry.Succeeded(span);
        await FaultInjection.HangAfterShardIfAskedAsync(workspace, input, cancellationToken);
        return new EpisodeOutput(
            shard,
            input.Iteration,
            input.Episode,
            experiences.Count,
            result.TotalReward,
            result.Metrics.Roi,
            result.Metrics.Trades,
            result.Metrics.Bankrupt);
    }

    /// <summary>
    /// The training environment an episode plays: the run's own training split, or with a universe the asset its seed draws
    /// first (index 0 the run's own split). Without a universe nothing is drawn, so the episode's stream is what it always was.
    /// </summary>
    internal static TradingEnvironment EnvironmentFor(CheckpointContext context, RunRecord record, Datasets.RunData data, Rng rng)
    {
        var asset = data.Universe.Count == 0 ? 0 : rng.NextInt(data.Universe.Count + 1);
        if (asset == 0)
        {
            return RunWorkspace.Environment(context, data.Train);
        }

        var member = data.Universe[asset - 1];
        var normalizer = record.UniverseNormalizers is { } normalizers && normalizers.TryGetValue(member.Dataset, out var found)
            ? found
            : throw new InvalidDataException(
                $"Run '{record.Run.RunId}' trains on universe member '{member.Dataset}' but its run record has no normaliser for it; resume the run to prepare it again.");
        return RunWorkspace.Environment(context, member.Train, normalizer: normalizer);
    }
}
