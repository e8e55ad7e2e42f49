namespace Lineage.Orchestration.Telemetry;

/// <summary>
/// Event names of the log lines the Azure Monitor alerts in infra/modules/alerts.bicep look for. The Azure Monitor
/// exporter puts a log's event name in <c>customDimensions.EventName</c>, whatever its message says; the infra tests
/// compile this file in and check each alert query names these exact strings. Nothing here may depend on anything.
/// </summary>
public static class OperationsEvents
{
    /// <summary>A training orchestration ended with an exception (<c>traces</c>, Error).</summary>
    public const string TrainingRunFailed = "TrainingRunFailed";

    /// <summary>The nightly timer asked for a start and the run API refused it: a 409 (still running) or a 400 (<c>traces</c>, Warning).</summary>
    public const string NightlyStartRefused = "NightlyStartRefused";

    /// <summary>The nightly timer's start threw (<c>exceptions</c>, Error: the exporter files a log with an exception there).</summary>
    public const string NightlyStartFailed = "NightlyStartFailed";

    /// <summary>The nightly timer scheduled the run (<c>traces</c>, Information).</summary>
    public const string NightlyStarted = "NightlyStarted";

    /// <summary>
    /// Every nightly firing: how many nights the nightly model has gone without a champion/challenger decision, measured
    /// in storage (<c>customDimensions.NightsWithoutDecision</c>), because a log alert cannot look back more than two days.
    /// </summary>
    public const string NightlyPromotionStatus = "NightlyPromotionStatus";

    /// <summary>The champion/challenger rule decided on a candidate (promoted or not) (<c>traces</c>, Information).</summary>
    public const string PromotionDecided = "PromotionDecided";
}
