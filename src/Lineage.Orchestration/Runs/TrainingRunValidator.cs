using System.Globalization;
using Lineage.Core.MarketData;
using Lineage.Storage;

namespace Lineage.Orchestration.Runs;

/// <summary>A named field and what is wrong with it, as returned to HTTP callers and the CLI.</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>Checks a <see cref="TrainingRun"/> at the edge, naming each bad field and its value.</summary>
public static class TrainingRunValidator
{
    public const int MaxIterations = 100_000;
    public const int MaxEpisodesPerIteration = 1_000;
    public const int MaxStepsPerEpisode = 100_000;
    public const int MaxUpdatesPerIteration = 100_000;
    public const int MaxReplayCapacity = 5_000_000;

    /// <summary>Longest n-step return a run may ask for.</summary>
    public const int MaxNStep = 16;
    public const int MaxIterationsPerGeneration = 1_000;
    public const int MaxBootstrapDraws = 1_000_000;

    /// <summary>Most datasets a run's <see cref="TrainingRun.Universe"/> may name.</summary>
    public const int MaxUniverse = 32;

    /// <summary>Largest <see cref="TrainingRun.SyntheticSignalToNoise"/>: a drift of twice the volatility per bar, far easier than any real market.</summary>
    public const double MaxSignalToNoise = 2;

    /// <summary>
    /// Budget on iterations × episodes × steps: environment steps a run may take. Acting alone is ~4 min a core at the
    /// plain-C# policy's 4.4 M steps/s (bench/results.md), but every step also becomes an experience in a shard blob.
    /// </summary>
    public const long MaxTotalEnvironmentSteps = 1_000_000_000;

    /// <summary>Budget on iterations × updates: learner updates a run may make (about 7.5 h at ~270 µs an update, batch 32, 5-64-4 net).</summary>
    public const long MaxTotalUpdates = 100_000_000;

    private static readonly string[] SyntheticKinds = ["trend", "meanrev", "randomwalk"];

