using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Orchestration.Runs;

namespace Lineage.Orchestration.Datasets;

/// <summary>
/// The three chronological splits a run trains, selects and tests on, the model's promotion window when the run has
/// its model's splits (played only by the champion gate), and their fingerprint (of the series as held here, history included).
/// The validation and test series start with <see cref="ValidationHistory"/> / <see cref="TestHistory"/> bars of read-only
/// history (<see cref="DataSplits.HistoryBars"/> where there is that much): on a file the bars before the split, on a synthetic
/// market the first bars of its generated series. Features and simple rules read them, nothing is scored on them, so every
/// bar after them is scored whatever the features' look-back. On a file the promotion series likewise starts with
/// <see cref="PromotionHistory"/> bars from before the window; a synthetic market's promotion series is its own, its warm-up inside it.
/// </summary>
public sealed record RunData(
    PriceSeries Train,
    PriceSeries Validation,
    PriceSeries Test,
    string Fingerprint,
    PriceSeries? Promotion = null,
    int PromotionHistory = 0,
    int ValidationHistory = 0,
    int TestHistory = 0)
{
    /// <summary>
    /// The run's <see cref="TrainingRun.Universe"/> members that train it beside <see cref="Train"/>: each one's bars up to the
    /// last bar of <see cref="Train"/> (by time), so no member shows the agent a day its validation or test window holds.
    /// Empty without a universe.
    /// </summary>
    public IReadOnlyList<UniverseMember> Universe { get; init; } = [];

    /// <summary>Why a universe member trains nothing (too few bars before the cut), for the run's warnings.</summary>
    public IReadOnlyList<string> UniverseNotes { get; init; } = [];

    public PriceSeries Split(string name) => name switch
    {
        "train" => Train,
        "validation" => Validation,
        "test" => Test,
        _ => throw new ArgumentException($"Unknown split '{name}' (expected train, validation or test).", nameof(name)),
    };

    /// <summary>Bars of read-only history at the front of split <paramref name="name"/>'s series (0 for train).</summary>
    public int History(string name) => name switch
    {
        "train" => 0,
        "validation" => ValidationHistory,
        "test" => TestHistory,
        _ => throw new ArgumentException($"Unknown split '{name}' (expected train, validation or test).", nameof(name)),
    };

    /// <summary>Split <paramref name="name"/>'s bars after its read-only history: the window reports count and date.</summary>
    public PriceSeries Scored(string name)
    {
        var series = Split(name);
        var history = History(name);
        return series.Slice(history, series.Count - history);
    }
}

/// <summary>One series of a run's training universe: its dataset reference and its bars up to the end of the run's training split.</summary>
public sealed record UniverseMember(string Dataset, PriceSeries Train);

/// <summary>
/// Resolves a run's dataset reference. Files are split chronologically; synthetic markets are scored on
/// freshly generated series (new generator seeds, same parameters: the run's <see cref="TrainingRun.SyntheticSignalToNoise"/>
/// for every series, the model's promotion series included), so a short test tail with one or two regimes can neither
/// flatter nor sink a result.
/// </summary>
public static class DatasetLoader
{
    /// <summary>
    /// The run's splits. With <paramref name="splits"/> (its model's, <see cref="Champions.ModelSplitStore"/>) a file is cut
    /// at the model's dates and a synthetic market gets the model's promotion series; without, a file is split by the run's
    /// fractions and there is no promotion window. A walk-forward fold cuts by its own bar ranges. <paramref name="file"/> is
    /// the file's series when the caller has loaded it already (<see cref="LoadSeriesAsync"/>), so it is read once.
    /// </summary>
    public static async Task<RunData> LoadAsync(
        TrainingRun run, Champions.SplitGeneration? splits, BlobContainerClient? container, CancellationToken cancellationToken, PriceSeries? file = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var minRows = MinTrainRows(run);
        if (run.Fold is { } fold)
        {
            var whole = file ?? await LoadWholeSeriesAsync(run, container, minRows, cancellationToken);
            return Create(run, WalkForward.Split(whole, fold), null, 0, minRows);
        }

        if (run.Dataset.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal))
        {
            // Validation and test are generated with HistoryBars extra bars in front, their read-only history: the scored
            // windows are evalBars bars for every feature spec.
            var kind = run.Dataset[DatasetReferences.Synthetic.Length..];
            var evalBars = SyntheticEvaluationBars(run);
            var market = MarketSeed(run);
            var history = DataSplits.HistoryBars;
            var train = SyntheticMarkets.Generate(kind, run.SyntheticBars, Seeds.Derive(market, 1), run.SyntheticSignalToNoise);
            var validation = SyntheticMarkets.Generate(kind, evalBars + history, Seeds.Derive(market, 2), run.SyntheticSignalToNoise);
            var test = SyntheticMarkets.Generate(kind, evalBars + history, Seeds.Derive(market, 3), run.SyntheticSignalToNoise);
            var promotion = splits is { MarketSeed: { } seed, PromotionBars: { } bars }
                ? SyntheticMarkets.Generate(kind, bars, Seeds.Derive(seed, 4), run.SyntheticSignalToNoise)
                : null;
            return Create(run, new DataSplit(train, validation, test, history, history), promotion, 0, minRows);
        }

