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
        Assert.False(o.LongOnly);
        Assert.Equal(0.5, o.BankruptcyFraction);
    }

    public static TheoryData<ArenaOptions, string> InvalidOptions => new()
    {
        { new ArenaOptions { InitialCapital = 0 }, "InitialCapital" },
        { new ArenaOptions { InitialCapital = double.NaN }, "InitialCapital" },
        { new ArenaOptions { FeeBps = -1 }, "FeeBps" },
        { new ArenaOptions { SlippageBps = 10_000 }, "SlippageBps" },
        { new ArenaOptions { PositionFraction = 1.5 }, "PositionFraction" },
        { new ArenaOptions { PositionFraction = 0 }, "PositionFraction" },
        { new ArenaOptions { BankruptcyFraction = 1 }, "BankruptcyFraction" },
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
        var o = new ArenaOptions { FeeBps = 5, LongOnly = true, PositionFraction = 0.5 };

        Assert.Equal(o, JsonSerializer.Deserialize<ArenaOptions>(JsonSerializer.Serialize(o)));
    }
}
