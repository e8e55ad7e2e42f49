using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;

namespace Lineage.IntegrationTests.Orchestration;

/// <summary>
/// The orchestrator's ε comes from <c>DqnStep</c>; <see cref="EpsilonSchedule.EpsilonFor"/> (still public on the run
/// configuration) must give the same bits, or replays and older tools would disagree with the running orchestrator.
/// </summary>
public sealed class ScheduleTests
{
    [Theory]
    [InlineData(EpsilonKind.Linear)]
    [InlineData(EpsilonKind.PerActor)]
    public void Orchestrator_epsilon_equals_the_run_configurations_schedule_bit_for_bit(EpsilonKind kind)
    {
        foreach (var (iterations, episodes, decay) in new[] { (1, 1, 0.5), (7, 3, 0.3), (40, 16, 1.0), (25, 8, 0.0) })
        {
            var run = new TrainingRun
            {
                Iterations = iterations,
                EpisodesPerIteration = episodes,
                Epsilon = new EpsilonSchedule { Kind = kind, Start = 0.9, End = 0.02, DecayFraction = decay, ApeXBase = 0.35, ApeXAlpha = 6.5 },
            };
            for (var iteration = 0; iteration <= iterations + 1; iteration++)
            {
                for (var episode = 0; episode < episodes; episode++)
                {
                    var expected = run.Epsilon.EpsilonFor(iteration, iterations, episode, episodes);
                    Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(TrainingOrchestrator.Epsilon(run, iteration, episode)));
                }
            }
        }
    }
}
