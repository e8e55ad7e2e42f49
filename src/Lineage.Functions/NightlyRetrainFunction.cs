using Lineage.Storage;
using Lineage.Orchestration.Runs;
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
        var service = new RunService(new DurableClientAdapter(client), storage, loggerFactory.CreateLogger<RunService>());
        var response = await service.StartAsync(options.Value.ToTrainingRun(), cancellationToken);
        if (response.StatusCode == 202)
        {
            logger.LogInformation("Nightly retraining of run {RunId} started.", options.Value.RunId);
        }
        else
        {
            logger.LogInformation("Nightly retraining of run {RunId} not started ({Status}): {Body}", options.Value.RunId, response.StatusCode, response.Body);
        }
    }
}
