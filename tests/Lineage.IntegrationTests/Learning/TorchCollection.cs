namespace Lineage.IntegrationTests.Learning;

/// <summary>Torch tests share process-wide native state (thread count, seeds): run them one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "Torch";
}
