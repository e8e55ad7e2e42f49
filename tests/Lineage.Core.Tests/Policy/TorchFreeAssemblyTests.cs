using System.Reflection;
using Lineage.Core.Replay;
using Lineage.Policy;

namespace Lineage.Core.Tests.Policy;

/// <summary>Acting and deciding must never load TorchSharp: the policy assembly and the domain reference none of it.</summary>
public class TorchFreeAssemblyTests
{
    [Fact]
    public void PolicyAssembly_ReferencesNoTorchSharp()
    {
        Assert.DoesNotContain(typeof(MlpPolicy).Assembly.GetReferencedAssemblies(), IsTorch);
    }

    [Fact]
    public void CoreAssembly_ReferencesNoTorchSharp()
    {
        Assert.DoesNotContain(typeof(Experience).Assembly.GetReferencedAssemblies(), IsTorch);
    }

    [Fact]
    public void PolicyAssembly_ReferencesOnlyCoreAmongLineageProjects()
    {
        var lineage = typeof(MlpPolicy).Assembly.GetReferencedAssemblies()
            .Select(a => a.Name)
            .Where(n => n is not null && n.StartsWith("Lineage.", StringComparison.Ordinal));

        Assert.Equal(["Lineage.Core"], lineage);
    }

    [Fact]
    public void PolicyAssembly_PullsInNoTorchSharpTransitively()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<Assembly>([typeof(MlpPolicy).Assembly]);
        while (pending.Count > 0)
        {
            foreach (var reference in pending.Pop().GetReferencedAssemblies())
            {
                Assert.False(IsTorch(reference), $"{reference.Name} is referenced from the policy's dependency closure.");
                if (reference.Name is { } name && name.StartsWith("Lineage.", StringComparison.Ordinal) && seen.Add(name))
                {
                    pending.Push(Assembly.Load(reference));
                }
            }
        }

        Assert.Contains("Lineage.Core", seen);
    }

    private static bool IsTorch(AssemblyName name) =>
        name.Name is { } n && n.Contains("torch", StringComparison.OrdinalIgnoreCase);
}
