using System.Diagnostics;
using System.Globalization;
using DurableTask.Core.History;
using Lineage.Benchmarks.Harness;
using Lineage.Hosting;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Populations;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lineage.Benchmarks.Sections;

/// <summary>
/// Issue 19's scaling target: a population of N members on the embedded backend (its search space with the batch fixed at
/// the member run's, so a member's updates cost what the baseline's do) against N member-sized runs on the machine's cores (wall ÷ (N × one member's run ÷ cores), target ≤ 1.25), measured in the same process on the same Azurite;
/// and the population orchestration's history per execution (one round each), which must not grow with the rounds.
/// </summary>
public sealed class PopulationSection : IBenchSection
{
    public string Name => "population";

    public async Task RunAsync(BenchContext context)
    {
        // The issue's default shape (8 members × 5 rounds × 4 iterations), and many one-iteration rounds, where the round
        // barrier (every member waits for the slowest) and the serial ranking between rounds weigh most.
        (int Members, int Rounds, int PerRound)[] shapes = context.Quick ? [(2, 2, 2)] : [(8, 5, 4), (4, 9, 1)];
        foreach (var (members, rounds, perRound) in shapes)
        {
            await MeasureAsync(context, members, rounds, perRound);
        }
    }

    private static async Task MeasureAsync(BenchContext context, int members, int rounds, int perRound)
    {
        var azurite = await context.AzuriteAsync();
        var cores = Environment.ProcessorCount;
        var baseRun = new TrainingRun
        {
            Dataset = "synthetic:trend",
            EpisodesPerIteration = 4,
            MaxParallelEpisodes = 4,
            StepsPerEpisode = 256,
            UpdatesPerIteration = 256,
            LearningStarts = 0,
            BootstrapDraws = 0,
        };

        // One member's whole schedule as a run of its own (the same iterations, episodes and updates), best of 2.
        var one = double.MaxValue;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            await using var runtime = await StartAsync(azurite.ConnectionString);
            var run = baseRun with { RunId = $"bench-member-{attempt}", Iterations = rounds * perRound, Promote = false };
            var clock = Stopwatch.StartNew();
            Accept(await runtime.Runs.StartAsync(run, CancellationToken.None));
            await runtime.Durable.WaitForCompletionAsync(run.RunId, TimeSpan.FromMilliseconds(50), null, CancellationToken.None);
            one = Math.Min(one, clock.Elapsed.TotalSeconds);
        }

        await using (var runtime = await StartAsync(azurite.ConnectionString))
        {
            var request = new PopulationRequest
            {
                PopulationId = "bench-pop",
                Run = baseRun,
                Members = members,
                Rounds = rounds,
                IterationsPerRound = perRound,
                ExploitQuantile = 0.25,
                // The batch stays the member run's (32): a batch of 128 costs ~3× an update of 32, and the ratio is about the
                // orchestration, not about which hyperparameters the members drew.
                SearchSpace = new PopulationSearchSpace { BatchSize = ParameterRange.Of(baseRun.Dqn.BatchSize) },
                MaxParallelMembers = cores,
                Seed = 1,
            };
            var clock = Stopwatch.StartNew();
            Accept(await runtime.Runs.Populations.StartAsync(request, CancellationToken.None));
            var instance = PopulationBlobs.InstanceId(request.PopulationId);
            var final = await runtime.Durable.WaitForCompletionAsync(instance, TimeSpan.FromMilliseconds(50), null, CancellationToken.None);
            var wall = clock.Elapsed.TotalSeconds;
            if (final.Status != RunRuntimeStatus.Completed)
            {
                throw new InvalidOperationException($"The bench population ended {final.Status}: {final.FailureMessage}");
            }

            // Where a population's time goes beyond its members' iterations: the activities between the rounds.
            var between = 0.0;
            foreach (var e in History(runtime, instance))
            {
                between += e.Name is ActivityNames.PlanPopulationRound or ActivityNames.PopulationRound ? e.Ms : 0;
            }

            var ideal = members * one / cores;
            var shape = string.Create(CultureInfo.InvariantCulture, $"{members} members × {rounds} rounds × {perRound} iterations");
            context.Results.Add(new Figure(
                "Population", $"{shape}, embedded backend, {cores} members at once (wall)",
                wall, "s", string.Create(CultureInfo.InvariantCulture, $"N × one member's run ÷ {cores} cores"), ideal, "≤ 1.25×", wall / ideal <= 1.25,
                Note: string.Create(CultureInfo.InvariantCulture,
                    $"one member's {rounds * perRound} iterations as a run of its own: {one:F1} s (best of 2); planning and ranking between the rounds (serial, no member trains): {between / 1000:F1} s; each round also waits for its slowest member")));

            // One execution per round: its events, whatever the round.
            var perExecution = new List<int>();
            foreach (var e in runtime.Durable.GetHistory(instance))
            {
                if (e is ExecutionStartedEvent)
                {
                    perExecution.Add(0);
                }

                if (perExecution.Count > 0)
                {
                    perExecution[^1]++;
                }
            }

            context.Results.Add(new Figure(
                "Population", $"{shape}: history events per execution (one round each), the largest", perExecution.Max(), "events",
                Note: string.Create(CultureInfo.InvariantCulture, $"by round: {string.Join(", ", perExecution)}; continues as new every round, so the history does not grow with the rounds")));
        }
    }

    /// <summary>Every completed activity of <paramref name="instance"/>'s executions: its name and how long it took (scheduled to completed).</summary>
    private static IEnumerable<(string Name, double Ms)> History(LocalRuntime runtime, string instance)
    {
        var scheduled = new Dictionary<int, TaskScheduledEvent>();
        foreach (var e in runtime.Durable.GetHistory(instance))
        {
            switch (e)
            {
                case ExecutionStartedEvent:
                    scheduled.Clear();
                    break;
                case TaskScheduledEvent task:
                    scheduled[task.EventId] = task;
                    break;
                case TaskCompletedEvent done when scheduled.TryGetValue(done.TaskScheduledId, out var start):
                    yield return (start.Name ?? "", (done.Timestamp - start.Timestamp).TotalMilliseconds);
                    break;
            }
        }
    }

    private static void Accept(ApiResponse response)
    {
        if (response.Outcome != ApiOutcome.Accepted)
        {
            throw new InvalidOperationException($"The bench start was refused: {response.Outcome}");
        }
    }

    private static Task<LocalRuntime> StartAsync(string connection) =>
        LocalRuntime.StartAsync(
            new LocalRuntimeOptions
            {
                StorageConnectionString = connection,
                TaskHub = $"benchpop{Guid.NewGuid():N}"[..20],
                ContainerName = $"benchpop-{Guid.NewGuid():N}"[..24],
            },
            NullLoggerFactory.Instance);
}
