using Microsoft.Extensions.Logging;

namespace Lineage.Orchestration.Telemetry;

/// <summary>Source-generated log messages of the model lifecycle.</summary>
internal static partial class ModelsLog
{
    [LoggerMessage(101, LogLevel.Information, "Model {Model}: candidate run {RunId} update {Update} promoted={Promoted} (Sharpe {Candidate} vs champion {Champion}): {Reason}", EventName = OperationsEvents.PromotionDecided)]
    public static partial void Decided(ILogger logger, string model, string runId, long update, bool promoted, double candidate, double? champion, string reason);

    [LoggerMessage(102, LogLevel.Warning, "Model {Model}: the champion changed while deciding on run {RunId} (attempt {Attempt}); deciding again")]
    public static partial void ChampionChangedMeanwhile(ILogger logger, string model, string runId, int attempt);

    [LoggerMessage(103, LogLevel.Information, "Retention deleted run {RunId} ({Blobs} blobs, last active {LastActive:O})")]
    public static partial void RunDeleted(ILogger logger, string runId, int blobs, DateTimeOffset lastActive);

    [LoggerMessage(104, LogLevel.Information, "Model {Model}: champion changed by {By} ({Action}) to run {RunId} update {Update}")]
    public static partial void ChampionChanged(ILogger logger, string model, string by, string action, string runId, long update);
}
