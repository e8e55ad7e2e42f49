using System.Diagnostics;
using Lineage.Core.Randomness;
using Lineage.Learning;
using Lineage.Policy;
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

        // A leaked step (its ~20 tensors, ≥ 10 KB native) would add > 100 MB over 8,000 updates.
        var growth = rss[^1].Bytes - rss[0].Bytes;
        Assert.True(growth < 32_000_000, $"RSS grew {growth / 1e6:F1} MB between update {rss[0].Updates} and {rss[^1].Updates}");
    }

    [Fact]
    public void Updates_leave_no_live_tensors_behind()
    {
        using var trainer = new DqnTrainer(5, 4, new DqnOptions { Dueling = true, Tau = 0.01 }, seed: 53);
        var rng = new Rng(54);
        var batches = Enumerable.Range(0, 10).Select(_ => LearningTestData.RandomBatch(rng, 32)).ToArray();
        float[] weights = [.. Enumerable.Repeat(0.5f, 32)];
        trainer.Update(batches[0], weights);
        var stats = TorchSharp.DisposeScopeManager.Statistics.TensorStatistics;
        var before = (stats.ThreadTotalLiveCount, stats.CreatedOutsideScopeCount - stats.DisposedOutsideScopeCount);

        for (var i = 0; i < 200; i++)
        {
            trainer.Update(batches[i % batches.Length], weights);
        }

        trainer.ExportPolicy();
        trainer.CreateCheckpoint(0, 0, rng.GetState(), "{}");
        var after = (stats.ThreadTotalLiveCount, stats.CreatedOutsideScopeCount - stats.DisposedOutsideScopeCount);
        Assert.Equal(before, after);
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
