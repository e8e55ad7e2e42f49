using Lineage.Orchestration.Api;
using Lineage.Orchestration.Runs;
using Lineage.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lineage.Functions;

/// <summary>
/// Nightly retraining: continue the fixed-id run from its latest checkpoint on the configured dataset.
/// If that run is still running, the start lock answers 409 and the timer does nothing.
/// </summary>
public sealed class NightlyRetrainFunction(RunStorage storage, IOptions<NightlyOptions> options, ILoggerFactory loggerFactory)
{
    [Function("NightlyRetrain")]
    public async Task Run(
        [TimerTrigger("%Lineage__Nightly__Schedule%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger<NightlyRetrainFunction>();
        var service = HttpFunctions.Runs(client, storage, loggerFactory);
        var response = await service.StartAsync(options.Value.ToTrainingRun(), cancellationToken);
        if (response.Outcome == ApiOutcome.Accepted)
        {
            NightlyLog.Started(logger, options.Value.RunId);
        }
        else
        {
            NightlyLog.NotStarted(logger, options.Value.RunId, response.Outcome, (response.Body as ErrorBody)?.Error ?? "");
        }
    }
}

internal static partial class NightlyLog
{
    [LoggerMessage(1, LogLevel.Information, "Nightly retraining of run {RunId} started.")]
    public static partial void Started(ILogger logger, string runId);

    [LoggerMessage(2, LogLevel.Information, "Nightly retraining of run {RunId} not started ({Status}): {Reason}")]
    public static partial void NotStarted(ILogger logger, string runId, ApiOutcome status, string reason);
}
