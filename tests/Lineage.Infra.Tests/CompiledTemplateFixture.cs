namespace Lineage.Infra.Tests;

/// <summary>infra/main.bicep compiled once (about 2 s) for every assertion on the ARM JSON.</summary>
public sealed class CompiledTemplateFixture : IAsyncLifetime
{
    public BicepResult Build { get; private set; } = null!;

    public ArmTemplate Main { get; private set; } = null!;

    public string Json => Build.StandardOutput;

    public async Task InitializeAsync()
    {
        Build = await BicepCli.RunAsync("build", Path.Combine(BicepCli.InfraFolder, "main.bicep"), "--stdout");
        if (Build.ExitCode != 0)
        {
            throw new InvalidOperationException($"bicep build failed ({Build.ExitCode}):\n{Build.StandardError}");
        }

        Main = ArmTemplate.Parse(Build.StandardOutput);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
