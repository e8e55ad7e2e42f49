namespace Lineage.Orchestration.Runs;

/// <summary>The prefixes of a run's <see cref="TrainingRun.Dataset"/> reference; a bare name is a bundled dataset.</summary>
public static class DatasetReferences
{
    /// <summary><c>dataset:{name}</c>: the newest pushed version of a registered dataset, resolved when the run starts.</summary>
    public const string Registry = "dataset:";

    /// <summary><c>synthetic:{kind}</c>: a market generated per run from its seed.</summary>
    public const string Synthetic = "synthetic:";

    /// <summary><c>blob:datasets/{name}/{file}.csv</c>: a CSV under <c>datasets/</c> in the run's container.</summary>
    public const string Blob = "blob:";
}
