using Spectre.Console;

namespace Lineage.Cli.Experiments;

/// <summary>The experiment's tables on the console: the headline (agent − buy &amp; hold, both sources of uncertainty) and the targets.</summary>
internal static class ExperimentConsole
{
    /// <summary>The console's headline and targets tables.</summary>
    public static IEnumerable<Table> Tables(ExperimentPlan plan, IReadOnlyList<SeedResult> results)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var split = plan.ValidationOnly ? "validation" : "test";
        var headline = new Table()
            .Title($"Headline ({split}): agent − buy & hold, after {ExperimentReport.Fees(plan.BaseRun)}")
            .AddColumns("variant", "market", "runs", "horizon", "excess return: mean [[95% CI]]", "CI source", "training noise", "file path: block bootstrap");
        foreach (var h in ExperimentReport.Headlines(results, plan.ValidationOnly))
        {
            headline.AddRow([.. new[] { h.Variant, h.Market, ExperimentReport.Counts(h.ExcessReturn, h.Synthetic), h.Bars, ExperimentReport.Ci(h.ExcessReturn.Headline, "P1"), ExperimentReport.CiSource(h.ExcessReturn, h.Synthetic), ExperimentReport.TrainingNoise(h.ExcessReturn, "P1"), ExperimentReport.PathBootstrap(h) }.Select(Markup.Escape)]);
        }

        yield return headline;
        var targets = new Table().Title($"Targets ({split})").AddColumns("variant", "market", "target", "measured: mean [[95% CI]]", "met", "uncertainty");
        foreach (var c in ExperimentReport.Targets(results, plan.ValidationOnly))
        {
            targets.AddRow(Markup.Escape(c.Variant), Markup.Escape(c.Market), Markup.Escape(c.Target), Markup.Escape(c.Measured), c.Met ? "[green]yes[/]" : "[red]no[/]", Markup.Escape(c.Uncertainty));
        }

        yield return targets;
    }
}
