using Lineage.IntegrationTests.Learning;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Training;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Telemetry;

/// <summary>A real run exports OpenTelemetry metrics, logs and spans that agree with what the run persisted.</summary>
[Collection(TorchCollection.Name)]
public sealed class TrainingTelemetryTests(TelemetryRunFixture run, ITestOutputHelper output) : IClassFixture<TelemetryRunFixture>
{
    private int EpisodesPlanned => run.Run.Iterations * run.Run.EpisodesPerIteration;

    [Fact]
    public void TheRunCompletes()
    {
        Assert.Equal(RunRuntimeStatus.Completed, run.Result.Status);
        Assert.Equal(run.Run.Iterations, run.Iterations.Count);
        var duration = run.Point("lineage.episode.duration");
        var loss = run.Point("lineage.train.loss");
        output.WriteLine(
            $"exported: {run.Point("lineage.episodes").GetSumLong()} episodes, mean episode {duration.GetHistogramSum() / duration.GetHistogramCount() * 1000:F1} ms, " +
            $"{run.Point("lineage.train.updates").GetSumLong()} updates, last update rate {run.Point("lineage.train.update_rate").GetGaugeLastValueDouble():F0}/s, " +
            $"mean loss {loss.GetHistogramSum() / loss.GetHistogramCount():G4}, replay {run.Point("lineage.replay.size").GetGaugeLastValueLong()}, " +
            $"{run.Logs.Count} log records, {run.Spans.Count} spans");
    }

    [Fact]
    public void EpisodeCounterCountsEveryEpisodePlayed()
    {
        Assert.Equal(EpisodesPlanned, run.Point("lineage.episodes").GetSumLong());
        Assert.Equal(run.Iterations.Sum(i => i.Acting.ExperiencesAdded), run.Point("lineage.episode.experiences").GetSumLong());
    }

    [Fact]
    public void EpisodeDurationIsRecordedOncePerEpisodeAndIsPositive()
    {
        var duration = run.Point("lineage.episode.duration");
        Assert.Equal(EpisodesPlanned, duration.GetHistogramCount());
        Assert.InRange(duration.GetHistogramSum(), 1e-6, 600);
    }

    [Fact]
    public void UpdateCounterMatchesTheUpdatesTrained()
    {
        var trained = run.Iterations.Sum(i => i.Train.UpdatesDone);
        Assert.True(trained > 0, "the small run should train");
        Assert.Equal(trained, run.Point("lineage.train.updates").GetSumLong());
        Assert.Equal(run.Run.Iterations, run.Point("lineage.train.duration").GetHistogramCount());
        Assert.True(run.Point("lineage.train.update_rate").GetGaugeLastValueDouble() > 0);
    }

    [Fact]
    public void LossHistogramHoldsEveryUpdateLoss()
    {
        var losses = run.Iterations.SelectMany(i => i.LossPerUpdate).Select(l => (double)l).ToList();
        var loss = run.Point("lineage.train.loss");
        Assert.Equal(losses.Count, loss.GetHistogramCount());
        Assert.True(double.IsFinite(loss.GetHistogramSum()) && loss.GetHistogramSum() > 0, $"loss sum {loss.GetHistogramSum()}");
        Assert.Equal(losses.Sum(), loss.GetHistogramSum(), 6);
    }

    [Fact]
    public void ReplaySizeGaugeEndsAtTheBufferSize()
    {
        Assert.Equal(run.Iterations[^1].BufferCount, run.Point("lineage.replay.size").GetGaugeLastValueLong());
    }

    [Fact]
    public void ProgressGaugesReachTheLastIteration()
    {
        Assert.Equal(run.Run.Iterations - 1, run.Point("lineage.run.iteration").GetGaugeLastValueLong());
        Assert.Equal(1.0, run.Point("lineage.run.progress").GetGaugeLastValueDouble());
    }

    [Fact]
    public void EvaluationReturnIsTaggedWithTheSplit()
    {
        var splits = run.Points("lineage.evaluation.return")
            .Select(p => (string?)TelemetryRunFixture.TagValue(p, "lineage.split"))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal([Splits.Test, Splits.Validation], splits);
        Assert.All(run.Points("lineage.evaluation.return"), p => Assert.True(double.IsFinite(p.GetGaugeLastValueDouble())));
    }

    [Fact]
    public void LogsAreExportedWithStructuredRunId()
    {
        List<CapturedLog> logs;
        lock (run.Logs)
        {
            logs = [.. run.Logs];
        }

        var prepared = Assert.Single(logs, l => l.Message?.StartsWith($"Run {run.Run.RunId} prepared on", StringComparison.Ordinal) == true);
        Assert.Equal(LogLevel.Information, prepared.Level);
        Assert.Equal(run.Run.RunId, prepared.Attributes["RunId"]);
    }

    [Fact]
    public void OrchestratorLogsEachIterationOnceDespiteReplays()
    {
        List<CapturedLog> logs;
        lock (run.Logs)
        {
            logs = [.. run.Logs];
        }

        var iterations = logs.Where(l => l.Category == typeof(TrainingOrchestrator).FullName && l.Attributes.ContainsKey("Episodes")).ToList();
        Assert.Equal(Enumerable.Range(0, run.Run.Iterations), iterations.Select(l => Convert.ToInt32(l.Attributes["Iteration"], System.Globalization.CultureInfo.InvariantCulture)).Order());
    }

    [Fact]
    public void EveryEpisodeActivityIsASuccessfulSpan()
    {
        var episodes = run.Spans.Where(s => s.DisplayName == ActivityNames.RunEpisode && (string?)s.GetTagItem("lineage.run_id") == run.Run.RunId).ToList();
        Assert.Equal(EpisodesPlanned, episodes.Count);
        Assert.All(episodes, s => Assert.Equal(System.Diagnostics.ActivityStatusCode.Ok, s.Status));
    }
}
