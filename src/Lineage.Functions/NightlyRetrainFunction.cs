using Lineage.Orchestration.Api;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Telemetry;
using Lineage.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lineage.Functions;

/// <summary>
/// Nightly retraining: continue the fixed-id run from its latest checkpoint on the configured dataset, or, with
/// <c>Lineage:Nightly:PopulationMembers</c> set, train the night's population (<see cref="NightlyOptions.ToPopulation"/>).
/// If that run or population is still running, the start lock answers 409 and the timer does nothing but say so. Every firing also
/// reports how many nights the nightly model has gone without a promotion decision. The operations alerts
/// (infra/modules/alerts.bicep) watch these lines (<see cref="OperationsEvents"/>).
/// </summary>
public sealed class NightlyRetrainFunction(RunStorage storage, RunLocks locks, ChampionStore champions, ModelSplitStore modelSplits, IOptions<NightlyOptions> options, ILoggerFactory loggerFactory, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    [Function("NightlyRetrain")]
    public async Task Run(
        [TimerTrigger("%Lineage__Nightly__Schedule%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger<NightlyRetrainFunction>();
        var nightly = options.Value;
        var service = HttpFunctions.Runs(client, storage, locks, modelSplits, loggerFactory);
        ApiResponse response;
        try
        {
            await storage.EnsureContainerAsync(cancellationToken);
            var status = await champions.PromotionStatusAsync(ModelNames.ForDataset(nightly.Dataset), cancellationToken);
            NightlyLog.PromotionStatus(logger, status.Model, status.NightsWithoutDecision, status.LastDecisionAt, status.Since);
            response = nightly.PopulationMembers > 0
                ? await service.Populations.StartAsync(nightly.ToPopulation(_time.GetUtcNow()), cancellationToken)
                : await service.StartAsync(nightly.ToTrainingRun(_time.GetUtcNow()), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The Functions host records the failed invocation too; this line names the run and feeds the alert.
            NightlyLog.StartFailed(logger, nightly.RunId, ex.Message, ex);
            throw;
        }

        var started = nightly.PopulationMembers > 0 ? nightly.ToPopulation(_time.GetUtcNow()).PopulationId : nightly.RunId;
        if (response.Outcome == ApiOutcome.Accepted)
        {
            NightlyLog.Started(logger, started);
        }
        else
        {
            NightlyLog.NotStarted(logger, started, response.Outcome, (response.Body as ErrorBody)?.Error ?? "");
        }
    }
}

internal static partial class NightlyLog
{
    [LoggerMessage(1, LogLevel.Information, "Nightly retraining of run {RunId} started.", EventName = OperationsEvents.NightlyStarted)]
    public static partial void Started(ILogger logger, string runId);

    [LoggerMessage(2, LogLevel.Warning, "Nightly retraining of run {RunId} not started ({Status}): {Reason}", EventName = OperationsEvents.NightlyStartRefused)]
    public static partial void NotStarted(ILogger logger, string runId, ApiOutcome status, string reason);

    [LoggerMessage(3, LogLevel.Error, "Nightly retraining of run {RunId} failed to start: {Error}", EventName = OperationsEvents.NightlyStartFailed)]
    public static partial void StartFailed(ILogger logger, string runId, string error, Exception exception);

    [LoggerMessage(4, LogLevel.Information, "Nightly model {Model}: {NightsWithoutDecision} nights without a promotion decision (last decision {LastDecisionAt:O}, counted since {Since:O})", EventName = OperationsEvents.NightlyPromotionStatus)]
    public static partial void PromotionStatus(ILogger logger, string model, int nightsWithoutDecision, DateTimeOffset? lastDecisionAt, DateTimeOffset since);
}
