using System.Globalization;
using Azure.Storage.Blobs;
using Lineage.Core.MarketData;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Datasets;

namespace Lineage.Orchestration.WalkForwards;

/// <summary>
/// The folds of a walk-forward over the series its dataset version holds: computed the same way at the start (to refuse a
/// layout that cannot work with a 400) and in the orchestration's activities (which must agree with the start).
/// </summary>
public static class WalkForwardPlanner
{
    /// <summary>
    /// The series the folds cover — every bar before the model's promotion window (<see cref="ModelSplitStore.BeforePromotionAsync"/>,
    /// fixing the model's splits if it has none, so no later run can make a fold's test bars its promotion window) — and its folds.
    /// Fold bar ranges index the series from its first bar, so fold runs load the whole series and cut by them.
    /// </summary>
    /// <param name="dataset">The resolved dataset (a concrete version, never <c>dataset:{name}</c> meaning "newest").</param>
    /// <exception cref="ArgumentException">The series is too short for the layout, or its first fold for one episode.</exception>
    public static async Task<(PriceSeries Series, IReadOnlyList<WalkForwardFold> Folds)> LayOutAsync(
        WalkForwardRequest request, Datasets.ResolvedDataset dataset, BlobContainerClient? container, ModelSplitStore modelSplits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(modelSplits);
        var run = request.Run with { Dataset = dataset.Dataset };
        var whole = await DatasetLoader.LoadWholeSeriesAsync(run, container, MinTrainBars(run), cancellationToken);
        var series = await modelSplits.BeforePromotionAsync(Runs.ModelNames.ForRun(run, dataset.Requested), run, whole, fix: true, cancellationToken);
        return (series, Folds(request, series));
    }

    /// <summary>The layout a plan made over the first <paramref name="seriesBars"/> bars of the dataset's series.</summary>
    public static async Task<(PriceSeries Series, IReadOnlyList<WalkForwardFold> Folds)> LayOutAsync(
        WalkForwardRequest request, Datasets.ResolvedDataset dataset, BlobContainerClient? container, int seriesBars, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(dataset);
        var run = request.Run with { Dataset = dataset.Dataset };
        var series = (await DatasetLoader.LoadWholeSeriesAsync(run, container, MinTrainBars(run), cancellationToken)).Slice(0, seriesBars);
        return (series, Folds(request, series));
    }

    /// <summary>The folds of <paramref name="request"/> over <paramref name="series"/>.</summary>
    /// <exception cref="ArgumentException">The series is too short for the layout, or its first fold for one episode.</exception>
    public static IReadOnlyList<WalkForwardFold> Folds(WalkForwardRequest request, PriceSeries series)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(series);
        var folds = WalkForward.Folds(series, request.LayoutOptions());
        var minRows = MinTrainBars(request.Run);
        if (folds[0].TrainBars < minRows)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Fold 0 would train on {folds[0].TrainBars} bars of '{series.Name}' ({series.Count} bars); one episode needs at least {minRows} (steps per episode {request.Run.StepsPerEpisode} + feature history {request.Run.Features.RequiredHistory} + 2). Use fewer folds, smaller test blocks, shorter episodes or a longer series."));
        }

        return folds;
    }

    /// <summary>Fewest training bars one episode needs (as the run's dataset loader requires).</summary>
    public static int MinTrainBars(Runs.TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Datasets.DatasetLoader.MinTrainRows(run);
    }

    /// <summary>Every fold's window: its bars with their dates, and its run id.</summary>
    public static IReadOnlyList<FoldWindow> Windows(WalkForwardRequest request, PriceSeries series, IReadOnlyList<WalkForwardFold> folds)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(folds);
        return [.. folds.Select(fold => new FoldWindow(
            fold,
            request.FoldRunId(fold.Index),
            series.Times[0],
            series.Times[fold.TrainBars - 1],
            series.Times[fold.ValidationStart],
            series.Times[fold.ValidationEnd - 1],
            series.Times[fold.TestStart],
            series.Times[fold.TestEnd - 1]))];
    }

    /// <summary>A fold's result with no figures yet (or none: it failed or stopped): its layout, dates, status and why.</summary>
    public static FoldResult Unscored(FoldWindow plan, string status, double seconds, string? failure)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var fold = plan.Fold;
        return new FoldResult(
            fold.Index, plan.RunId, status, seconds,
            fold.TrainBars, plan.TrainFrom, plan.TrainTo,
            fold.ValidationStart, fold.ValidationEnd, plan.ValidationFrom, plan.ValidationTo,
            fold.EmbargoBars, fold.TestStart, fold.TestEnd, plan.TestFrom, plan.TestTo,
            null, null, null, null, null, [], [], [], failure);
    }
}
