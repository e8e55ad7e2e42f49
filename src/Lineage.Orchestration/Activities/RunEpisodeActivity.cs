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
/// and writes its experiences as one shard. Deterministic in its input: a retry writes the same shard.
/// </summary>
public sealed class RunEpisodeActivity(RunWorkspace workspace) : TaskActivity<EpisodeInput, EpisodeOutput>
{
    public override Task<EpisodeOutput> RunAsync(TaskActivityContext context, EpisodeInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<EpisodeOutput> ExecuteAsync(EpisodeInput input, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = LineageTelemetry.StartSpan(ActivityNames.RunEpisode, input.RunId, input.Iteration);
        await using var hold = await workspace.Locks.HoldAsync(input.RunId, cancellationToken);
        FaultInjection.FailEpisodeIfAsked(input);
        var record = await workspace.GetRunAsync(input.RunId, cancellationToken);
        var data = await workspace.GetDataAsync(record, cancellationToken);
        var policy = await workspace.GetPolicyAsync(input.RunId, input.CheckpointUpdate, cancellationToken);
        var environment = RunWorkspace.Environment(policy.Context, data.Train);

        var rng = new Rng(input.Seed);
        var steps = record.Run.StepsPerEpisode;
        var lastStart = Math.Max(environment.FirstStartIndex, environment.LastStartIndex - steps + 1);
        var start = environment.FirstStartIndex + rng.NextInt(lastStart - environment.FirstStartIndex + 1);
        var transitions = new List<Experience>(steps);
        var result = EpisodeRunner.Run(environment, start, steps, policy.Policy, input.Epsilon, rng, transitions);
        var experiences = NStepReturns.Apply(transitions, record.Run.NStep, record.Run.Dqn.Gamma);

        var shard = await workspace.Replay(input.RunId).WriteShardAsync(
            input.Iteration, input.Episode, experiences, environment.StateSize, cancellationToken);
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
}