    public static IReadOnlyList<FieldError> Validate(TrainingRun run)
    {
        var errors = new List<FieldError>();
        void Check(bool ok, string field, string message)
        {
            if (!ok)
            {
                errors.Add(new FieldError(field, message));
            }
        }

        static string V(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        Check(run.SchemaVersion == TrainingRun.CurrentSchemaVersion, "schemaVersion",
            $"must be {TrainingRun.CurrentSchemaVersion}, got {run.SchemaVersion}");
        if (RunId.Validate(run.RunId) is { } runIdError)
        {
            errors.Add(new FieldError("runId", runIdError));
        }

        if (DatasetError(run.Dataset) is { } datasetError)
        {
            errors.Add(new FieldError("dataset", datasetError));
        }

        AddUniverseErrors(errors, run);
        if (run.PopulationId is { } population)
        {
            if (PopulationBlobs.Validate(population) is { } populationError)
            {
                errors.Add(new FieldError("populationId", populationError));
            }
            else if (!IsMemberRunId(run.RunId, population))
            {
                errors.Add(new FieldError("runId", $"a member of population '{population}' is named {population}-m<k> (k 0..999), got '{run.RunId}'"));
            }
        }

        if (run.Model is not null && ModelNames.Validate(run.Model, "Model") is { } modelError)
        {
            errors.Add(new FieldError("model", modelError + " Leave it out to use the model named after the dataset."));
        }

        Check(run.SyntheticBars is >= 500 and <= 1_000_000, "syntheticBars", $"must be 500..1000000, got {run.SyntheticBars}");
        if (run.SyntheticSignalToNoise is { } snr)
        {
            Check(snr is > 0 and <= MaxSignalToNoise, "syntheticSignalToNoise", $"must be in (0, {V(MaxSignalToNoise)}] when set, got {V(snr)}");
            // A malformed dataset is reported at "dataset" alone; a well-formed one without a signal to scale is reported here.
            var kind = run.Dataset?.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal) == true ? run.Dataset[DatasetReferences.Synthetic.Length..] : null;
            var withoutSignal = kind is null ? DatasetError(run.Dataset) is null : SyntheticKinds.Contains(kind) && !SyntheticMarkets.KindsWithSignal.Contains(kind);
            Check(!withoutSignal, "syntheticSignalToNoise",
                $"applies to synthetic:trend and synthetic:meanrev only (the random walk has no signal, a file its own); leave it out for '{run.Dataset}', got {V(snr)}");
        }

        Check(run.Iterations is >= 1 and <= MaxIterations, "iterations", $"must be 1..{MaxIterations}, got {run.Iterations}");
        Check(run.EpisodesPerIteration is >= 1 and <= MaxEpisodesPerIteration, "episodesPerIteration",
            $"must be 1..{MaxEpisodesPerIteration}, got {run.EpisodesPerIteration}");
        Check(run.StepsPerEpisode is >= 2 and <= MaxStepsPerEpisode, "stepsPerEpisode",
            $"must be 2..{MaxStepsPerEpisode}, got {run.StepsPerEpisode}");
        Check(run.UpdatesPerIteration is >= 1 and <= MaxUpdatesPerIteration, "updatesPerIteration",
            $"must be 1..{MaxUpdatesPerIteration} (a run without updates never learns), got {run.UpdatesPerIteration}");
        if (run.Iterations is >= 1 and <= MaxIterations && run.EpisodesPerIteration is >= 1 and <= MaxEpisodesPerIteration
            && run.StepsPerEpisode is >= 2 and <= MaxStepsPerEpisode)
        {
            var steps = (long)run.Iterations * run.EpisodesPerIteration * run.StepsPerEpisode;
            Check(steps <= MaxTotalEnvironmentSteps, "stepsPerEpisode", string.Create(CultureInfo.InvariantCulture,
                $"iterations × episodesPerIteration × stepsPerEpisode = {run.Iterations} × {run.EpisodesPerIteration} × {run.StepsPerEpisode} = {steps} environment steps; the budget is {MaxTotalEnvironmentSteps}"));
        }

        if (run.Iterations is >= 1 and <= MaxIterations && run.UpdatesPerIteration is >= 1 and <= MaxUpdatesPerIteration)
        {
            var updates = (long)run.Iterations * run.UpdatesPerIteration;
            Check(updates <= MaxTotalUpdates, "updatesPerIteration", string.Create(CultureInfo.InvariantCulture,
                $"iterations × updatesPerIteration = {run.Iterations} × {run.UpdatesPerIteration} = {updates} updates; the budget is {MaxTotalUpdates}"));
        }

        Check(run.MaxParallelEpisodes is >= 1 and <= MaxEpisodesPerIteration, "maxParallelEpisodes",
            $"must be 1..{MaxEpisodesPerIteration}, got {run.MaxParallelEpisodes}");
        Check(run.EpisodesPerActivity is >= 1 and <= MaxEpisodesPerIteration, "episodesPerActivity",
            $"must be 1..{MaxEpisodesPerIteration}, got {run.EpisodesPerActivity}");
        Check(run.EvaluateEvery >= 0, "evaluateEvery", $"must be ≥ 0 (0 = never), got {run.EvaluateEvery}");
        Check(run.IterationsPerGeneration is >= 1 and <= MaxIterationsPerGeneration, "iterationsPerGeneration",
            $"must be 1..{MaxIterationsPerGeneration}, got {run.IterationsPerGeneration}");
        Check(run.MinEpisodeSuccessFraction is > 0 and <= 1, "minEpisodeSuccessFraction",
            $"must be in (0, 1], got {V(run.MinEpisodeSuccessFraction)}");
        Check(run.ReplayCapacity is >= 1 and <= MaxReplayCapacity, "replayCapacity",
            $"must be 1..{MaxReplayCapacity}, got {run.ReplayCapacity}");
        Check(run.PriorityAlpha is >= 0 and <= 1, "priorityAlpha", $"must be in [0, 1], got {V(run.PriorityAlpha)}");
        Check(run.PriorityBetaStart is >= 0 and <= 1, "priorityBetaStart", $"must be in [0, 1], got {V(run.PriorityBetaStart)}");
        Check(run.MaxDataAgeDays is null or (> 0 and <= 36_500), "maxDataAgeDays", $"must be in (0, 36500] days when set, got {run.MaxDataAgeDays}");
        Check(run.BootstrapDraws is >= 0 and <= MaxBootstrapDraws, "bootstrapDraws", $"must be in [0, {MaxBootstrapDraws}] (0 = no bootstrap), got {run.BootstrapDraws}");
        Check(run.LearningStarts >= 0, "learningStarts", $"must be ≥ 0, got {run.LearningStarts}");
        Check(run.NStep is >= 1 and <= MaxNStep, "nStep", $"must be 1..{MaxNStep} (1 = one-step returns), got {run.NStep}");
        Check(run.LearningStarts <= run.ReplayCapacity || run.ReplayCapacity is < 1 or > MaxReplayCapacity, "learningStarts",
            $"must be ≤ replayCapacity {run.ReplayCapacity} (the buffer could never hold enough to start learning), got {run.LearningStarts}");
        if (run.Dqn is { } dqn)
        {
            Check(dqn.BatchSize <= run.ReplayCapacity || run.ReplayCapacity is < 1 or > MaxReplayCapacity, "dqn.batchSize",
                $"must be ≤ replayCapacity {run.ReplayCapacity} (a batch is sampled from the buffer), got {dqn.BatchSize}");
        }

        Check(run.TrainFraction is > 0 and < 1, "trainFraction", $"must be in (0, 1), got {V(run.TrainFraction)}");
        Check(run.ValidationFraction is > 0 and < 1 && run.TrainFraction + run.ValidationFraction < 1, "validationFraction",
            $"must be in (0, 1) and leave room for a test split (train + validation < 1), got {V(run.ValidationFraction)}");

        if (run.Fold is { } fold)
        {
            foreach (var error in fold.Validate())
            {
                errors.Add(new FieldError("fold", error));
            }

            var lookback = run.Features is null ? fold.LookbackBars : WalkForward.MinimumEmbargo(run.Features);
            Check(fold.LookbackBars == lookback, "fold.lookbackBars",
                $"must be the feature look-back {lookback} (feature history + 1), got {fold.LookbackBars}");
        }

        var eps = run.Epsilon;
        if (eps is null)
        {
            errors.Add(new FieldError("epsilon", "must be an object"));
        }
        else
        {
            Check(eps.Start is >= 0 and <= 1, "epsilon.start", $"must be in [0, 1], got {V(eps.Start)}");
            Check(eps.End is >= 0 and <= 1, "epsilon.end", $"must be in [0, 1], got {V(eps.End)}");
            Check(eps.DecayFraction is > 0 and <= 1, "epsilon.decayFraction", $"must be in (0, 1], got {V(eps.DecayFraction)}");
            Check(eps.ApeXBase is > 0 and < 1, "epsilon.apeXBase", $"must be in (0, 1), got {V(eps.ApeXBase)}");
            Check(eps.ApeXAlpha is >= 0 and <= 100, "epsilon.apeXAlpha", $"must be in [0, 100], got {V(eps.ApeXAlpha)}");
            Check(Enum.IsDefined(eps.Kind), "epsilon.kind", $"must be Linear or PerActor, got {eps.Kind}");
        }

        AddNested(errors, "dqn", run.Dqn?.Validate(run.Features?.StateSize ?? 1, run.Arena is { ActionCount: > 0 } a ? a.ActionCount : Lineage.Core.Episodes.TradingEnvironment.ClassicActionCount));
        AddNested(errors, "arena", run.Arena?.Validate());
        AddNested(errors, "reward", run.Reward?.Validate());
        AddNested(errors, "features", run.Features?.Validate());
        if (run.Features is { NeedsVolume: true } && run.Dataset?.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal) == true)
        {
            Check(false, "features.features", $"{string.Join(", ", run.Features.Features.Where(Lineage.Core.Features.FeatureKinds.NeedsVolume))} needs volume, but synthetic market '{run.Dataset}' has none");
        }

