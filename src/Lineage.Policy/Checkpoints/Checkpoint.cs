namespace Lineage.Policy.Checkpoints;

/// <summary>
/// Everything needed to resume training exactly, or to act without torch.
/// <see cref="TargetWeights"/> is empty when the options use no target network.
/// <see cref="OptimizerState"/> is TorchSharp's own optimizer state format (opaque here).
/// <see cref="RngState"/> is the caller's sampling <see cref="Core.Randomness.Rng"/> state;
/// <see cref="EnvSteps"/> and <see cref="EpsilonStep"/> are the caller's counters;
/// <see cref="ContextJson"/> is the caller's (feature spec, normaliser, reward weights, data fingerprint).
/// <see cref="Policy"/> is the policy for plain-C# acting and scoring: the online weights, or their moving average when the
/// options set <see cref="DqnOptions.PolicyAveraging"/> (which a resume restores the average from).
/// </summary>
public sealed record Checkpoint(
    int StateSize,
    int ActionCount,
    DqnOptions Options,
    IReadOnlyList<NamedTensor> OnlineWeights,
    IReadOnlyList<NamedTensor> TargetWeights,
    byte[] OptimizerState,
    long UpdateCount,
    long EnvSteps,
    long EpsilonStep,
    ulong[] RngState,
    MlpPolicy Policy,
    string ContextJson);
