using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Lineage.Core.MarketData;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Runs;
using Lineage.Storage;

namespace Lineage.Orchestration.Champions;

/// <summary>
/// One generation of a model's splits. On a file: the <see cref="Dates"/> every run of the model cuts its data by
/// (train, validation, test, and the promotion window only the gate plays). On a synthetic market: the promotion
/// window is its own generated series of <see cref="PromotionBars"/> bars from <see cref="MarketSeed"/>, a series no
/// run trains, selects or reports on.
/// </summary>
public sealed record SplitGeneration(
    int Generation,
    SplitDates? Dates,
    ulong? MarketSeed,
    int? PromotionBars,
    int BarsAtFixing,
    string FixedBy,
    string Reason,
    DateTimeOffset FixedAt)
{
    public override string ToString() => Dates is { } dates
        ? string.Create(CultureInfo.InvariantCulture, $"generation {Generation}: {dates}")
        : string.Create(CultureInfo.InvariantCulture, $"generation {Generation}: a promotion series of {PromotionBars} bars from market seed {MarketSeed}");
}

/// <summary><c>models/{name}/splits.json</c>: every generation of the model's splits, oldest first; the last is current.</summary>
public sealed record ModelSplits(string Model, string Dataset, IReadOnlyList<SplitGeneration> Generations)
{
    public SplitGeneration Current => Generations[^1];
}

/// <summary>
/// Fixes a model's splits when its first run is prepared and keeps them: every later run of the model (nightly retraining,
/// experiments, resumes) trains, selects and reports on the same bars, so yesterday's test bars never become today's
/// training bars unnoticed, and the newest bars — the promotion window, max(<see cref="ModelOptions.PromotionMinBars"/>,
/// <see cref="ModelOptions.PromotionFraction"/>) of the data at fixing — are played only by the champion gate. New bars
/// join the promotion window; once it holds <see cref="ModelOptions.PromotionRollFactor"/> × the window the data now asks
/// for, the next run fixes a new generation (a walk-forward step: the old window's bars become train, validation and test).
/// The blob is created once (If-None-Match) and rolled only at the ETag it was read at, so racing runs agree.
/// </summary>
public sealed class ModelSplitStore(BlobContainerClient container, ModelOptions options, TimeProvider? timeProvider = null)
{
    private const int MaxAttempts = 10;
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public static string SplitsBlob(string model) => $"models/{model}/splits.json";

    public PromotionWindowSize WindowSize => new(options.PromotionMinBars, options.PromotionFraction);

    /// <summary>The model's splits, or null while no run of it has been prepared.</summary>
    public async Task<ModelSplits?> GetAsync(string model, CancellationToken cancellationToken) =>
        (await ReadAsync(model, cancellationToken)).Splits;

    /// <summary>
    /// The model's current generation for run <paramref name="run"/>, fixing the first (or rolling to the next) when due.
    /// <paramref name="series"/> is the run's whole file series (null for a synthetic market). Returns a note for the run
    /// when this call fixed or rolled the splits.
    /// </summary>
    public async Task<(SplitGeneration Generation, string? Note)> EnsureAsync(string model, TrainingRun run, PriceSeries? series, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var synthetic = run.Dataset.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal);
        if (!synthetic)
        {
            ArgumentNullException.ThrowIfNull(series);
        }

        for (var attempt = 1; ; attempt++)
        {
            var (current, etag) = await ReadAsync(model, cancellationToken);
            SplitGeneration next;
            string note;
            if (current is null)
            {
                next = First(run, series, synthetic);
                note = $"Model '{model}' had no splits; fixed {next} (window max({options.PromotionMinBars} bars, {options.PromotionFraction:P0})); every run of the model keeps them.";
            }
            else
            {
                var generation = current.Current;
                if ((generation.Dates is null) != synthetic)
                {
                    throw new ArgumentException(
                        $"Model '{model}' was fixed on {(generation.Dates is null ? "a synthetic market" : "a file series")} ('{current.Dataset}'); run '{run.RunId}' on '{run.Dataset}' cannot share its splits. Name another model (model).");
                }

                if (synthetic || !PromotionWindows.ShouldRoll(series!, generation.Dates!, WindowSize, options.PromotionRollFactor))
                {
                    if (generation.Dates is { } dates)
                    {
                        PromotionWindows.Apply(series!, dates); // the clear error when this version of the data no longer fits
                    }

                    return (generation, null);
                }

                var fixedDates = PromotionWindows.Fix(series!, WindowSize, run.TrainFraction, run.ValidationFraction);
                next = new SplitGeneration(
                    generation.Generation + 1, fixedDates, null, null, series!.Count, run.RunId,
                    string.Create(CultureInfo.InvariantCulture, $"the promotion window from {generation.Dates!.PromotionFrom:yyyy-MM-dd} held ≥ {options.PromotionRollFactor} × the {WindowSize.RequiredBars(series.Count)} bars the data now asks for"),
                    _time.GetUtcNow());
                note = $"Model '{model}' rolled its splits to {next} ({next.Reason}); bars that were the promotion window are now train, validation and test.";
            }

            var updated = current is null
                ? new ModelSplits(model, run.Dataset, [next])
                : current with { Generations = [.. current.Generations, next] };
            try
            {
                await container.GetBlobClient(SplitsBlob(model)).UploadAsync(
                    BinaryData.FromObjectAsJson(updated, LineageJson.Options),
                    new BlobUploadOptions { Conditions = current is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = etag } },
                    cancellationToken);
                return (next, note);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another run fixed or rolled them meanwhile: use what it wrote.
            }
        }
    }

    private SplitGeneration First(TrainingRun run, PriceSeries? series, bool synthetic)
    {
        if (synthetic)
        {
            var bars = DatasetLoader.SyntheticEvaluationBars(run);
            return new SplitGeneration(1, null, run.MarketSeed ?? run.Seed, bars, bars, run.RunId, "the model's first run", _time.GetUtcNow());
        }

        var dates = PromotionWindows.Fix(series!, WindowSize, run.TrainFraction, run.ValidationFraction);
        return new SplitGeneration(1, dates, null, null, series!.Count, run.RunId, "the model's first run", _time.GetUtcNow());
    }

    private async Task<(ModelSplits? Splits, ETag ETag)> ReadAsync(string model, CancellationToken cancellationToken)
    {
        if (ModelNames.Validate(model, "Model") is { } error)
        {
            throw new ArgumentException(error, nameof(model));
        }

        try
        {
            var download = (await container.GetBlobClient(SplitsBlob(model)).DownloadContentAsync(cancellationToken)).Value;
            var splits = download.Content.ToObjectFromJson<ModelSplits>(LineageJson.Options)
                ?? throw new InvalidDataException($"{SplitsBlob(model)} is empty.");
            return (splits, download.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (null, default);
        }
    }
}
