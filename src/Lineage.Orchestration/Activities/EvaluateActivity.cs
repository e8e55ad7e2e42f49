using Lineage.Orchestration.Runs;
using Lineage.Core.Episodes;
using Lineage.Core.MarketData;
using Lineage.Core.Statistics;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Telemetry;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Azure.Storage.Blobs;
using Microsoft.DurableTask;

namespace Lineage.Orchestration.Activities;

/// <summary>Closes just before a fold's validation block and just before the split being scored: the simple rules' warm-up.</summary>
public sealed record RuleHistory(double[] BeforeValidation, double[] BeforeScored);

/// <summary>
/// Scores a checkpoint greedily on a split against buy-and-hold, flat, random (20 seeds), the best simple rule
/// (chosen on the validation split, whatever split is scored) and, on synthetic markets, the reference policy (and on the trend and
/// mean-reverting ones the oracle that knows the generator's state), all over the whole split (the bankruptcy floor flattens the agent to cash instead
/// of ending its evaluation; <see cref="EvaluateOutput.AgentHitFloorAt"/> says where). Validation scores are recorded with the checkpoint for selection and retention.
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
        var history = await RuleHistoryAsync(record.Run, data, input.Split, workspace.Container, cancellationToken);
        var report = Evaluate(policy, data.Split(input.Split), data.Validation, record.Run.Dataset, record.Run.Seed, draws, history);
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

    /// <param name="validation">The run's validation split: the best simple rule is chosen there, then scored on <paramref name="series"/>.</param>
    /// <param name="bootstrapDraws">Paired stationary bootstrap draws for the excess figures; 0 to skip.</param>
    /// <param name="history">The simple rules' warm-up (<see cref="RuleHistoryAsync"/>); null: they read the split's own bars only.</param>
    public static EvaluationReport Evaluate(
        LoadedPolicy policy, PriceSeries series, PriceSeries validation, string dataset, ulong seed, int bootstrapDraws, RuleHistory? history = null)
    {
        var environment = RunWorkspace.Environment(policy.Context, series);
        var rule = SimpleRules.SelectOnValidation(RunWorkspace.Environment(policy.Context, validation), history: history?.BeforeValidation);
        var reference = dataset.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal)
            ? ReferencePolicies.For(dataset[DatasetReferences.Synthetic.Length..], policy.Context.Features, policy.Context.Normalizer)
            : null;
        return Evaluator.Evaluate(
            policy.Policy, environment, randomSeeds: 20, seed: seed, referencePolicy: reference, bestRule: rule, bootstrapDraws: bootstrapDraws, ruleHistory: history?.BeforeScored);
    }

    /// <summary>
    /// The simple rules' warm-up for a walk-forward fold: the closes of the whole series just before the validation block
    /// and just before the scored split (up to <see cref="SimpleRules.MaxWarmUpBars"/> each), so a rule with a long
    /// look-back acts from the first bar, as the agent does with its feature window. Only bars before each split: the
    /// rule never reads a bar after the one it acts on. Null for ordinary runs (their splits are scored on their own bars;
    /// a synthetic market's evaluation series are generated apart and have no bars before them).
    /// </summary>
    public static async Task<RuleHistory?> RuleHistoryAsync(TrainingRun run, RunData data, string split, BlobContainerClient? container, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(data);
        if (run.Fold is not { } fold)
        {
            return null;
        }

        var whole = await DatasetLoader.LoadWholeSeriesAsync(run, container, DatasetLoader.MinTrainRows(run), cancellationToken);
        var start = split switch
        {
            Splits.Test => fold.TestSplitStart,
            Splits.Validation => fold.ValidationStart,
            _ => 0,
        };
        var scored = data.Split(split);
        if (start + scored.Count > whole.Count || whole.Slice(start, scored.Count).Fingerprint() != scored.Fingerprint())
        {
            throw new InvalidDataException(
                $"Run '{run.RunId}': the {split} split is not bars [{start}, {start + scored.Count}) of '{run.Dataset}' as loaded now; its rule warm-up cannot be read.");
        }

        return new RuleHistory(Before(whole, fold.ValidationStart), Before(whole, start));
    }

    private static double[] Before(PriceSeries whole, int start)
    {
        var count = Math.Min(start, SimpleRules.MaxWarmUpBars);
        return whole.Close.AsSpan(start - count, count).ToArray();
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
        report.Oracle?.Roi);

    private static BootstrapSummary Uncertainty(PairedBootstrapReport b)
    {
        var hold = b.Baselines[0];
        var rule = b.Baselines.Count > 1 ? b.Baselines[1] : null;
        return new BootstrapSummary(b.Bars, b.Draws, b.BlockLength, b.Confidence, hold.ExcessReturn, hold.ExcessSharpe, rule?.ExcessReturn, rule?.ExcessSharpe);
    }
}
