using System.Text.RegularExpressions;

namespace Lineage.Infra.Tests;

/// <summary>The layout shows the architecture: stages that depend one way, and a README that names every project.</summary>
public sealed partial class LayoutTests
{
    private static readonly string Orchestration = Path.Combine(BicepCli.RepositoryRoot, "src", "Lineage.Orchestration");

    [Fact]
    public void No_two_orchestration_folders_depend_on_each_other()
    {
        var edges = new HashSet<(string From, string To)>();
        foreach (var file in Directory.EnumerateFiles(Orchestration, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Orchestration, file);
            if (relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal) || !relative.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            var folder = relative.Split(Path.DirectorySeparatorChar)[0];
            foreach (Match match in Reference().Matches(File.ReadAllText(file)))
            {
                if (match.Groups[1].Value != folder)
                {
                    edges.Add((folder, match.Groups[1].Value));
                }
            }
        }

        Assert.NotEmpty(edges);
        var cycles = edges.Where(e => string.CompareOrdinal(e.From, e.To) < 0 && edges.Contains((e.To, e.From))).Select(e => $"{e.From} <-> {e.To}").ToList();
        Assert.Empty(cycles);
    }

    [Fact]
    public void The_readme_project_table_names_every_project()
    {
        var readme = File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "README.md"));
        var projects = new[] { "src", "samples" }
            .SelectMany(d => Directory.EnumerateDirectories(Path.Combine(BicepCli.RepositoryRoot, d)))
            .Where(d => Directory.EnumerateFiles(d, "*.csproj").Any())
            .Select(d => $"{Path.GetFileName(Path.GetDirectoryName(d))}/{Path.GetFileName(d)}");

        Assert.All(projects, p => Assert.Contains($"`{p}`", readme, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"\bLineage\.Orchestration\.(\w+)\b")]
    private static partial Regex Reference();
}
