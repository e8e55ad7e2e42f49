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
/// run trains, selects or reports on, generated at each run's own <see cref="TrainingRun.SyntheticSignalToNoise"/> (the gate
/// plays the candidate and the champion on the same bars, the candidate's market).
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
        for (var attempt = 1; ; attempt++)
        {
            var (current, etag) = await ReadAsync(model, cancellationToken);
            var (next, note) = Next(model, current, run, series);
            if (note is null)
            {
                return (next, null);
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

    /// <summary>The generation <see cref="EnsureAsync"/> would give <paramref name="run"/> now, without writing anything (a start's check).</summary>
    public async Task<SplitGeneration> PreviewAsync(string model, TrainingRun run, PriceSeries? series, CancellationToken cancellationToken) =>
        Next(model, (await ReadAsync(model, cancellationToken)).Splits, run, series).Generation;

    /// <summary>
    /// The bars of <paramref name="series"/> a walk-forward of <paramref name="model"/> may fold over: every bar before the
    /// model's promotion window (fixing the model's splits first when <paramref name="fix"/>), so no fold trains, selects or
    /// reports on it. A synthetic market's promotion window is its own series: the series is returned whole.
    /// </summary>
    public async Task<PriceSeries> BeforePromotionAsync(string model, TrainingRun run, PriceSeries series, bool fix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(series);
        if (run.Dataset.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal))
        {
            return series;
        }

        var generation = fix ? (await EnsureAsync(model, run, series, cancellationToken)).Generation : await PreviewAsync(model, run, series, cancellationToken);
        var cut = PromotionWindows.Apply(series, generation.Dates!);
        return series.Slice(0, series.Count - cut.Promotion.Count);
    }

    /// <summary>The model's generation for the run, and a note when it is new (the first, or a roll) and must be written.</summary>
    private (SplitGeneration Generation, string? Note) Next(string model, ModelSplits? current, TrainingRun run, PriceSeries? series)
    {
        ArgumentNullException.ThrowIfNull(run);
        var synthetic = run.Dataset.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal);
        if (!synthetic)
        {
            ArgumentNullException.ThrowIfNull(series);
        }

        if (current is null)
        {
            var first = First(run, series, synthetic);
            return (first, $"Model '{model}' had no splits; fixed {first} (window max({options.PromotionMinBars} bars, {options.PromotionFraction:P0})); every run of the model keeps them.");
        }

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

        var next = new SplitGeneration(
            generation.Generation + 1, PromotionWindows.Fix(series!, WindowSize, run.TrainFraction, run.ValidationFraction), null, null, series!.Count, run.RunId,
            string.Create(CultureInfo.InvariantCulture, $"the promotion window from {generation.Dates!.PromotionFrom:yyyy-MM-dd} held ≥ {options.PromotionRollFactor} × the {WindowSize.RequiredBars(series.Count)} bars the data now asks for"),
            _time.GetUtcNow());
        return (next, $"Model '{model}' rolled its splits to {next} ({next.Reason}); bars that were the promotion window are now train, validation and test.");
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
