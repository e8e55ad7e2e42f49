namespace Lineage.Storage.Tests;

public class RunIdTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("run-1")]
    [InlineData("2025-cartpole-seed-42")]
    public void Valid_Ids_Parse(string id)
    {
        Assert.Null(RunId.Validate(id));
        Assert.Equal(id, RunId.Parse(id).Value);
    }

    [Fact]
    public void SixtyThreeCharacters_IsValid()
    {
        Assert.Null(RunId.Validate(new string('a', 63)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("../x")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a%2fb")]
    [InlineData("Run")]
    [InlineData("-run")]
    [InlineData("run-")]
    [InlineData("a.b")]
    [InlineData("a b")]
    [InlineData("é")]
    public void Invalid_Ids_AreRejected(string? id)
    {
        Assert.NotNull(RunId.Validate(id));
        Assert.Throws<ArgumentException>(() => RunId.Parse(id));
    }

    [Fact]
    public void SixtyFourCharacters_IsRejected_WithTheLength()
    {
        var ex = Assert.Throws<ArgumentException>(() => RunId.Parse(new string('a', 64)));

        Assert.Contains("64 characters", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TraversalAttempt_MessageNamesTheBadCharacter()
    {
        var ex = Assert.Throws<ArgumentException>(() => RunId.Parse("../x"));

        Assert.Contains("'.' at position 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BlobPrefix_IsUnderRuns()
    {
        Assert.Equal("runs/abc-1/", RunId.Parse("abc-1").BlobPrefix);
    }
}
