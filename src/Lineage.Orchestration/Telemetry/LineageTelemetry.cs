using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Lineage.Orchestration.Telemetry;

/// <summary>
/// The "Lineage" Meter and ActivitySource, and every instrument the training emits. Only activities record
/// (the orchestrator replays, so anything it emitted would be counted again on every replay). Hosts subscribe by
/// name (<see cref="Name"/>) with OpenTelemetry; nothing is collected or exported unless a host listens.
/// Every measurement carries the run id, so one run's series can be told from another's.
/// </summary>
public static class LineageTelemetry
{
    public const string Name = "Lineage";

    public const string RunIdTag = "lineage.run_id";

    public const string SplitTag = "lineage.split";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Episodes = Meter.CreateCounter<long>(
        "lineage.episodes", "{episode}", "Episodes played and written to the replay buffer as shards.");

    public static readonly Histogram<double> EpisodeDuration = Meter.CreateHistogram<double>(
        "lineage.episode.duration", "s", "Wall time of one episode activity: load policy and data, play, write the shard.");

    public static readonly Counter<long> Experiences = Meter.CreateCounter<long>(
        "lineage.episode.experiences", "{experience}", "Experiences (environment steps) produced by episodes.");

    public static readonly Histogram<double> EpisodeReward = Meter.CreateHistogram<double>(
        "lineage.episode.reward", "1", "Total reward of one episode.");

    public static readonly Gauge<long> ReplaySize = Meter.CreateGauge<long>(
        "lineage.replay.size", "{experience}", "Experiences live in the run's replay buffer.");

    public static readonly Counter<long> Updates = Meter.CreateCounter<long>(
        "lineage.train.updates", "{update}", "Gradient updates applied by training steps.");

    /// <summary>The name of <see cref="TrainDuration"/> (a constant, so a listener can match it while the instruments are created).</summary>
    public const string TrainDurationName = "lineage.train.duration";

    public static readonly Histogram<double> TrainDuration = Meter.CreateHistogram<double>(
        TrainDurationName, "s", "Wall time of the update loop of one training step (buffer load and checkpoint excluded).");

    public static readonly Gauge<double> UpdateRate = Meter.CreateGauge<double>(
        "lineage.train.update_rate", "{update}/s", "Updates per second of the latest training step's update loop.");

    public static readonly Histogram<double> Loss = Meter.CreateHistogram<double>(
        "lineage.train.loss", "1", "TD loss of each gradient update.");

    public static readonly Gauge<long> Iteration = Meter.CreateGauge<long>(
        "lineage.run.iteration", "{iteration}", "Latest iteration whose training step completed.");

    public static readonly Gauge<double> Progress = Meter.CreateGauge<double>(
        "lineage.run.progress", "1", "Fraction of the run's planned iterations completed, 0 to 1.");

    public static readonly Gauge<double> EvaluationReturn = Meter.CreateGauge<double>(
        "lineage.evaluation.return", "1", "Greedy return of the latest evaluated checkpoint on a split.");

    /// <summary>A span for one activity execution; the caller marks success with <see cref="Succeeded"/>.</summary>
    public static Activity? StartSpan(string activityName, string runId, int iteration)
    {
        var span = ActivitySource.StartActivity(activityName, ActivityKind.Internal);
        span?.SetTag(RunIdTag, runId);
        span?.SetTag("lineage.iteration", iteration);
        return span;
    }

    /// <summary>Marks a span OK; a span left unset ended with an exception.</summary>
    public static void Succeeded(Activity? span) => span?.SetStatus(ActivityStatusCode.Ok);

    public static void EpisodeCompleted(string runId, TimeSpan duration, int experiences, double totalReward)
    {
        var run = RunTag(runId);
        Episodes.Add(1, run);
        EpisodeDuration.Record(duration.TotalSeconds, run);
        Experiences.Add(experiences, run);
        EpisodeReward.Record(totalReward, run);
    }

    public static void ReplaySizeObserved(string runId, long size) => ReplaySize.Record(size, RunTag(runId));

    public static void UpdateCompleted(string runId, double loss) => Loss.Record(loss, RunTag(runId));

    public static void TrainStepCompleted(string runId, int updates, TimeSpan updateLoop, int iteration, int firstIteration, int plannedIterations)
    {
        var run = RunTag(runId);
        Updates.Add(updates, run);
        TrainDuration.Record(updateLoop.TotalSeconds, run);
        if (updates > 0 && updateLoop > TimeSpan.Zero)
        {
            UpdateRate.Record(updates / updateLoop.TotalSeconds, run);
        }

        Iteration.Record(iteration, run);
        var done = iteration + 1 - firstIteration;
        Progress.Record(Math.Clamp((double)done / Math.Max(1, plannedIterations), 0, 1), run);
    }

    public static void Evaluated(string runId, string split, double agentReturn) =>
        EvaluationReturn.Record(agentReturn, RunTag(runId), new KeyValuePair<string, object?>(SplitTag, split));

    private static KeyValuePair<string, object?> RunTag(string runId) => new(RunIdTag, runId);
}
