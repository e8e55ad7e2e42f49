using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Lineage.Core.Episodes;
using Lineage.Orchestration.Populations;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using ScottPlot;

namespace Lineage.Cli.PopulationRuns;

/// <summary>
/// A population's family tree as text (<see cref="Tree"/>: each round's ranking, survivors and exploits, then every member's
/// line of descent) and its report folder: population.json (request, lineage record, result), population.md, the tree plot
/// (members' validation scores over rounds, exploits as edges from donor to recipient) and the members' validation curves.
/// </summary>
internal static class PopulationReport
{
    public const string Json = "population.json";
    public const string Markdown = "population.md";
    public const string TreePlot = "population-tree.png";
    public const string CurvesPlot = "population-validation.png";

    private static readonly JsonSerializerOptions Indented = new(LineageJson.Options) { WriteIndented = true };

    /// <summary>The tree: round 0's draws, each later round ranked by the previous round's validation score, then the lines of descent.</summary>
    public static string Tree(LineageRecord record, PopulationResult? result)
    {
        ArgumentNullException.ThrowIfNull(record);
        var text = new StringBuilder();
        foreach (var round in record.Events.GroupBy(e => e.Round).OrderBy(g => g.Key))
        {
            if (round.Key == 0)
            {
                text.AppendLine("round 0: hyperparameters drawn from the search space");
                foreach (var e in round.OrderBy(e => e.Member))
                {
                    text.AppendLine(Text($"  m{e.Member}  {e.Hyperparameters}"));
                }

                continue;
            }

            text.AppendLine(Text($"round {round.Key}: ranked on the validation return (after fees) of round {round.Key - 1}'s last checkpoint"));
            foreach (var e in round.OrderByDescending(e => e.Score ?? double.NegativeInfinity).ThenBy(e => e.Member))
            {
                text.AppendLine(e.Parent is { } parent
                    ? Text($"  m{e.Member}  {P(e.Score)}  ← copies m{parent} (update {e.DonorUpdate} → its update {e.CheckpointUpdate}), generation {e.Generation}; {e.Mutation}: {e.Hyperparameters}")
                    : Text($"  m{e.Member}  {P(e.Score)}  survives, generation {e.Generation}"));
            }
        }

        if (result?.FinalScores is { } final)
        {
            text.AppendLine("final ranking (validation return of each member's last checkpoint):");
            foreach (var s in final.OrderByDescending(s => s.ValidationReturn ?? double.NegativeInfinity).ThenBy(s => s.Member))
            {
                text.AppendLine(Text($"  m{s.Member}  {P(s.ValidationReturn)}{(s.Member == result.Best?.Member ? "  ← candidate" : "")}"));
            }
        }

        text.AppendLine("lines of descent (newest first):");
        foreach (var member in record.Events.Select(e => e.Member).Distinct().Order())
        {
            text.AppendLine(Text($"  m{member}: {string.Join(" ← ", Descent(record, member))}"));
        }

        return text.ToString();
    }

    /// <summary>Member <paramref name="member"/>'s ancestry: itself, then each donor its weights came from, with the round of the copy.</summary>
    public static IReadOnlyList<string> Descent(LineageRecord record, int member)
    {
        ArgumentNullException.ThrowIfNull(record);
        var chain = new List<string> { Text($"m{member}") };
        var (current, before) = (member, int.MaxValue);
        while (record.Events.Where(e => e.Member == current && e.Round < before && e.Parent is not null).MaxBy(e => e.Round) is { } exploit)
        {
            chain.Add(Text($"m{exploit.Parent} (round {exploit.Round})"));
            (current, before) = (exploit.Parent!.Value, exploit.Round);
        }

        chain.Add("drawn");
        return chain;
    }

