using Lineage.Policy;

namespace Lineage.IntegrationTests.Learning;

public sealed class DqnOptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        Assert.Empty(new DqnOptions().Validate());
    }

    [Fact]
    public void Defaults_match_the_documented_values()
    {
        var o = new DqnOptions();
        Assert.Equal([64], o.HiddenLayers);
        Assert.Equal((false, 0.99, 32, 1e-3), (o.Dueling, o.Gamma, o.BatchSize, o.LearningRate));
        Assert.Equal((DqnOptimizer.Adam, DqnLoss.Huber), (o.Optimizer, o.Loss));
        Assert.Equal((true, 250, 0.0, true, 10.0, 1), (o.UseTargetNetwork, o.TargetUpdateInterval, o.Tau, o.DoubleDqn, o.MaxGradNorm, o.TorchThreads));
    }

    [Fact]
    public void Validate_names_each_bad_field_and_its_value()
    {
        var errors = new DqnOptions { Gamma = 1.5, BatchSize = 0, HiddenLayers = [64, -3], Tau = -0.1 }.Validate();

        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.Contains("Gamma = 1.5", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("BatchSize = 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("HiddenLayers[1] = -3", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Tau = -0.1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new[] { 1_000_000 }, "HiddenLayers[0] = 1000000")]
    [InlineData(new[] { 8, 8, 8, 8, 8 }, "HiddenLayers.Count = 5")]
    [InlineData(new[] { 1024, 1024, 1024 }, "parameters")]
    public void Validate_bounds_the_network_size(int[] hidden, string expected)
    {
        var errors = new DqnOptions { HiddenLayers = hidden }.Validate();

        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_bounds_torch_threads_and_batch_size()
    {
        var errors = new DqnOptions { TorchThreads = 64, BatchSize = 100_000 }.Validate();

        Assert.Contains(errors, e => e.Contains("TorchThreads = 64", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("BatchSize = 100000", StringComparison.Ordinal));
    }

    [Fact]
    public void Original_is_plain_sgd_with_mse_and_no_target_network_or_double_dqn()
    {
        var o = DqnOptions.Original;
        Assert.Equal((DqnOptimizer.Sgd, DqnLoss.Mse, false, false), (o.Optimizer, o.Loss, o.UseTargetNetwork, o.DoubleDqn));
        Assert.Empty(o.Validate());
    }

    [Fact]
    public void Json_round_trip_preserves_every_option()
    {
        var o = new DqnOptions { HiddenLayers = [32, 16], Dueling = true, Gamma = 0.9, Optimizer = DqnOptimizer.Sgd, Tau = 0.005, MaxGradNorm = 0 };

        var back = DqnOptions.FromJson(o.ToJson());

        Assert.Equal(o, back);
        Assert.Contains("\"Sgd\"", o.ToJson(), StringComparison.Ordinal);
    }
}
