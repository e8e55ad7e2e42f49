namespace Lineage.Core.Replay;

/// <summary>
/// One transition. <see cref="Terminated"/> means the environment ended (bankruptcy, pole fell):
/// no bootstrap. <see cref="Truncated"/> means the episode was cut (end of the data slice, step cap):
/// the learner must still bootstrap from <see cref="NextState"/>. <see cref="Steps"/> is how many environment steps the
/// transition spans (an n-step return, <see cref="NStepReturns"/>): <see cref="Reward"/> is their discounted sum and the
/// bootstrap from <see cref="NextState"/> is discounted by γ^Steps. One-step transitions have Steps 1.
/// </summary>
public sealed record Experience(
    float[] State,
    int Action,
    float Reward,
    float[] NextState,
    bool Terminated,
    bool Truncated,
    int Steps = 1);
