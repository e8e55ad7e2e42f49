using System.Diagnostics;
using Lineage.Core.Randomness;
using Lineage.Learning;
using Xunit.Abstractions;

namespace Lineage.IntegrationTests.Learning;

[Collection(TorchCollection.Name)]
public sealed class TrainerMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public void Resident_memory_stays_flat_over_10000_updates()
    {
        using var trainer = new DqnTrainer(5, 4, new DqnOptions(), seed: 51);
        var rng = new Rng(52);
        var batches = Enumerable.Range(0, 50).Select(_ => LearningTestData.RandomBatch(rng, 32)).ToArray();
        var rss = new List<(int Updates, long Bytes)>();
        var sw = Stopwatch.StartNew();
        for (var i = 1; i <= 10_000; i++)
        {
            trainer.Update(batches[i % batches.Length]);
            if (i % 2000 == 0)
            {
                rss.Add((i, ResidentBytes()));
            }
        }

        output.WriteLine($"10,000 updates (5-64-4, batch 32, Adam, double DQN) in {sw.Elapsed.TotalSeconds:F2} s, {sw.Elapsed.TotalMilliseconds * 1000 / 10_000:F0} µs/update");
        output.WriteLine("RSS MB: " + string.Join(", ", rss.Select(r => $"{r.Updates}: {r.Bytes / 1e6:F1}")));

        var growth = rss[^1].Bytes - rss[0].Bytes;
        Assert.True(growth < 20_000_000, $"RSS grew {growth / 1e6:F1} MB between update {rss[0].Updates} and {rss[^1].Updates}");
    }

    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }
}
