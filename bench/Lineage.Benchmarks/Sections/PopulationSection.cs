using System.Diagnostics;
using System.Globalization;
using DurableTask.Core.History;
using Lineage.Benchmarks.Harness;
using Lineage.Hosting;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Populations;
using Lineage.Orchestration.Runs;
using Lineage.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lineage.Benchmarks.Sections;

/// <summary>
/// Issue 19's scaling target: a population of N members on the embedded backend against N member-sized runs on the
/// machine's cores (wall ÷ (N × one member's run ÷ cores), target ≤ 1.25), measured in the same process on the same Azurite;
/// and the population orchestration's history per execution (one round each), which must not grow with the rounds.
/// </summary>
public sealed class PopulationSection : IBenchSection
{
    public string Name => "population";

    public async Task RunAsync(BenchContext context)
    {
        var azurite = await context.AzuriteAsync();
        var (members, rounds, perRound) = context.Quick ? (2, 2, 2) : (4, 3, 2);
        var cores = Environment.ProcessorCount;
        var baseRun = new TrainingRun
        {
            Dataset = "synthetic:trend",
            EpisodesPerIteration = 4,
            MaxParallelEpisodes = 4,
            StepsPerEpisode = 128,
            UpdatesPerIteration = 64,
            LearningStarts = 0,
            BootstrapDraws = 0,
        };

        // One member's whole schedule as a run of its own (the same iterations, episodes and updates).
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

            var ideal = members * one / cores;
            context.Results.Add(new Figure(
                "Population", string.Create(CultureInfo.InvariantCulture, $"{members} members × {rounds} rounds × {perRound} iterations, embedded backend, {cores} members at once (wall)"),
                wall, "s", string.Create(CultureInfo.InvariantCulture, $"N × one member's run ÷ {cores} cores"), ideal, "≤ 1.25×", wall / ideal <= 1.25,
                Note: string.Create(CultureInfo.InvariantCulture, $"one member's {rounds * perRound} iterations as a run of its own: {one:F1} s (best of 2); the population adds the rounds' planning, ranking and exploit copies, the candidate's evaluations and the gate")));

            // One execution per round: its events, whatever the round.
            var history = runtime.Durable.GetHistory(instance);
            var perExecution = new List<int>();
            foreach (var e in history)
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
                "Population", "history events per execution (one round each), the largest", perExecution.Max(), "events",
                Note: string.Create(CultureInfo.InvariantCulture, $"by round: {string.Join(", ", perExecution)}; {members} members; continues as new every round, so the history does not grow with the rounds")));
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
