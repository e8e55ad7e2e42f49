using System.Globalization;
using Lineage.Core.Features;

namespace Lineage.Core.MarketData;

/// <summary>
/// One expanding-window walk-forward fold over a series, in bar indices: train on bars [0, <see cref="ValidationStart"/>),
/// validate on the next <see cref="ValidationBars"/>, leave the embargo, test on [<see cref="TestStart"/>, <see cref="TestEnd"/>).
/// The agent decides at the close of the bar before the block, so its first per-bar return is that of bar
/// <see cref="TestStart"/> and its last that of bar <see cref="TestEnd"/> − 1. Its feature window at that first decision
/// covers the <see cref="LookbackBars"/> bars before <see cref="TestStart"/>, all inside the embargo: no feature the agent
/// acts on reads a bar the fold trained or selected on. The run's test split starts at <see cref="TestSplitStart"/>: up to
/// <see cref="DataSplits.HistoryBars"/> bars of read-only history before that first decision bar. History older than the
/// embargo lies in the validation block or training; it is never scored or acted on, and read only as past closes (the
/// simple rules' warm-up, and a volatility-targeting look-back longer than the feature history).
/// The run's validation split likewise starts with up to <see cref="DataSplits.HistoryBars"/> bars of training as read-only
/// history, so every bar of the validation block is scored.
/// </summary>
public sealed record WalkForwardFold(int Index, int ValidationStart, int ValidationBars, int TestStart, int TestBars, int LookbackBars)
{
    public int TrainBars => ValidationStart;

    /// <summary>First bar after the validation block (exclusive end).</summary>
    public int ValidationEnd => ValidationStart + ValidationBars;

    /// <summary>Bars between the validation block and the test block, touched by neither training nor selection.</summary>
    public int EmbargoBars => TestStart - ValidationEnd;

    /// <summary>First bar after the test block (exclusive end).</summary>
    public int TestEnd => TestStart + TestBars;

    /// <summary>
    /// First bar of the run's test split: <see cref="TestHistoryBars"/> bars of read-only history before the first decision bar
    /// (<see cref="TestStart"/> − 1), at least the feature window of that decision.
    /// </summary>
    public int TestSplitStart => TestStart - 1 - TestHistoryBars;

    /// <summary>
    /// Bars of read-only history the run's test split starts with: max(<see cref="DataSplits.HistoryBars"/>, the feature history
    /// <see cref="LookbackBars"/> − 1), at most the bars before the first decision bar.
    /// </summary>
    public int TestHistoryBars => Math.Min(Math.Max(DataSplits.HistoryBars, LookbackBars - 1), TestStart - 1);

    /// <summary>What is wrong with this fold on a series of <paramref name="seriesBars"/> bars (null: not known yet); empty when valid.</summary>
    public IReadOnlyList<string> Validate(int? seriesBars = null)
    {
        var errors = new List<string>();
        if (Index < 0)
        {
            errors.Add(Text($"Fold.Index must be ≥ 0 (was {Index})."));
        }

        if (ValidationStart < 1)
        {
            errors.Add(Text($"Fold.ValidationStart must be ≥ 1 so the fold has training bars (was {ValidationStart})."));
        }

        if (ValidationBars < 1)
        {
            errors.Add(Text($"Fold.ValidationBars must be ≥ 1 (was {ValidationBars})."));
        }

        if (TestBars < 1)
        {
            errors.Add(Text($"Fold.TestBars must be ≥ 1 (was {TestBars})."));
        }

        if (LookbackBars < 1)
        {
            errors.Add(Text($"Fold.LookbackBars must be ≥ 1 (was {LookbackBars})."));
        }

        if (EmbargoBars < LookbackBars)
        {
            errors.Add(Text($"Fold {Index}: the embargo between validation (ends at bar {ValidationEnd}) and test (starts at bar {TestStart}) is {EmbargoBars} bars; it must be at least the look-back of {LookbackBars} bars, or the first test decision's feature window reaches into bars the run trained or selected on."));
        }

        if (seriesBars is { } n && TestEnd > n)
        {
            errors.Add(Text($"Fold {Index}: the test block ends at bar {TestEnd}, beyond the series' {n} bars."));
        }

        return errors;
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// How to lay out walk-forward folds. Every fold's test block has the same length: <see cref="TestBars"/>, or else
/// ⌊n·<see cref="TestFraction"/> / <see cref="Folds"/>⌋; each validation block has ⌊n·<see cref="ValidationFraction"/>⌋ bars.
/// <see cref="EmbargoBars"/> null means <see cref="WalkForward.MinimumEmbargo"/> of <see cref="Features"/>.
/// </summary>
public sealed record WalkForwardOptions
{
    public int Folds { get; init; } = 5;

    /// <summary>Share of the series that all test blocks together cover (they tile its end).</summary>
    public double TestFraction { get; init; } = 0.5;

    /// <summary>Bars per test block; overrides <see cref="TestFraction"/> when set.</summary>
    public int? TestBars { get; init; }

    public double ValidationFraction { get; init; } = 0.1;

    public int? EmbargoBars { get; init; }

    public FeatureSpec Features { get; init; } = FeatureSpec.Default;

    /// <summary>Fewest bars a training or validation block may have: the features' history and two bars to trade.</summary>
    public int MinBlockBars => Features.RequiredHistory + 2;
}

/// <summary>
/// Expanding-window walk-forward folds: fold k trains on everything before its validation block, validates on that
/// block, skips the embargo, then tests on its own block. The test blocks of consecutive folds are adjacent, do not
/// overlap and end at the series' last bar; every fold's training window grows by one test block over the previous.
/// </summary>
public static class WalkForward
{
    /// <summary>
    /// The shortest embargo that keeps the feature window of every test decision out of training and validation bars:
    /// features at bar t read back to bar t − <see cref="FeatureSpec.RequiredHistory"/> (the window for the default features),
    /// and the first test return is decided at the close of the bar before the block: required history + 1 bars. (The test
    /// split's read-only history may reach further back; no decision's features read it.)
    /// </summary>
    public static int MinimumEmbargo(FeatureSpec features)
    {
        ArgumentNullException.ThrowIfNull(features);
        return features.RequiredHistory + 1;
    }

    public static IReadOnlyList<WalkForwardFold> Folds(PriceSeries series, WalkForwardOptions options)
    {
        ArgumentNullException.ThrowIfNull(series);
        return Folds(series.Count, options, series.Name);
    }

    public static IReadOnlyList<WalkForwardFold> Folds(int bars, WalkForwardOptions options, string name = "series")
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Folds < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Folds, "Folds must be at least 1.");
        }

