using System.Text.Json.Nodes;
using Lineage.Core.Features;
using Lineage.Core.Trading;
using Lineage.Orchestration.Training;

namespace Lineage.IntegrationTests.Orchestration;

/// <summary>A checkpoint or run record written before the action set existed reads as the classic arena it was.</summary>
public sealed class PersistedArenaTests
{
    private static CheckpointContext Context(ArenaOptions arena) =>
        new("old", 3, "spy", "f", FeatureSpec.Default, Normalizer.Identity(3), new RewardOptions(), arena);

    [Fact]
    public void A_context_without_actions_or_long_only_is_the_classic_long_short_arena_it_was_written_under()
    {
        var json = JsonNode.Parse(Context(ArenaOptions.Classic with { FeeBps = 7 }).ToJson())!;
        var arena = json["arena"]!.AsObject();
        Assert.True(arena.Remove("actions"));
        Assert.True(arena.Remove("longOnly"));
        Assert.True(arena.Remove("targetExposures"));

        var read = CheckpointContext.FromJson(json.ToJsonString());

        Assert.Equal(ActionSet.Classic, read.Arena.Actions);
        Assert.False(read.Arena.LongOnly);
        Assert.Equal(4, read.Arena.ActionCount);
        Assert.Equal(7, read.Arena.FeeBps);
    }

    [Fact]
    public void A_run_record_without_actions_or_long_only_is_the_classic_long_short_arena_it_was_written_under()
    {
        var record = new RunRecord(new Lineage.Orchestration.Runs.TrainingRun { RunId = "old", Dataset = "spy", Arena = ArenaOptions.Classic with { FeeBps = 7 } }, 0, "f", Normalizer.Identity(3), FeatureSpec.Default);
        var json = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(record, Lineage.Storage.LineageJson.Options))!;
        var arena = json["run"]!["arena"]!.AsObject();
        Assert.True(arena.Remove("actions"));
        Assert.True(arena.Remove("longOnly"));

        var read = RunRecord.FromJson(json.ToJsonString())!;

        Assert.Equal(ActionSet.Classic, read.Run.Arena.Actions);
        Assert.False(read.Run.Arena.LongOnly);
        Assert.Equal(7, read.Run.Arena.FeeBps);
        Assert.Equal(record.Run.Arena, read.Run.Arena);
    }

    [Fact]
    public void A_context_this_version_writes_reads_back_unchanged_whatever_its_action_set()
    {
        foreach (var arena in new[] { new ArenaOptions(), ArenaOptions.Classic, ArenaOptions.Classic with { LongOnly = true } })
        {
            var context = Context(arena);

            Assert.Equal(context.Arena, CheckpointContext.FromJson(context.ToJson()).Arena);
        }
    }

    [Fact]
    public void A_request_without_an_arena_action_set_gets_the_new_default()
    {
        var arena = System.Text.Json.JsonSerializer.Deserialize<ArenaOptions>("""{"feeBps":5}""", Lineage.Storage.LineageJson.Options)!;

        Assert.Equal(ActionSet.TargetExposure, arena.Actions);
        Assert.True(arena.LongOnly);
    }
}
