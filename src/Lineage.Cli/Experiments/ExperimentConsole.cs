using Spectre.Console;

namespace Lineage.Cli.Experiments;

/// <summary>The experiment's tables on the console: the headline (agent − buy &amp; hold, both sources of uncertainty) and the targets.</summary>
internal static class ExperimentConsole
{
    /// <summary>The headline table, then the targets table when a market has targets (synthetic markets only).</summary>
    public static IEnumerable<Table> Tables(ExperimentPlan plan, IReadOnlyList<SeedResult> results)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var split = plan.ValidationOnly ? "validation" : "test";
        var headline = new Table()
            .Title($"Headline ({split}): agent − buy & hold, after {ExperimentReport.Fees(plan.BaseRun)}")
            .AddColumns("variant", "market", "horizon", "excess return: mean [[95% CI]]", "uncertainty");
        foreach (var h in ExperimentReport.Headlines(results, plan.ValidationOnly))
        {
            var uncertainty = ExperimentReport.Uncertainty(h.ExcessReturn, h.Synthetic, "P1") + (h.Synthetic ? "" : "; path: block bootstrap " + ExperimentReport.PathBootstrap(h));
            headline.AddRow([.. new[] { h.Variant, h.Market, h.Bars, ExperimentReport.Ci(h.ExcessReturn.Headline, "P1"), uncertainty }.Select(Markup.Escape)]);
        }

        yield return headline;
        var checks = ExperimentReport.Targets(results, plan.ValidationOnly);
        if (checks.Count == 0)
        {
            yield break;
        }

        var targets = new Table().Title($"Targets ({split})").AddColumns("variant", "market", "target", "measured: mean [[95% CI]]", "met", "uncertainty");
        foreach (var c in checks)
        {
            targets.AddRow(Markup.Escape(c.Variant), Markup.Escape(c.Market), Markup.Escape(c.Target), Markup.Escape(c.Measured), c.Met ? "[green]yes[/]" : "[red]no[/]", Markup.Escape(c.Uncertainty));
        }

        yield return targets;
    }
}