        if (!(options.ValidationFraction > 0 && options.ValidationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationFraction, "ValidationFraction must be in (0, 1).");
        }

        if (options.TestBars is null && !(options.TestFraction > 0 && options.TestFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.TestFraction, "TestFraction must be in (0, 1).");
        }

        var lookback = MinimumEmbargo(options.Features);
        var embargo = options.EmbargoBars ?? lookback;
        if (embargo < lookback)
        {
            throw new ArgumentOutOfRangeException(nameof(options), embargo, Text(
                $"EmbargoBars ({embargo}) must be at least the feature look-back of {lookback} bars (feature history {options.Features.RequiredHistory} + the decision bar), or test feature windows would reach into validation bars."));
        }

        var testBars = options.TestBars ?? (int)Math.Floor(bars * options.TestFraction / options.Folds);
        var validationBars = (int)Math.Floor(bars * options.ValidationFraction);
        var firstTrain = bars - (options.Folds * testBars) - embargo - validationBars;
        var min = options.MinBlockBars;
        if (testBars < 2 || validationBars < min || firstTrain < min)
        {
            throw new ArgumentException(Text(
                $"Series '{name}' has {bars} bars: too few for {options.Folds} walk-forward folds. The first fold would train on {firstTrain} bars and validate on {validationBars} (each needs at least {min}: feature history {options.Features.RequiredHistory} + 2), then embargo {embargo} and {options.Folds} test blocks of {testBars} bars (at least 2 each). Use a longer series, fewer folds or smaller blocks."), nameof(bars));
        }

        var folds = new WalkForwardFold[options.Folds];
        for (var k = 0; k < options.Folds; k++)
        {
            var testStart = bars - ((options.Folds - k) * testBars);
            var validationStart = testStart - embargo - validationBars;
            folds[k] = new WalkForwardFold(k, validationStart, validationBars, testStart, testBars, lookback);
        }

        return folds;
    }

    /// <summary>
    /// The run's three splits of one fold: train; the validation block with up to <see cref="DataSplits.HistoryBars"/> bars of
    /// training in front as read-only history; the test block with its first decision bar and <see cref="WalkForwardFold.TestHistoryBars"/>
    /// bars of read-only history in front.
    /// </summary>
    public static DataSplit Split(PriceSeries series, WalkForwardFold fold)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(fold);
        var errors = fold.Validate(series.Count);
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Series '{series.Name}': {string.Join(" ", errors)}", nameof(fold));
        }

        var (validation, validationHistory) = DataSplits.WithHistory(series, fold.ValidationStart, fold.ValidationBars, DataSplits.HistoryBars);
        return new DataSplit(
            series.Slice(0, fold.TrainBars),
            validation,
            series.Slice(fold.TestSplitStart, fold.TestEnd - fold.TestSplitStart),
            validationHistory,
            fold.TestHistoryBars);
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