        var series = file ?? await LoadSeriesAsync(run.Dataset, container, minRows, cancellationToken);
        if (splits?.Dates is { } dates)
        {
            var cut = PromotionWindows.Apply(series, dates);
            var from = series.Count - cut.Promotion.Count;
            var (promotionWindow, promotionHistory) = DataSplits.WithHistory(series, from, cut.Promotion.Count, DataSplits.HistoryBars);
            return await WithUniverseAsync(
                run,
                Create(run, DataSplits.Cut(series, cut.Train.Count, cut.Validation.Count, cut.Test.Count, DataSplits.HistoryBars), promotionWindow, promotionHistory, minRows),
                container,
                minRows,
                cancellationToken);
        }

        return await WithUniverseAsync(
            run, Create(run, DataSplits.Chronological(series, run.TrainFraction, run.ValidationFraction, DataSplits.HistoryBars), null, 0, minRows), container, minRows, cancellationToken);
    }

    /// <summary>
    /// Adds the run's universe (<see cref="TrainingRun.Universe"/>) to <paramref name="data"/>: each member cut at the last bar
    /// time of the run's training split, the same feature checks as the run's own series, and its fingerprint in the run's, so a
    /// changed member is other data. A member with fewer than <paramref name="minRows"/> bars before the cut trains nothing and is
    /// named in <see cref="RunData.UniverseNotes"/>. Without a universe <paramref name="data"/> is returned as it was (same fingerprint).
    /// </summary>
    private static async Task<RunData> WithUniverseAsync(TrainingRun run, RunData data, BlobContainerClient? container, int minRows, CancellationToken cancellationToken)
    {
        if (run.Universe is not { Count: > 0 } universe)
        {
            return data;
        }

        var end = data.Train.Times[^1];
        var members = new List<UniverseMember>();
        var notes = new List<string>();
        foreach (var dataset in universe)
        {
            var series = await LoadSeriesAsync(dataset, container, minRows: 2, cancellationToken);
            var bars = Array.FindLastIndex(series.Times, t => t <= end) + 1;
            if (bars < minRows)
            {
                notes.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Universe member '{dataset}' has {bars} bars up to {end:yyyy-MM-dd}, the end of this run's training split ({series.Times[0]:yyyy-MM-dd} – {series.Times[^1]:yyyy-MM-dd}); an episode needs {minRows}, so it trains nothing."));
                continue;
            }

            var train = series.Slice(0, bars);
            if (run.Features.SeriesError(train) is { } featureError)
            {
                throw new InvalidDataException($"Universe member '{dataset}': {featureError}");
            }

            members.Add(new UniverseMember(dataset, train));
        }

        return data with
        {
            Fingerprint = Sha256Hex(data.Fingerprint + string.Concat(members.Select(m => $"|universe {m.Dataset} {m.Train.Fingerprint()}"))),
            Universe = members,
            UniverseNotes = notes,
        };
    }

    /// <summary>Fewest bars a run's training split (and any file it loads) needs: one episode after the features' warm-up.</summary>
    public static int MinTrainRows(TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.StepsPerEpisode + run.Features.RequiredHistory + 2;
    }

    /// <summary>The seed a synthetic market is generated from: <see cref="TrainingRun.MarketSeed"/>, else the run's seed.</summary>
    public static ulong MarketSeed(TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.MarketSeed ?? run.Seed;
    }

    /// <summary>
    /// Scored bars of a synthetic market's validation and test windows (their series hold <see cref="DataSplits.HistoryBars"/>
    /// more, the read-only history), and the bars of its promotion series: max(500, bars × validation / train).
    /// </summary>
    public static int SyntheticEvaluationBars(TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Math.Max(500, (int)(run.SyntheticBars * run.ValidationFraction / run.TrainFraction));
    }

    /// <summary>
    /// The one series a walk-forward run is folded over: the file's, or for a synthetic market one series of
    /// <see cref="TrainingRun.SyntheticBars"/> bars from the run's seed (the generator seed of an ordinary run's training split).
    /// </summary>
    public static async Task<PriceSeries> LoadWholeSeriesAsync(TrainingRun run, BlobContainerClient? container, int minRows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Dataset.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal)
            ? SyntheticMarkets.Generate(run.Dataset[DatasetReferences.Synthetic.Length..], run.SyntheticBars, Seeds.Derive(MarketSeed(run), 1), run.SyntheticSignalToNoise)
            : await LoadSeriesAsync(run.Dataset, container, minRows, cancellationToken);
    }

    /// <summary>The whole series behind a file reference (bundled name or <c>blob:</c> path); synthetic markets have none.</summary>
    public static async Task<PriceSeries> LoadSeriesAsync(string dataset, BlobContainerClient? container, int minRows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.StartsWith(DatasetReferences.Registry, StringComparison.Ordinal))
        {
            // The newest version now. A run resolves this once, when it is started, and its activities load that version.
            var resolved = await new DatasetRegistry(container ?? throw new InvalidOperationException($"Dataset '{dataset}' is in blob storage, but no storage is configured."))
                .ResolveAsync(dataset, cancellationToken);
            dataset = resolved.Dataset;
        }

        if (dataset.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Dataset '{dataset}' is generated per run and has no fixed series.", nameof(dataset));
        }

        if (!dataset.StartsWith(DatasetReferences.Blob, StringComparison.Ordinal))
        {
            return BundledData.Load(dataset);
        }

        // Only blobs under datasets/ (the training run's rule): a reference must never reach another folder or container.
        if (TrainingRunValidator.DatasetError(dataset) is { } referenceError)
        {
            throw new ArgumentException($"Dataset reference: {referenceError}", nameof(dataset));
        }

        var path = dataset[DatasetReferences.Blob.Length..];
        if (container is null)
        {
            throw new InvalidOperationException($"Dataset '{dataset}' is in blob storage, but no storage is configured.");
        }

        BinaryData content;
        try
        {
            // Size first (the response headers), so an oversized blob is refused before its body is read.
            using var download = (await container.GetBlobClient(path).DownloadStreamingAsync(cancellationToken: cancellationToken)).Value;
            if (download.Details.ContentLength > CsvPriceLoader.MaxBytes)
            {
                throw new PriceDataException(path, 0, null, null, CsvPriceLoader.TooLarge(download.Details.ContentLength));
            }

            content = await BinaryData.FromStreamAsync(download.Content, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new FileNotFoundException($"Dataset blob '{path}' does not exist in container '{container.Name}'.", path, ex);
        }

        using var reader = new StringReader(content.ToString());
        return CsvPriceLoader.Parse(reader, path, minRows);
    }

    private static RunData Create(TrainingRun run, DataSplit split, PriceSeries? promotion, int promotionHistory, int minTrainRows)
    {
        var (train, validation, test) = (split.Train, split.Validation, split.Test);
        if (run.Features.SeriesError(train) is { } featureError)
        {
            throw new InvalidDataException(featureError);
        }

        if (train.Count < minTrainRows)
        {
            throw new InvalidDataException(
                $"The training split of '{train.Name}' has {train.Count} bars; one episode needs at least {minTrainRows} " +
                "(steps per episode + feature history + 2)" +
                (promotion is null ? "" : "; the newest bars are the model's promotion window, which no run trains on, and train, validation and test come before it") +
                ". Use more data or shorter episodes.");
        }

        foreach (var (name, series, history) in new[] { ("validation", validation, split.ValidationHistory), ("test", test, split.TestHistory) })
        {
            // An evaluation needs one step after the history and the features' warm-up.
            var first = Math.Max(history, run.Features.RequiredHistory);
            if (series.Count - first < 2)
            {
                throw new InvalidDataException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"The {name} split of '{series.Name}' has {series.Count - history} bars after its {history} bars of read-only history; an evaluation scores from bar {first} of its series (after the history and the features' warm-up of {run.Features.RequiredHistory}) and needs at least 2 bars from there. Use more data or other split fractions."));
            }
        }

        // The series as held (read-only history included) and where each history ends: a change of either is other data.
        var parts = string.Create(
            CultureInfo.InvariantCulture,
            $"{train.Fingerprint()}|{validation.Fingerprint()}|{test.Fingerprint()}|history {split.ValidationHistory}/{split.TestHistory}") +
            (promotion is null ? "" : $"|{promotion.Fingerprint()}");
        return new RunData(train, validation, test, Sha256Hex(parts), promotion, promotionHistory, split.ValidationHistory, split.TestHistory);
    }

    /// <summary>A run's data fingerprint: the SHA-256 of the text naming its parts, lowercase hex.</summary>
    private static string Sha256Hex(string parts) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(parts)));
}
