using System.Globalization;
using Lineage.Core.Episodes;
using Lineage.Core.MarketData;
using Lineage.Hosting;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Lineage.Storage;

namespace Lineage.Cli.WalkForwardRuns;

/// <summary>A walk-forward evaluation to run: one base training run, folded over its dataset's series.</summary>
internal sealed record WalkForwardPlan(string Name, TrainingRun BaseRun, WalkForwardOptions Options)
{
    public TrainingRun RunFor(WalkForwardFold fold, string stamp) => BaseRun with
    {
        RunId = string.Create(CultureInfo.InvariantCulture, $"wf-{Experiments.ExperimentMarkets.Slug(Experiments.ExperimentMarkets.ShortName(BaseRun.Dataset), 20)}-s{BaseRun.Seed}-{stamp}-f{fold.Index}"),
        Fold = fold,
        Resume = false,

        // Belt and braces: fold runs skip the gate (TrainingOrchestrator), and were they ever to reach it, it may not promote them.
        Promote = false,
    };
}

/// <summary>
/// Runs each fold as an ordinary training run on the local runtime (Durable orchestration, blob replay, checkpoints,
/// selection on the fold's validation block, one test evaluation of the selected checkpoint), one after another.
/// Fold runs never go to the champion gate (<see cref="TrainingRun.Fold"/>).
/// </summary>
internal static class WalkForwardRunner
{
    /// <summary>The folds of <paramref name="plan"/> over the series its dataset resolves to now.</summary>
    public static async Task<(TrainingRun BaseRun, PriceSeries Series, IReadOnlyList<WalkForwardFold> Folds)> LayOutAsync(
        LocalRuntime runtime, WalkForwardPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(plan);
        // A registry dataset is resolved once, here: every fold trains and tests on the same version.
        var resolved = await new DatasetRegistry(runtime.Workspace.Container).ResolveAsync(plan.BaseRun.Dataset, cancellationToken);
        var run = plan.BaseRun with { Dataset = resolved.Dataset };
        var minRows = run.StepsPerEpisode + run.Features.Window + 2;
        var series = await DatasetLoader.LoadWholeSeriesAsync(run, runtime.Workspace.Container, minRows, cancellationToken);
        return (run, series, WalkForward.Folds(series, plan.Options with { Features = run.Features }));
    }

    public static async Task<IReadOnlyList<FoldResult>> RunAsync(
        LocalRuntime runtime,
        WalkForwardPlan plan,
        PriceSeries series,
        IReadOnlyList<WalkForwardFold> folds,
        DirectoryInfo folder,
        Action<WalkForwardFold, TrainingRun> onStart,
        Action<FoldResult> onResult,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(folds);
        ArgumentNullException.ThrowIfNull(onStart);
        ArgumentNullException.ThrowIfNull(onResult);
        var stamp = DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        var runsFolder = new DirectoryInfo(Path.Combine(folder.FullName, "runs"));
        var results = new List<FoldResult>();
        foreach (var fold in folds)
        {
            var run = plan.RunFor(fold, stamp);
            var errors = TrainingRunValidator.Validate(run);
            if (errors.Count > 0)
            {
                throw new ArgumentException($"Fold {fold.Index} is not a valid run: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
            }

            onStart(fold, run);
            var (view, seconds) = await Experiments.ExperimentRunner.RunToEndAsync(runtime, run, cancellationToken);
            await RunReport.WriteAsync(runtime.Workspace, run.RunId, view, runsFolder, cancellationToken);
            var result = await ScoreAsync(runtime.Workspace, run, fold, series, view.Status, seconds, cancellationToken);
            results.Add(result);
            onResult(result);
        }

        return results;
    }

    /// <summary>
    /// The fold's test block, read from the run's one test evaluation: the agent's and buy-and-hold's per-bar returns as
    /// evaluated, and the best simple rule's (chosen on the fold's validation block, as the evaluation chose it) replayed
    /// over the same split, since the report keeps only its totals.
    /// </summary>
    private static async Task<FoldResult> ScoreAsync(
        RunWorkspace workspace, TrainingRun run, WalkForwardFold fold, PriceSeries series, string status, double seconds, CancellationToken cancellationToken)
    {
        var artifacts = await RunArtifacts.LoadAsync(workspace, run.RunId, cancellationToken);
        PolicyLine? agent = null, hold = null, rule = null;
        double[] agentReturns = [], holdReturns = [], ruleReturns = [];
        if (status == nameof(RunState.Completed) && artifacts.Test is { } test && artifacts.Record is { } record)
        {
            var report = test.Report;
            agentReturns = Evaluator.PerBarReturns(report.EquityCurve);
            holdReturns = Evaluator.PerBarReturns(report.BuyAndHoldEquityCurve);
            if (agentReturns.Length != fold.TestBars || holdReturns.Length != fold.TestBars)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"Run '{run.RunId}': the test evaluation has {agentReturns.Length} per-bar returns, but fold {fold.Index}'s test block has {fold.TestBars} bars."));
            }

