using TorchSharp;
using static TorchSharp.torch;

namespace Lineage.IntegrationTests.Learning;

[Collection(TorchCollection.Name)]
public sealed class TorchLoadTests
{
    [Fact]
    public void Torch_loads_and_runs_a_linear_forward_pass()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(2, 1);
        using (no_grad())
        {
            linear.weight!.copy_(tensor(new float[] { 2f, -3f }).reshape(1, 2));
            linear.bias!.copy_(tensor(new float[] { 0.5f }));
        }

        var y = linear.forward(tensor(new float[] { 1f, 1f }).reshape(1, 2));

        Assert.Equal(-0.5f, y.item<float>(), 6);
    }
}
