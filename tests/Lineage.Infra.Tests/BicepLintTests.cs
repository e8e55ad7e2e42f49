namespace Lineage.Infra.Tests;

/// <summary>Every template under infra/ compiles and lints with no diagnostic at all (warnings included).</summary>
public sealed class BicepLintTests
{
    public static TheoryData<string> Templates() => new(TemplateFiles());

    private static List<string> TemplateFiles() =>
        [.. Directory.EnumerateFiles(BicepCli.InfraFolder, "*.bicep", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(BicepCli.InfraFolder, file))
            .Order(StringComparer.Ordinal)];

    [Fact]
    public void InfraHasTheMainTemplateAndItsModules()
    {
        var templates = TemplateFiles();
        Assert.Contains("main.bicep", templates);
        Assert.True(templates.Count >= 5, $"Expected main.bicep plus its modules, found: {string.Join(", ", templates)}");
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task TemplateBuildsWithoutDiagnostics(string template)
    {
        var result = await BicepCli.RunAsync("build", Path.Combine(BicepCli.InfraFolder, template), "--stdout");
        Assert.True(result.ExitCode == 0, $"bicep build {template} exited {result.ExitCode}:\n{result.StandardError}");
        Assert.True(result.StandardError.Trim().Length == 0, $"bicep build {template} reported:\n{result.StandardError}");
        Assert.StartsWith("{", result.StandardOutput.TrimStart(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task TemplateLintsWithoutDiagnostics(string template)
    {
        var result = await BicepCli.RunAsync("lint", Path.Combine(BicepCli.InfraFolder, template));
        Assert.True(result.ExitCode == 0, $"bicep lint {template} exited {result.ExitCode}:\n{result.StandardError}");
        Assert.True((result.StandardError + result.StandardOutput).Trim().Length == 0, $"bicep lint {template} reported:\n{result.StandardError}{result.StandardOutput}");
    }

    [Fact]
    public async Task LintReportsAWarningForAFlawedTemplate()
    {
        // Guards the tests above: a silent linter (wrong binary, rules off) would make them pass vacuously.
        var folder = Directory.CreateTempSubdirectory("lineage-bicep-");
        try
        {
            var flawed = Path.Combine(folder.FullName, "flawed.bicep");
            await File.WriteAllTextAsync(flawed, "param unused string\n");
            var result = await BicepCli.RunAsync("lint", flawed);
            Assert.Contains("no-unused-params", result.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
