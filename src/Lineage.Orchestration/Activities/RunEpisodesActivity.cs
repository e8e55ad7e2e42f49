using Lineage.Orchestration.Training;
using Microsoft.DurableTask;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// An actor (<see cref="Runs.TrainingRun.EpisodesPerActivity"/> &gt; 1): plays several episodes of one iteration in order, each
/// exactly as <see cref="RunEpisodeActivity"/> would (its own seed, ε and shard), under one hold on the run's lock, so the lock
/// check, the cached run record's read and the dispatch are paid once. Deterministic in its input: a retry rewrites the same shards.
/// </summary>
public sealed class RunEpisodesActivity(RunWorkspace workspace) : TaskActivity<ActorInput, ActorOutput>
{
    public override Task<ActorOutput> RunAsync(TaskActivityContext context, ActorInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<ActorOutput> ExecuteAsync(ActorInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Episodes is not { Count: > 0 } episodes || episodes.Any(e => e.RunId != episodes[0].RunId || e.Iteration != episodes[0].Iteration))
        {
            throw new ArgumentException("An actor plays one or more episodes of one run and iteration.", nameof(input));
        }

        await using var hold = await workspace.Locks.HoldAsync(episodes[0].RunId, cancellationToken);
        var outputs = new List<EpisodeOutput>(episodes.Count);
        foreach (var episode in episodes)
        {
            outputs.Add(await RunEpisodeActivity.PlayAsync(workspace, episode, cancellationToken));
        }

        return new ActorOutput(outputs);
    }
}