            var data = await workspace.GetDataAsync(record, cancellationToken);
            var policy = await workspace.GetPolicyAsync(run.RunId, test.Update, cancellationToken);
            var choice = SimpleRules.SelectOnValidation(RunWorkspace.Environment(policy.Context, data.Validation));
            var environment = RunWorkspace.Environment(policy.Context, data.Test);
            SimpleRules.Run(choice.Rule, environment);
            ruleReturns = Evaluator.PerBarReturns(environment.EquityCurve);
            agent = new PolicyLine("agent", report.Agent.Roi, report.Agent.Sharpe, report.Agent.MaxDrawdown);
            hold = new PolicyLine("buy-and-hold", report.BuyAndHold.Roi, report.BuyAndHold.Sharpe, report.BuyAndHold.MaxDrawdown);
            rule = report.BestRule is { } best
                ? new PolicyLine(best.Name, best.Metrics.Roi, best.Metrics.Sharpe, best.Metrics.MaxDrawdown)
                : PolicyLine.FromReturns(choice.Rule.Name, ruleReturns, series.BarsPerYear);
        }

        return new FoldResult(
            fold.Index,
            run.RunId,
            status,
            seconds,
            fold.TrainBars,
            series.Times[0],
            series.Times[fold.TrainBars - 1],
            fold.ValidationStart,
            fold.ValidationEnd,
            series.Times[fold.ValidationStart],
            series.Times[fold.ValidationEnd - 1],
            fold.EmbargoBars,
            fold.TestStart,
            fold.TestEnd,
            series.Times[fold.TestStart],
            series.Times[fold.TestEnd - 1],
            artifacts.Test?.Iteration,
            artifacts.Test?.Update,
            agent,
            hold,
            rule,
            agentReturns,
            holdReturns,
            ruleReturns);
    }

    /// <summary>The completed folds' test blocks end to end: one out-of-sample series per policy, each fold starting in cash.</summary>
    public static WalkForwardOverall? Overall(IReadOnlyList<FoldResult> results, double barsPerYear, int bootstrapDraws, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(results);
        var done = results.Where(r => r.Agent is not null).OrderBy(r => r.TestStart).ToList();
        if (done.Count == 0)
        {
            return null;
        }

        var agent = done.SelectMany(r => r.AgentReturns).ToArray();
        var hold = done.SelectMany(r => r.BuyAndHoldReturns).ToArray();
        var rule = done.SelectMany(r => r.BestRuleReturns).ToArray();
        var bootstrap = bootstrapDraws > 0 && agent.Length > 2
            ? Core.Statistics.StationaryBootstrap.Paired(agent, [("buy-and-hold", hold), ("best simple rule (per fold)", rule)], barsPerYear, bootstrapDraws, Evaluator.BootstrapSeed(seed))
            : null;
        return new WalkForwardOverall(
            done.Count,
            agent.Length,
            done[0].TestFrom,
            done[^1].TestTo,
            PolicyLine.FromReturns("agent", agent, barsPerYear),
            PolicyLine.FromReturns("buy-and-hold", hold, barsPerYear),
            PolicyLine.FromReturns("best simple rule (per fold)", rule, barsPerYear),
            bootstrap);
    }
}
