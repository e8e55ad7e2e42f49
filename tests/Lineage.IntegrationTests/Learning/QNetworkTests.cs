using Lineage.Core.Randomness;
using Lineage.Learning;
using static TorchSharp.torch;

namespace Lineage.IntegrationTests.Learning;

[Collection(TorchCollection.Name)]
public sealed class QNetworkTests
{
    [Fact]
    public void Forward_maps_a_batch_of_states_to_one_q_value_per_action()
    {
        using var scope = NewDisposeScope();
        using var net = new QNetwork(5, 4, [64, 32], dueling: false);

        var q = net.forward(randn(7, 5));

        Assert.Equal([7L, 4L], q.shape);
    }

    [Fact]
    public void Parameters_use_pytorch_state_dict_names()
    {
        using var plain = new QNetwork(5, 4, [8, 8], dueling: false);
        using var dueling = new QNetwork(5, 4, [8], dueling: true);

        Assert.Equal(["hidden.0.weight", "hidden.0.bias", "hidden.1.weight", "hidden.1.bias", "output.weight", "output.bias"], plain.GetWeights().Select(w => w.Name));
        Assert.Equal(["hidden.0.weight", "hidden.0.bias", "value.weight", "value.bias", "advantage.weight", "advantage.bias"], dueling.GetWeights().Select(w => w.Name));
    }

    [Fact]
    public void Dueling_q_values_average_to_the_state_value()
    {
        using var scope = NewDisposeScope();
        using var net = new QNetwork(5, 4, [16], dueling: true);
        net.InitializeWeights(new Rng(3));
        var x = randn(6, 5);

        var q = net.forward(x);
        var weights = net.GetWeights();
        var h = nn.functional.relu(x.matmul(tensor(weights[0].Data, [16, 5]).t()) + tensor(weights[1].Data));
        var v = h.matmul(tensor(weights[2].Data, [1, 16]).t()) + weights[3].Data[0];

        Assert.True(q.mean([1], keepdim: true).allclose(v, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Same_seed_gives_identical_weights_and_another_seed_does_not()
    {
        using var a = new QNetwork(5, 4, [64], false);
        using var b = new QNetwork(5, 4, [64], false);
        using var c = new QNetwork(5, 4, [64], false);
        a.InitializeWeights(new Rng(11));
        b.InitializeWeights(new Rng(11));
        c.InitializeWeights(new Rng(12));

        Assert.True(LearningTestData.SameBits(a.GetWeights(), b.GetWeights()));
        Assert.False(LearningTestData.SameBits(a.GetWeights(), c.GetWeights()));
    }

    [Fact]
    public void Initial_weights_lie_within_the_fan_in_bound()
    {
        using var net = new QNetwork(5, 4, [64], false);
        net.InitializeWeights(new Rng(5));

        var first = net.GetWeights()[0];

        Assert.All(first.Data, w => Assert.InRange(Math.Abs(w), 0, 1 / Math.Sqrt(5)));
    }
}
