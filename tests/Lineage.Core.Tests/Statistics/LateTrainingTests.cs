using Lineage.Core.Statistics;
using Xunit;

namespace Lineage.Core.Tests.Statistics;

public sealed class LateTrainingTests
{
    [Fact]
    public void Averages_the_evaluations_after_the_middle_iteration()
    {
        // Iterations 1..6: middle 3.5, so 4, 5, 6 count; the best (iteration 2) is not picked.
        var curve = new (int, double?)[] { (1, 0.1), (2, 5.0), (3, 0.3), (4, 1.0), (5, 2.0), (6, 3.0) };

        Assert.Equal(2.0, LateTraining.Mean(curve)!.Value, 12);
    }

    [Fact]
    public void The_middle_iteration_itself_is_early_and_missing_values_are_skipped()
    {
        var curve = new (int, double?)[] { (0, 9.0), (2, 9.0), (4, 9.0), (6, null), (8, 1.0), (7, double.NaN) };

        Assert.Equal(1.0, LateTraining.Mean(curve)!.Value, 12);
    }

    [Fact]
    public void One_evaluation_is_its_own_late_mean_and_none_is_null()
    {
        Assert.Equal(0.7, LateTraining.Mean([(5, 0.7)]));
        Assert.Null(LateTraining.Mean([]));
        Assert.Null(LateTraining.Mean([(1, 1.0), (2, null)]));
    }
}
