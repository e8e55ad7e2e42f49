using System.Globalization;
using Lineage.Hosting;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Spectre.Console;

namespace Lineage.Cli;

/// <summary>
/// Live progress from the orchestration's custom status: a bar on a terminal; otherwise (a log, CI, a pipe) one line
/// per finished iteration, plus the final phase, so logs stay readable.
/// </summary>
internal static class ProgressView
{
    public static async Task<RunInstance> FollowAsync(LocalDurableHost durable, TrainingRun run, CancellationToken cancellationToken)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            return await FollowPlainAsync(durable, run, cancellationToken);
        }

        RunInstance? final = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var iterations = context.AddTask("iterations", maxValue: run.Iterations);
                final = await durable.WaitForCompletionAsync(run.RunId, TimeSpan.FromMilliseconds(250), instance =>
                {
                    var progress = RunService.ToView(instance).Progress;
                    if (progress is null)
                    {
                        return;
                    }

                    var start = progress.Iterations - run.Iterations;
                    var done = progress.Phase == RunPhases.IterationDone ? progress.Iteration + 1 - start : progress.Iteration - start;
                    iterations.Value = Math.Clamp(done, 0, run.Iterations);
                    iterations.Description = Markup.Escape(Describe(progress) ?? "");
                }, cancellationToken);
                iterations.Value = iterations.MaxValue;
            });
        return final!;
    }

    private static async Task<RunInstance> FollowPlainAsync(LocalDurableHost durable, TrainingRun run, CancellationToken cancellationToken)
    {
        // Polling can miss a short iteration's "done" status: then its last status seen is printed when the next begins.
        var printed = -1;
        RunProgress? previous = null;
        void Print(RunProgress p)
        {
            printed = p.Iteration;
            Console.WriteLine(Describe(p));
        }

        var final = await durable.WaitForCompletionAsync(run.RunId, TimeSpan.FromMilliseconds(250), instance =>
        {
            if (RunService.ToView(instance).Progress is not { } progress)
            {
                return;
            }

            if (progress is { Phase: RunPhases.IterationDone } && progress.Iteration > printed)
            {
                Print(progress);
            }
            else if (previous is { } earlier && progress.Iteration > earlier.Iteration && earlier.Iteration > printed)
            {
                Print(earlier);
            }

            previous = progress;
        }, cancellationToken);
        if (RunService.ToView(final).Progress is { } last && (last.Phase != RunPhases.IterationDone || last.Iteration > printed))
        {
            Print(last);
        }

        return final;
    }

    public static string? Describe(RunProgress? p)
    {
        if (p is null)
        {
            return null;
        }

        var text = string.Create(CultureInfo.InvariantCulture, $"it {p.Iteration + 1}/{p.Iterations} {p.Phase,-14} ep {p.EpisodesDone}/{p.EpisodesPlanned} buf {p.BufferCount}");
        if (p.Loss is { } loss)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" loss {loss:F4} Q {p.MeanQ:F2}");
        }

        if (p.LatestEvaluation is { } e)
        {
            // A validation score arrives while the next iteration acts: say which iteration it is when it is not this one.
            var of = e.Iteration == p.Iteration ? "" : string.Create(CultureInfo.InvariantCulture, $" (it {e.Iteration + 1})");
            text += string.Create(CultureInfo.InvariantCulture, $" | {e.Split}{of} return {e.AgentReturn:P1} (b&h {e.BuyAndHoldReturn:P1})");
        }

        if (p.FailedEpisodes.Count > 0)
        {
            text += p.FailedEpisodeCount > p.FailedEpisodes.Count
                ? $" | failed episodes: {string.Join(",", p.FailedEpisodes)} and {p.FailedEpisodeCount - p.FailedEpisodes.Count} more"
                : $" | failed episodes: {string.Join(",", p.FailedEpisodes)}";
        }

        return text;
    }
}
