using Lineage.Policy;

namespace Lineage.Core.Tests.Policy;

/// <summary>What a resumed learner may change: its hyperparameters, not the shape of its weights or optimizer state.</summary>
public class DqnOptionsResumeTests
{
    private static readonly DqnOptions Trained = new() { HiddenLayers = [32, 32], Dueling = true, LearningRate = 1e30, Optimizer = DqnOptimizer.Sgd };

    [Fact]
    public void Hyperparameters_may_change_on_resume()
    {
        var next = Trained with { LearningRate = 1e-3, Gamma = 0.9, BatchSize = 64, MaxGradNorm = 1, Tau = 0.01, DoubleDqn = false };
        Assert.Null(DqnOptions.ChangeOnResume(Trained, next));
        Assert.Equal(next, next.WithShapeOf(Trained));
    }

    [Fact]
    public void Shape_changes_are_named_and_WithShapeOf_keeps_the_trained_shape()
    {
        var requested = new DqnOptions { LearningRate = 5e-4 };
        var problem = DqnOptions.ChangeOnResume(Trained, requested);
        Assert.NotNull(problem);
        Assert.Contains("hiddenLayers [32, 32] → [64]", problem, StringComparison.Ordinal);
        Assert.Contains("dueling True → False", problem, StringComparison.Ordinal);
        Assert.Contains("optimizer Sgd → Adam", problem, StringComparison.Ordinal);
        var kept = requested.WithShapeOf(Trained);
        Assert.Null(DqnOptions.ChangeOnResume(Trained, kept));
        Assert.Equal(5e-4, kept.LearningRate);
        Assert.Equal([32, 32], kept.HiddenLayers);
    }
}
