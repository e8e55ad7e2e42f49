namespace Lineage.Orchestration.Runs;

/// <summary>Configuration section <c>Lineage:Nightly</c>: what the nightly timer retrains.</summary>
public sealed class NightlyOptions
{
    public const string Section = "Lineage:Nightly";

    /// <summary>Six-field CRON (seconds first), default 02:00 UTC every day.</summary>
    public string Schedule { get; set; } = "0 0 2 * * *";

    public string RunId { get; set; } = "nightly";

    public string Dataset { get; set; } = "spy";

    public int Iterations { get; set; } = 10;

    /// <summary>The base seed: night n trains with <see cref="SeedOf"/>(n), so each night explores anew and a rerun of one night repeats it.</summary>
    public ulong Seed { get; set; } = 42;

    /// <summary>
    /// The newest bar may be at most this many days old (default 4: a long weekend of a daily series); an older dataset
    /// ends the night's run with a clear "stale data" failure instead of retraining on it. Point the nightly run at a
    /// dataset you refresh (<c>lineage data push</c>): the bundled series end years ago.
    /// </summary>
    public double MaxDataAgeDays { get; set; } = 4;

    /// <summary>
    /// Members of a small population to train each night instead of the one run (0, the default: the one run). A nightly
    /// population (id <c>{RunId}-p{night}</c>) draws its members' hyperparameters from the default search space, trains them
    /// from scratch on the night's data for <see cref="Iterations"/> iterations in <see cref="PopulationRounds"/> rounds, and
    /// puts its best member on validation to the same gate, with every member counted as a trial of the model.
    /// </summary>
    public int PopulationMembers { get; set; }

    /// <summary>Rounds of a nightly population (exploit and explore between them); each trains <see cref="Iterations"/> ÷ rounds iterations.</summary>
    public int PopulationRounds { get; set; } = 2;

    /// <summary>Night n is the UTC calendar day of the firing, counted from 0001-01-01 (<see cref="DateOnly.DayNumber"/>).</summary>
    public static int NightOf(DateTimeOffset firing) => DateOnly.FromDateTime(firing.UtcDateTime).DayNumber;

    /// <summary>The seed of night <paramref name="night"/>: derived from the base seed and n, never the same two nights running.</summary>
    public ulong SeedOf(int night) => Core.Randomness.Seeds.Derive(Seed, Core.Randomness.Seeds.Hash("nightly"), night);

    /// <summary>The population the timer starts on <paramref name="firing"/> when <see cref="PopulationMembers"/> is set: one id per night, this night's seed.</summary>
    public Populations.PopulationRequest ToPopulation(DateTimeOffset firing)
    {
        var night = NightOf(firing);
        return new()
        {
            PopulationId = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{RunId}-p{night}"),
            Run = new TrainingRun { Dataset = Dataset, MaxDataAgeDays = MaxDataAgeDays },
            Members = PopulationMembers,
            Rounds = PopulationRounds,
            IterationsPerRound = Math.Max(1, Iterations / Math.Max(1, PopulationRounds)),
            Seed = SeedOf(night),
        };
    }

    /// <summary>The run the timer starts on <paramref name="firing"/>: resume the fixed id, this night's seed, freshness checked.</summary>
    public TrainingRun ToTrainingRun(DateTimeOffset firing) => new()
    {
        RunId = RunId,
        Dataset = Dataset,
        Iterations = Iterations,
        Seed = SeedOf(NightOf(firing)),
        Resume = true,
        MaxDataAgeDays = MaxDataAgeDays,
    };
}