    public static async Task WriteAsync(
        DirectoryInfo folder, PopulationRequest request, LineageRecord record, PopulationResult? result, BlobContainerClient container, string command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(record);
        folder.Create();
        await using (var stream = File.Create(Path.Combine(folder.FullName, Json)))
        {
            await JsonSerializer.SerializeAsync(stream, new { Name = folder.Name, Command = command, Request = request, Lineage = record, Result = result }, Indented, cancellationToken);
        }

        Plots.Save(TreeChart(request, record, result), folder, TreePlot);
        Plots.Save(await CurvesAsync(request, container, cancellationToken), folder, CurvesPlot);
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, Markdown), Summary(folder.Name, request, record, result, command), cancellationToken);
    }

    private static string Summary(string name, PopulationRequest request, LineageRecord record, PopulationResult? result, string command)
    {
        var md = new StringBuilder();
        md.AppendLine(Text($"# Population: {name}"));
        md.AppendLine();
        md.AppendLine(Text($"`{command}`"));
        md.AppendLine();
        md.AppendLine(Text($"Population `{request.PopulationId}` (one Durable orchestration, one round per execution; member k trained as run `{request.PopulationId}-m{{k}}`): {request.Members} members on dataset `{request.Run.Dataset}`, {request.Rounds} rounds × {request.IterationsPerRound} iterations ({request.Run.EpisodesPerIteration} episodes × {request.Run.StepsPerEpisode} steps and {request.Run.UpdatesPerIteration} learner updates an iteration), seed {request.Seed}. After each round but the last, the bottom {request.ExploitQuantile:P0} by validation return (after fees) copy a member of the top {request.ExploitQuantile:P0} (weights, target, optimizer state, replay window) and explore (×0.8/×1.2, or a fresh draw with probability {request.ResampleProbability:P0}). Members never see the test split; the candidate, the best member on validation at the end, is tested once and put to the champion gate with every other member recorded as a trial of the model."));
        md.AppendLine();
        md.AppendLine(Text($"![tree]({TreePlot})"));
        md.AppendLine();
        md.AppendLine(Text($"![validation curves]({CurvesPlot})"));
        md.AppendLine();
        md.AppendLine("```");
        md.Append(Tree(record, result));
        md.AppendLine("```");
        md.AppendLine();
        if (result?.Test is { } test)
        {
            md.AppendLine(Text($"Candidate: member {result.Best!.Member} (`{result.Best.RunId}`, checkpoint {result.Best.CheckpointUpdate}), validation return {P(result.Best.ValidationReturn)}."));
            md.AppendLine();
            md.AppendLine(Text($"Test split, scored once (same bars for every policy, after fees): agent {test.AgentReturn:P2} (Sharpe {test.AgentSharpe:F2}, max drawdown {test.AgentMaxDrawdown:P1}), buy-and-hold {test.BuyAndHoldReturn:P2}, best simple rule ({test.BestRuleName ?? "—"}) {P(test.BestRuleReturn)}, random {test.RandomMeanReturn:P2} ± {test.RandomStdReturn:P2}."));
            if (test.Bootstrap is { } b)
            {
                md.AppendLine();
                md.AppendLine(Text($"{Uncertainty.Excess("buy-and-hold", b.ExcessReturnVsBuyAndHold, b.ExcessSharpeVsBuyAndHold, b.Confidence)} {Uncertainty.Method(b.Bars, b.Draws, b.BlockLength)}"));
            }
        }

        if (result?.Promotion is { } promotion)
        {
            md.AppendLine();
            md.AppendLine(Text($"Gate (model `{promotion.Model}`): {(promotion.Promoted ? "promoted" : "not promoted")}. {promotion.Reason}"));
        }

        foreach (var note in result?.Notes ?? [])
        {
            md.AppendLine();
            md.AppendLine("- " + note);
        }

        return md.ToString();
    }

    /// <summary>Each member's validation score at the end of every round; an exploit is drawn from the donor's point to the recipient's next one.</summary>
    private static Plot TreeChart(PopulationRequest request, LineageRecord record, PopulationResult? result)
    {
        var plot = new Plot();
        // Score at the end of round r: the Score of round r + 1's event, or the final ranking for the last round.
        double? ScoreAt(int member, int round) =>
            round + 1 < request.Rounds
                ? record.Events.FirstOrDefault(e => e.Member == member && e.Round == round + 1)?.Score
                : result?.FinalScores?.FirstOrDefault(s => s.Member == member)?.ValidationReturn;
        for (var member = 0; member < request.Members; member++)
        {
            var color = Colors.Category10[member % Colors.Category10.Length];
            var points = Enumerable.Range(0, request.Rounds).Select(r => (Round: r, Score: ScoreAt(member, r))).Where(p => p.Score is not null).ToList();
            for (var i = 0; i < points.Count; i++)
            {
                var (round, score) = points[i];
                var exploit = record.Events.FirstOrDefault(e => e.Member == member && e.Round == round && e.Parent is not null);
                // The segment into this round starts at the member's own previous point, or at its donor's when it copied one.
                var from = exploit is not null ? ScoreAt(exploit.Parent!.Value, round - 1) : i > 0 ? points[i - 1].Score : null;
                if (from is { } start && round > 0)
                {
                    var segment = plot.Add.Line(round - 1, start * 100, round, score!.Value * 100);
                    segment.Color = color;
                    segment.LineWidth = exploit is null ? 2 : 1.5f;
                    segment.LinePattern = exploit is null ? LinePattern.Solid : LinePattern.Dashed;
                }
            }

            var line = plot.Add.Scatter(points.Select(p => (double)p.Round).ToArray(), points.Select(p => p.Score!.Value * 100).ToArray(), color);
            line.LineWidth = 0;
            line.MarkerSize = 7;
            line.LegendText = Text($"m{member}{(result?.Best?.Member == member ? " (candidate)" : "")}");
        }

        plot.Title(Text($"Population {request.PopulationId}: validation return at the end of each round (dashed: copied the donor's weights)"));
        plot.XLabel("round");
        plot.YLabel("validation return % (after fees)");
        Plots.IntegerTicks(plot);
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    /// <summary>Every member's validation return at every evaluated checkpoint, against its learner updates.</summary>
    private static async Task<Plot> CurvesAsync(PopulationRequest request, BlobContainerClient container, CancellationToken cancellationToken)
    {
        var plot = new Plot();
        const string suffix = "-" + Splits.Validation + ".json";
        for (var member = 0; member < request.Members; member++)
        {
            var runId = request.MemberRunId(member);
            var points = new List<(long Update, double Return)>();
            var prefix = RunBlobs.Prefix(runId) + "evaluations/";
            await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
            {
                var name = blob.Name[prefix.Length..];
                if (name.EndsWith(suffix, StringComparison.Ordinal)
                    && long.TryParse(name.AsSpan(0, name.Length - suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var update)
                    && (await container.GetBlobClient(blob.Name).DownloadContentAsync(cancellationToken)).Value.Content.ToObjectFromJson<EvaluationReport>(LineageJson.Options) is { } report)
                {
                    points.Add((update, report.Agent.Roi));
                }
            }

            points.Sort();
            Plots.Line(plot, [.. points.Select(p => (double)p.Update)], points.Select(p => p.Return * 100), Text($"m{member}"), Colors.Category10[member % Colors.Category10.Length], markers: true);
        }

        plot.Title("Members' validation return at each evaluated checkpoint (after fees)");
        plot.XLabel("the member's learner updates (an exploit continues the recipient's count)");
        plot.YLabel("validation return %");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    internal static string P(double? value) => value is { } v ? v.ToString("+0.00%;-0.00%", CultureInfo.InvariantCulture) : "—";

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
