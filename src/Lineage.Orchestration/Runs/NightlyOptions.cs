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

    public ulong Seed { get; set; } = 42;

    public TrainingRun ToTrainingRun() => new()
    {
        RunId = RunId,
        Dataset = Dataset,
        Iterations = Iterations,
        Seed = Seed,
        Resume = true,
    };
}
