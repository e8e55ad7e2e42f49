using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Lineage.Benchmarks.Harness;

/// <summary>Writes bench/results.md: machine, commit and load, then one table per section.</summary>
public static class MarkdownReport
{
    public static string Render(ResultSet results, BenchContext context, RunInfo run)
    {
        var md = new StringBuilder();
        md.AppendLine("# Lineage benchmark results");
        md.AppendLine();
        md.AppendLine("Written by `bench/run.sh` (the benchmark command); do not edit by hand. Every figure is compared with a");
        md.AppendLine("baseline measured in the same run, so the ratios stay meaningful on a busy, shared machine.");
        md.AppendLine("Ratio = value ÷ baseline in the row's unit (for a rate, above 1 means faster than the baseline).");
        md.AppendLine();
        md.AppendLine("| | |");
        md.AppendLine("|---|---|");
        Row(md, "Commit", run.Commit);
        Row(md, "Date (UTC)", run.Started.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        Row(md, "Mode", run.Quick ? "quick (`--quick`: shorter runs, smaller end-to-end jobs)" : "full");
        Row(md, "Command", run.CommandLine);
        Row(md, "Duration", string.Create(CultureInfo.InvariantCulture, $"{run.Elapsed.TotalMinutes:F1} min"));
        Row(md, "CPU", $"{Machine.CpuModel()}, {Environment.ProcessorCount} cores");
        Row(md, "RAM", Machine.TotalMemory());
        Row(md, "OS", Machine.OperatingSystem());
        Row(md, ".NET", RuntimeInformation.FrameworkDescription);
        Row(md, "TorchSharp", typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "?");
        Row(md, "Settings", $"OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "(unset)"}; harness JIT: tiered compilation off (fully optimised from the first call); BenchmarkDotNet in-process, medians");
        foreach (var (key, value) in context.Facts.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            Row(md, key, value);
        }

        Row(md, "Load average (1/5/15 min) at start", run.LoadAtStart);
        Row(md, "Load average (1/5/15 min) at end", run.LoadAtEnd);
        md.AppendLine();
        md.AppendLine("The machine is shared with other engineers' builds and tests: a load average above the core count means");
        md.AppendLine("absolute numbers are pessimistic; compare ratios.");
        md.AppendLine();

        foreach (var section in results.Figures.Select(f => f.Section).Concat(results.Notes.Select(n => n.Section)).Distinct())
        {
            md.AppendLine($"## {section}");
            md.AppendLine();
            var figures = results.Figures.Where(f => f.Section == section).ToList();
            if (figures.Count > 0)
            {
                md.AppendLine("| Figure | Value | Baseline (same run) | Ratio | Target | Notes |");
                md.AppendLine("|---|---:|---|---:|---|---|");
                foreach (var f in figures)
                {
                    var baseline = f.BaselineValue is { } b ? $"{f.BaselineName}: {ResultSet.Number(b)}" : f.BaselineName ?? "—";
                    var ratio = f.Ratio is { } r ? $"{ResultSet.Number(r)}×" : "—";
                    var target = f.Target is null ? "—" : $"{f.Target}: **{(f.MeetsTarget switch { true => "met", false => "not met", null => "n/a" })}**";
                    md.AppendLine($"| {Escape(f.Name)} | {ResultSet.Number(f.Value)} {f.Unit} | {Escape(baseline)} | {ratio} | {Escape(target)} | {Escape(f.Note ?? "")} |");
                }

                md.AppendLine();
            }

            foreach (var (_, text) in results.Notes.Where(n => n.Section == section))
            {
                md.AppendLine($"- {text}");
            }

            md.AppendLine();
        }

        return md.ToString().TrimEnd() + Environment.NewLine;
    }

    private static void Row(StringBuilder md, string key, string value) => md.AppendLine($"| {key} | {Escape(value)} |");

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}

public sealed record RunInfo(string Commit, DateTimeOffset Started, bool Quick, string CommandLine, TimeSpan Elapsed, string LoadAtStart, string LoadAtEnd);
