using Lineage.Orchestration.Runs;
using Lineage.Core.Episodes;
using Lineage.Core.Statistics;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.DurableTask;

namespace Lineage.Orchestration.Activities;

/// <summary>
/// Scores a checkpoint greedily on a split against buy-and-hold, flat, random (20 seeds), the best simple rule
/// (chosen on the validation split, whatever split is scored) and, on synthetic markets, the reference policy (and on the trend and mean-reverting ones the oracle that knows the generator's state), all over the
/// split's bars after its read-only history (the bankruptcy floor flattens the agent to cash instead of ending its evaluation;
/// <see cref="EvaluateOutput.AgentHitFloorAt"/> says where). Validation scores are recorded with the checkpoint for selection and retention.
/// </summary>
public sealed class EvaluateActivity(RunWorkspace workspace) : TaskActivity<EvaluateInput, EvaluateOutput>
{
    public override Task<EvaluateOutput> RunAsync(TaskActivityContext context, EvaluateInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<EvaluateOutput> ExecuteAsync(EvaluateInput input, CancellationToken cancellationToken)
    {
        using var span = LineageTelemetry.StartSpan(ActivityNames.Evaluate, input.RunId, input.Iteration);
        await using var hold = await workspace.Locks.HoldAsync(input.RunId, cancellationToken);
        var record = await workspace.GetRunAsync(input.RunId, cancellationToken);
        var data = await workspace.GetDataAsync(record, cancellationToken);
        var policy = await workspace.GetPolicyAsync(input.RunId, input.CheckpointUpdate, cancellationToken);
        // The bootstrap costs ~0.1–0.3 s at 10,000 draws: it runs for the test split, scored once per run, not for
        // the validation evaluation of every iteration (selection uses the point return).
        var draws = input.Split == Splits.Test ? record.Run.BootstrapDraws : 0;
        var report = Evaluate(policy, data, input.Split, record.Run.Dataset, record.Run.Seed, draws);
        await workspace.WriteJsonAsync(RunBlobs.Evaluation(input.RunId, input.CheckpointUpdate, input.Split), report, cancellationToken);
        if (input.Split == Splits.Validation)
        {
            CrashPoints.Reach(CrashPoints.EvaluateAfterReport, input.RunId);
            // Retention runs after the score is recorded: it must keep the orchestration's selected checkpoint, which on a resumed
            // run need not be the run's best ever (an earlier start may have scored higher) nor among the newest.
            await workspace.Checkpoints(input.RunId).RecordScoreAsync(input.CheckpointUpdate, report.Agent.Roi, input.Protect ?? [], cancellationToken);
            CrashPoints.Reach(CrashPoints.EvaluateAfterScore, input.RunId);
        }

        LineageTelemetry.Evaluated(input.RunId, input.Split, report.Agent.Roi);
        LineageTelemetry.Succeeded(span);
        return Summarize(input, report);
    }

    /// <summary>
    /// Scores <paramref name="policy"/> on split <paramref name="split"/> of <paramref name="data"/>: every policy from the same
    /// first bar, max(the split's read-only history, the features' warm-up), to its last. The best simple rule is chosen on the
    /// validation split's scored bars; both splits' rules warm up on their read-only history, so a long look-back acts from the first bar.
    /// </summary>
    /// <param name="bootstrapDraws">Paired stationary bootstrap draws for the excess figures; 0 to skip.</param>
    public static EvaluationReport Evaluate(LoadedPolicy policy, RunData data, string split, string dataset, ulong seed, int bootstrapDraws)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(dataset);
        var environment = RunWorkspace.Environment(policy.Context, data, split);
        var rule = SimpleRules.SelectOnValidation(RunWorkspace.Environment(policy.Context, data, Splits.Validation));
        var reference = dataset.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal)
            ? ReferencePolicies.For(dataset[DatasetReferences.Synthetic.Length..], policy.Context.Features, policy.Context.Normalizer)
            : null;
        return Evaluator.Evaluate(
            policy.Policy, environment, randomSeeds: 20, seed: seed, referencePolicy: reference, bestRule: rule, bootstrapDraws: bootstrapDraws);
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
        report.Random.FloorHits,
        report.BestRule?.Name,
        report.BestRule?.Metrics.Roi,
        report.BestRule?.Metrics.Sharpe,
        report.Bootstrap is { } b ? Uncertainty(b) : null,
        report.Agent.TimeLong,
        report.Agent.TimeShort,
        report.Agent.MeanAbsExposure,
        report.CorrelationWithBuyAndHold,
        report.Oracle?.Roi,
        report.BuyAndHold.Sharpe);

    private static BootstrapSummary Uncertainty(PairedBootstrapReport b)
    {
        var hold = b.Baselines[0];
        var rule = b.Baselines.Count > 1 ? b.Baselines[1] : null;
        return new BootstrapSummary(b.Bars, b.Draws, b.BlockLength, b.Confidence, hold.ExcessReturn, hold.ExcessSharpe, rule?.ExcessReturn, rule?.ExcessSharpe);
    }
}
