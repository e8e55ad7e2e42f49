namespace Lineage.Core.Replay;

/// <summary>
/// One transition. <see cref="Terminated"/> means the environment ended (bankruptcy, pole fell):
/// no bootstrap. <see cref="Truncated"/> means the episode was cut (end of the data slice, step cap):
/// the learner must still bootstrap from <see cref="NextState"/>.
/// </summary>
public sealed record Experience(
    float[] State,
    int Action,
    float Reward,
    float[] NextState,
    bool Terminated,
    bool Truncated);
