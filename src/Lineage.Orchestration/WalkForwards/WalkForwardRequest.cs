using System.Globalization;
using Lineage.Core.MarketData;
using Lineage.Orchestration.Runs;
using Lineage.Storage;

namespace Lineage.Orchestration.WalkForwards;

/// <summary>
/// A request to evaluate one training configuration walk-forward: the body of <c>POST /api/walkforwards</c> and the
/// orchestration's input contract. <see cref="Run"/> is the base of every fold's run (its <c>runId</c>, <c>fold</c> and
/// <c>resume</c> are the walk-forward's to set: leave them out); the fold options lay the folds out as
/// <see cref="WalkForward.Folds(int, WalkForwardOptions, string)"/> does. Defaults live here;
/// <see cref="WalkForwardRequestValidator"/> checks every field.
/// </summary>
public sealed record WalkForwardRequest
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Run-id rules, at most <see cref="WalkForwardBlobs.MaxIdLength"/> characters; fold k runs as <c>{id}-f{k}</c>.</summary>
    public string WalkForwardId { get; init; } = "";

    public TrainingRun Run { get; init; } = new();

    public int Folds { get; init; } = 5;

    /// <summary>Share of the series all test blocks together cover (they tile its end).</summary>
    public double TestFraction { get; init; } = 0.5;

    /// <summary>Bars per test block; overrides <see cref="TestFraction"/> when set.</summary>
    public int? TestBars { get; init; }

    /// <summary>Bars per validation block, as a share of the series.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Bars between each validation block and its test block; default and minimum the feature window + 1.</summary>
    public int? EmbargoBars { get; init; }

    /// <summary>Folds trained at once (each fans out its own episodes: on a small machine, 1).</summary>
    public int MaxParallelFolds { get; init; } = 1;

    /// <summary>
    /// Start a walk-forward that exists again: folds already scored are kept, unfinished ones resume or start. The rest
    /// of the request must be the one it was first started with.
    /// </summary>
    public bool Resume { get; init; }

    public WalkForwardOptions LayoutOptions() => new()
    {
        Folds = Folds,
        TestFraction = TestFraction,
        TestBars = TestBars,
        ValidationFraction = ValidationFraction,
        EmbargoBars = EmbargoBars,
        Features = Run.Features,
    };

    public string FoldRunId(int index) => WalkForwardBlobs.FoldRunId(WalkForwardId, index);

    /// <summary>
    /// Fold <paramref name="fold"/>'s training run: the base run on the fold's bars, under the fold's derived id, never
    /// promoted (a fold reports out of sample; TrainingOrchestrator keeps it from the gate too).
    /// </summary>
    public TrainingRun FoldRun(WalkForwardFold fold, bool resume, int iterations)
    {
        ArgumentNullException.ThrowIfNull(fold);
        return Run with
        {
            RunId = FoldRunId(fold.Index),
            Fold = fold,
            Resume = resume,
            Iterations = iterations,
            Promote = false,
        };
    }

    /// <summary>What a resume must repeat: everything but <see cref="Resume"/> and <see cref="MaxParallelFolds"/>.</summary>
    public WalkForwardRequest Identity() => this with { Resume = false, MaxParallelFolds = 1 };
}

/// <summary>Checks a <see cref="WalkForwardRequest"/> at the edge, naming each bad field and its value.</summary>
public static class WalkForwardRequestValidator
{
    public const int MaxFolds = 50;
    public const int MaxParallelFolds = 8;

    public static IReadOnlyList<FieldError> Validate(WalkForwardRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<FieldError>();
        void Check(bool ok, string field, string message)
        {
            if (!ok)
            {
                errors.Add(new FieldError(field, message));
            }
        }

        static string V(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        Check(request.SchemaVersion == WalkForwardRequest.CurrentSchemaVersion, "schemaVersion",
            $"must be {WalkForwardRequest.CurrentSchemaVersion}, got {request.SchemaVersion}");
        var idError = WalkForwardBlobs.Validate(request.WalkForwardId);
        if (idError is not null)
        {
            errors.Add(new FieldError("walkForwardId", idError));
        }

        Check(request.Folds is >= 1 and <= MaxFolds, "folds", $"must be 1..{MaxFolds}, got {request.Folds}");
        Check(request.TestBars is not null || request.TestFraction is > 0 and < 1, "testFraction", $"must be in (0, 1), got {V(request.TestFraction)}");
        Check(request.TestBars is null or >= 2, "testBars", $"must be at least 2 bars when set, got {request.TestBars}");
        Check(request.ValidationFraction is > 0 and < 1, "validationFraction", $"must be in (0, 1), got {V(request.ValidationFraction)}");
        Check(request.MaxParallelFolds is >= 1 and <= MaxParallelFolds, "maxParallelFolds", $"must be 1..{MaxParallelFolds}, got {request.MaxParallelFolds}");
        if (request.Run is not { } run)
        {
            errors.Add(new FieldError("run", "must be an object: the training run every fold trains (as the body of POST /api/runs, without runId)"));
            return errors;
        }

        if (request.EmbargoBars is { } embargo && run.Features is { } features)
        {
            var minimum = WalkForward.MinimumEmbargo(features);
            Check(embargo >= minimum && embargo <= 1_000_000, "embargoBars",
                $"must be at least the feature look-back of {minimum} bars (feature history {features.RequiredHistory} + the decision bar), got {embargo}");
        }

        Check(string.IsNullOrEmpty(run.RunId), "run.runId", $"leave it out: fold k runs as {{walkForwardId}}-f{{k}}, got '{run.RunId}'");
        Check(run.Fold is null, "run.fold", "leave it out: the walk-forward lays out every fold's bars");
        Check(!run.Resume, "run.resume", "leave it out: send \"resume\": true on the walk-forward to continue it");
        var probe = idError is null ? request.FoldRunId(Math.Clamp(request.Folds, 1, MaxFolds) - 1) : "walkforward-check-f0";
        foreach (var error in TrainingRunValidator.Validate(run with { RunId = probe, Fold = null, Resume = false }))
        {
            errors.Add(error with { Field = "run." + error.Field });
        }

        return errors;
    }
}
