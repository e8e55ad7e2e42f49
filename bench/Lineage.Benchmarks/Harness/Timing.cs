using System.Diagnostics;

namespace Lineage.Benchmarks.Harness;

/// <summary>Stopwatch measurements for the end-to-end figures: median of repetitions after a warm-up.</summary>
public static class Timing
{
    public static async Task<TimeSpan> MedianAsync(int repetitions, Func<int, Task> action, int warmups = 1)
    {
        for (var i = 0; i < warmups; i++)
        {
            await action(-1 - i);
        }

        var times = new List<TimeSpan>();
        for (var i = 0; i < repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            await action(i);
            times.Add(clock.Elapsed);
        }

        times.Sort();
        return times[times.Count / 2];
    }
}
