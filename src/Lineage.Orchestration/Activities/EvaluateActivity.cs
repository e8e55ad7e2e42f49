using Lineage.Core.Episodes;
using Lineage.Core.MarketData;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.DurableTask;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// Scores a checkpoint greedily on a split against buy-and-hold, flat, random (20 seeds) and, on synthetic
/// markets, the reference policy, all over the whole split (the bankruptcy floor flattens the agent to cash instead
/// of ending its evaluation; <see cref="EvaluateOutput.AgentHitFloorAt"/> says where). Validation scores are recorded with the checkpoint for selection and retention.
/// </summary>
public sealed class EvaluateActivity(RunWorkspace workspace) : TaskActivity<EvaluateInput, EvaluateOutput>
{
    public override Task<EvaluateOutput> RunAsync(TaskActivityContext context, EvaluateInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<EvaluateOutput> ExecuteAsync(EvaluateInput input, CancellationToken cancellationToken)
    {
        using var span = LineageTelemetry.StartSpan(ActivityNames.Evaluate, input.RunId, input.Iteration);
        var record = await workspace.GetRunAsync(input.RunId, cancellationToken);
        var data = await workspace.GetDataAsync(record, cancellationToken);
        var policy = await workspace.GetPolicyAsync(input.RunId, input.CheckpointUpdate, cancellationToken);
        var report = Evaluate(policy, data.Split(input.Split), record.Run.Dataset, record.Run.Seed);
        await workspace.WriteJsonAsync(RunBlobs.Evaluation(input.RunId, input.CheckpointUpdate, input.Split), report, cancellationToken);
        if (input.Split == Splits.Validation)
        {
            await workspace.Checkpoints(input.RunId).RecordScoreAsync(input.CheckpointUpdate, report.Agent.Roi, cancellationToken);
        }

        LineageTelemetry.Evaluated(input.RunId, input.Split, report.Agent.Roi);
        LineageTelemetry.Succeeded(span);
        return Summarize(input, report);
    }

    public static EvaluationReport Evaluate(LoadedPolicy policy, PriceSeries series, string dataset, ulong seed)
    {
        var environment = RunWorkspace.Environment(policy.Context, series);
        var reference = dataset.StartsWith(DatasetLoader.SyntheticPrefix, StringComparison.Ordinal)
            ? ReferencePolicies.For(dataset[DatasetLoader.SyntheticPrefix.Length..], policy.Context.Features, policy.Context.Normalizer)
            : null;
        return Evaluator.Evaluate(policy.Policy, environment, randomSeeds: 20, seed: seed, referencePolicy: reference);
    }

    public static EvaluateOutput Summarize(EvaluateInput input, EvaluationReport report) => new(
        input.Split,
        input.Iteration,
        input.CheckpointUpdate,
        report.Agent.Roi,
        report.Agent.Sharpe,
        report.Agent.MaxDrawdown,
        report.Agent.Trades,
        report.BuyAndHold.Roi,
        report.Flat.Roi,
        report.Random.MeanRoi,
        report.Random.StdRoi,
        report.Reference?.Roi,
        report.Agent.HitFloorAt,
        report.BuyAndHold.HitFloorAt,
        report.Random.FloorHits);
}
