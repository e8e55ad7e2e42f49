using Lineage.Orchestration.Api;
using Lineage.Orchestration.Training;
using Lineage.Storage;

namespace Lineage.IntegrationTests.Runs;

/// <summary>One mapping from a Durable instance to a run's life-cycle state, for every host.</summary>
public sealed class RunStateTests
{
    [Theory]
    [InlineData(RunRuntimeStatus.Pending, null, RunState.Starting, true)]
    [InlineData(RunRuntimeStatus.Running, null, RunState.Running, true)]
    [InlineData(RunRuntimeStatus.Suspended, null, RunState.Suspended, true)]
    [InlineData(RunRuntimeStatus.Completed, RunOutcomes.Completed, RunState.Completed, false)]
    [InlineData(RunRuntimeStatus.Completed, RunOutcomes.Stopped, RunState.Stopped, false)]
    [InlineData(RunRuntimeStatus.Failed, null, RunState.Failed, false)]
    [InlineData(RunRuntimeStatus.Terminated, null, RunState.Terminated, false)]
    [InlineData(RunRuntimeStatus.Unknown, null, RunState.Unknown, false)]
    public void Durable_status_and_outcome_give_one_state(RunRuntimeStatus status, string? outcome, RunState expected, bool active)
    {
        var result = outcome is null ? null : new TrainingResult(outcome, "r", 1, 16, null, null, null, []);

        var state = RunStates.Of(status, result);

        Assert.Equal(expected, state);
        Assert.Equal(active, RunStates.IsActive(state));
        Assert.Equal(expected.ToString(), RunService.ToView(new RunInstance("r", status, null, result is null ? null : System.Text.Json.JsonSerializer.Serialize(result, Lineage.Storage.LineageJson.Options), null, default, default)).Status);
    }
}