        return errors;
    }

    /// <summary>Null when the dataset reference is well formed (existence is checked when the run starts).</summary>
    public static string? DatasetError(string? dataset)
    {
        if (string.IsNullOrWhiteSpace(dataset))
        {
            return "is required: a bundled name (" + string.Join(", ", Lineage.Core.MarketData.BundledData.Names) + "), synthetic:{trend|meanrev|randomwalk}, dataset:{name} (newest pushed version), or blob:datasets/{name}/{file}.csv";
        }

        if (dataset.StartsWith("synthetic:", StringComparison.Ordinal))
        {
            var kind = dataset["synthetic:".Length..];
            return SyntheticKinds.Contains(kind) ? null : $"unknown synthetic market '{kind}' (expected trend, meanrev or randomwalk)";
        }

        if (dataset.StartsWith(DatasetReferences.Registry, StringComparison.Ordinal))
        {
            return ModelNames.Validate(dataset[DatasetReferences.Registry.Length..], "Dataset") is { } nameError
                ? $"dataset reference '{dataset}': {nameError}"
                : null;
        }

        if (dataset.StartsWith("blob:", StringComparison.Ordinal))
        {
            var path = dataset["blob:".Length..];
            var parts = path.Split('/');
            var ok = parts.Length >= 3 && parts[0] == "datasets"
                && parts.Skip(1).All(p => p.Length is > 0 and <= 128 && p != "." && p != ".." && p.All(IsSafePathChar))
                && path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
            return ok ? null : $"blob dataset path '{path}' must look like datasets/{{name}}/{{file}}.csv with letters, digits, '-', '_' and '.' only";
        }

        return Lineage.Core.MarketData.BundledData.Names.Contains(dataset)
            ? null
            : $"unknown dataset '{dataset}' (bundled: {string.Join(", ", Lineage.Core.MarketData.BundledData.Names)}; or synthetic:trend|meanrev|randomwalk; or blob:datasets/...)";
    }

    private static void AddUniverseErrors(List<FieldError> errors, TrainingRun run)
    {
        if (run.Universe is not { Count: > 0 } universe)
        {
            return;
        }

        if (universe.Count > MaxUniverse)
        {
            errors.Add(new FieldError("universe", $"may name at most {MaxUniverse} datasets, got {universe.Count}"));
            return;
        }

        if (run.Dataset?.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal) == true)
        {
            errors.Add(new FieldError("universe", $"trains beside a file dataset only; '{run.Dataset}' is generated per run (leave universe out)"));
        }

        if (run.Fold is not null)
        {
            errors.Add(new FieldError("universe", "is not supported on a walk-forward fold (leave universe out)"));
        }

        for (var i = 0; i < universe.Count; i++)
        {
            var member = universe[i];
            var field = string.Create(CultureInfo.InvariantCulture, $"universe[{i}]");
            if (DatasetError(member) is { } error)
            {
                errors.Add(new FieldError(field, error));
            }
            else if (member.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal))
            {
                errors.Add(new FieldError(field, $"must be a file dataset (a bundled name, dataset:{{name}} or blob:datasets/...), got '{member}'"));
            }
            else if (member == run.Dataset)
            {
                errors.Add(new FieldError(field, $"is the run's own dataset '{member}', which trains it anyway"));
            }
            else if (universe.Take(i).Contains(member, StringComparer.Ordinal))
            {
                errors.Add(new FieldError(field, $"names '{member}' twice"));
            }
        }
    }

    private static bool IsSafePathChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';

    private static void AddNested(List<FieldError> errors, string prefix, IEnumerable<string>? nested)
    {
        if (nested is null)
        {
            errors.Add(new FieldError(prefix, "must be an object"));
            return;
        }

        foreach (var message in nested)
        {
            errors.Add(new FieldError(prefix, message));
        }
    }

    private static bool IsMemberRunId(string? runId, string population) =>
        runId is not null && runId.StartsWith(population + "-m", StringComparison.Ordinal)
        && int.TryParse(runId.AsSpan(population.Length + 2), NumberStyles.None, CultureInfo.InvariantCulture, out var member)
        && member <= 999 && PopulationBlobs.MemberRunId(population, member) == runId;
}
