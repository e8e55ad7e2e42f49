using System.Text.Json;
using Lineage.Core.Trading;

namespace Lineage.Core.Tests.Trading;

public class ArenaOptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_match_the_documented_values()
    {
        var o = new ArenaOptions();

        Assert.Empty(o.Validate());
        Assert.Equal(10_000, o.InitialCapital);
        Assert.Equal(10, o.FeeBps);
        Assert.Equal(0, o.SlippageBps);
        Assert.Equal(1.0, o.PositionFraction);
        Assert.True(o.LongOnly);
        Assert.Equal(ActionSet.TargetExposure, o.Actions);
        Assert.Equal([0.0, 0.5, 1.0], o.TargetExposures);
        Assert.Equal(["target:0", "target:0.5", "target:1"], o.ActionNames());
        Assert.Equal(0.5, o.BankruptcyFraction);
    }

    [Fact]
    public void The_classic_arena_is_the_prototypes_four_actions_long_and_short_and_otherwise_the_defaults()
    {
        var classic = ArenaOptions.Classic;

        Assert.Empty(classic.Validate());
        Assert.Equal(ActionSet.Classic, classic.Actions);
        Assert.False(classic.LongOnly);
        Assert.Equal(4, classic.ActionCount);
        Assert.Equal(new ArenaOptions() with { Actions = ActionSet.Classic, LongOnly = false, TargetExposures = ArenaOptions.LongShortTargetExposures }, classic);
        Assert.Empty((classic with { Actions = ActionSet.TargetExposure }).Validate());
        Assert.Equal([-1.0, -0.5, 0.0, 0.5, 1.0], (classic with { Actions = ActionSet.TargetExposure }).TargetExposures);
    }

    public static TheoryData<ArenaOptions, string> InvalidOptions => new()
    {
        { ArenaOptions.Classic with { InitialCapital = 0 }, "InitialCapital" },
        { ArenaOptions.Classic with { InitialCapital = double.NaN }, "InitialCapital" },
        { ArenaOptions.Classic with { FeeBps = -1 }, "FeeBps" },
        { ArenaOptions.Classic with { SlippageBps = 10_000 }, "SlippageBps" },
        { ArenaOptions.Classic with { PositionFraction = 1.5 }, "PositionFraction" },
        { ArenaOptions.Classic with { PositionFraction = 0 }, "PositionFraction" },
        { ArenaOptions.Classic with { BankruptcyFraction = 1 }, "BankruptcyFraction" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_names_the_bad_field_and_value(ArenaOptions options, string field)
    {
        var error = Assert.Single(options.Validate());

        Assert.Contains($"ArenaOptions.{field}", error, StringComparison.Ordinal);
        Assert.Contains("(was ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_round_trip_preserves_options()
    {
        var o = ArenaOptions.Classic with { FeeBps = 5, LongOnly = true, PositionFraction = 0.5 };

        Assert.Equal(o, JsonSerializer.Deserialize<ArenaOptions>(JsonSerializer.Serialize(o)));
    }
}
