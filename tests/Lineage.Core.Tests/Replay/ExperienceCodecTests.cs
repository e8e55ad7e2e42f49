using System.Buffers.Binary;
using System.Text;
using Lineage.Core.Replay;

namespace Lineage.Core.Tests.Replay;

public class ExperienceCodecTests
{
    private const int StateSize = 5;

    [Fact]
    public void RoundTrip_PreservesEveryField()
    {
        var original = ExperienceFactory.Random(300, StateSize, seed: 7);

        var decoded = ExperienceCodec.Decode(ExperienceCodec.Encode(original, StateSize));

        Assert.Equal(original.Length, decoded.Length);
        for (var i = 0; i < original.Length; i++)
        {
            ExperienceFactory.AssertSame(original[i], decoded[i]);
        }
    }

    [Fact]
    public void RoundTrip_KeepsSpecialFloatsBitExact()
    {
        float[] special = [float.NaN, float.PositiveInfinity, -0f, float.Epsilon, float.MaxValue];
        var original = new[] { new Experience(special, 3, float.NegativeInfinity, special.Reverse().ToArray(), true, true) };

        var decoded = ExperienceCodec.Decode(ExperienceCodec.Encode(original, StateSize)).Single();

        Assert.Equal(special.Select(BitConverter.SingleToInt32Bits), decoded.State.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(float.NegativeInfinity, decoded.Reward);
        Assert.True(decoded.Terminated && decoded.Truncated);
    }

    [Fact]
    public void RoundTrip_EmptyList()
    {
        var bytes = ExperienceCodec.Encode([], StateSize);

        Assert.Equal(ExperienceCodec.HeaderSize + ExperienceCodec.TrailerSize, bytes.Length);
        Assert.Empty(ExperienceCodec.Decode(bytes));
    }

    [Fact]
    public void Encode_SizeIsHeaderPlusRecordsPlusChecksum()
    {
        var bytes = ExperienceCodec.Encode(ExperienceFactory.Random(10, StateSize, seed: 1), StateSize);

        Assert.Equal(16 + (10 * ((2 * StateSize * 4) + 9)) + 4, bytes.Length);
    }

    [Fact]
    public void Encode_RejectsStateOfWrongLength_NamingTheExperience()
    {
        var experiences = ExperienceFactory.Random(3, StateSize, seed: 1).ToList();
        experiences[2] = experiences[2] with { NextState = new float[StateSize + 1] };

        var ex = Assert.Throws<ArgumentException>(() => ExperienceCodec.Encode(experiences, StateSize));

        Assert.Contains("Experience 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_BadMagic_Throws()
    {
        var bytes = Valid();
        bytes[0] ^= 0xFF;

        var ex = Assert.Throws<ExperienceFormatException>(() => ExperienceCodec.Decode(bytes));

        Assert.Contains("magic", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_UnknownVersion_Throws()
    {
        var bytes = Valid();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 99);

        var ex = Assert.Throws<ExperienceFormatException>(() => ExperienceCodec.Decode(bytes));

        Assert.Contains("version 99", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(19)]
    [InlineData(100)]
    [InlineData(1)]
    public void Decode_Truncated_Throws(int keep)
    {
        var bytes = Valid();
        var cut = keep == 1 ? bytes[..^1] : bytes[..keep];

        var ex = Assert.Throws<ExperienceFormatException>(() => ExperienceCodec.Decode(cut));

        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_TrailingBytes_Throws()
    {
        var bytes = Valid().Concat(new byte[3]).ToArray();

        var ex = Assert.Throws<ExperienceFormatException>(() => ExperienceCodec.Decode(bytes));

        Assert.Contains("trailing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_AnyFlippedPayloadBit_FailsChecksum()
    {
        var valid = Valid();
        for (var position = ExperienceCodec.HeaderSize; position < valid.Length; position += 7)
        {
            var bytes = (byte[])valid.Clone();
            bytes[position] ^= 0x10;

            var ex = Assert.Throws<ExperienceFormatException>(() => ExperienceCodec.Decode(bytes));

            Assert.Contains("checksum", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Decode_CorruptRecordCount_Throws()
    {
        var bytes = Valid();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), -5);

        var ex = Assert.Throws<ExperienceFormatException>(() => ExperienceCodec.Decode(bytes));

        Assert.Contains("record count -5", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatException_IsAnIOException()
    {
        Assert.IsAssignableFrom<IOException>(new ExperienceFormatException("x"));
    }

    [Fact]
    public void Crc32C_MatchesTheStandardCheckValue()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void ContentHash_IgnoresHowExperiencesWereSplit()
    {
        var all = ExperienceFactory.Random(50, StateSize, seed: 3);
        var split = ExperienceCodec.Decode(ExperienceCodec.Encode(all[..20], StateSize))
            .Concat(ExperienceCodec.Decode(ExperienceCodec.Encode(all[20..], StateSize)));

        Assert.Equal(ExperienceCodec.ComputeContentHash(all), ExperienceCodec.ComputeContentHash(split));
    }

    [Fact]
    public void ContentHash_ChangesWhenOneRewardChanges()
    {
        var all = ExperienceFactory.Random(50, StateSize, seed: 3);
        var changed = all.ToArray();
        changed[31] = changed[31] with { Reward = changed[31].Reward + 1e-3f };

        Assert.NotEqual(ExperienceCodec.ComputeContentHash(all), ExperienceCodec.ComputeContentHash(changed));
    }

    [Fact]
    public void RoundTrip_KeepsTheStepsOfNStepTransitions_AndOneStepShardsAreUnchanged()
    {
        var oneStep = ExperienceFactory.Random(40, StateSize, seed: 5);
        var multi = oneStep.Select((e, i) => e with { Steps = 1 + (i % ExperienceCodec.MaxSteps) }).ToArray();

        var decoded = ExperienceCodec.Decode(ExperienceCodec.Encode(multi, StateSize));
        Assert.Equal(multi.Select(e => e.Steps), decoded.Select(e => e.Steps));
        Assert.Equal(multi.Select(e => e.Terminated), decoded.Select(e => e.Terminated));
        Assert.Equal(multi.Select(e => e.Truncated), decoded.Select(e => e.Truncated));

        // Before n-step returns every record's flags byte held only the two done bits: one-step shards keep that layout.
        var bytes = ExperienceCodec.Encode(oneStep, StateSize);
        var record = ExperienceCodec.RecordSize(StateSize);
        for (var i = 0; i < oneStep.Length; i++)
        {
            var flags = bytes[ExperienceCodec.HeaderSize + (i * record) + record - 1];
            Assert.Equal((oneStep[i].Terminated ? 1 : 0) | (oneStep[i].Truncated ? 2 : 0), flags);
        }

        Assert.NotEqual(ExperienceCodec.ComputeContentHash(oneStep), ExperienceCodec.ComputeContentHash(multi));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ExperienceCodec.MaxSteps + 1)]
    public void Encode_RejectsStepsOutsideTheFlagsByte(int steps)
    {
        var experiences = ExperienceFactory.Random(3, StateSize, seed: 1);
        experiences[2] = experiences[2] with { Steps = steps };

        var error = Assert.Throws<ArgumentException>(() => ExperienceCodec.Encode(experiences, StateSize));
        Assert.Contains("Experience 2", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Valid() => ExperienceCodec.Encode(ExperienceFactory.Random(20, StateSize, seed: 11), StateSize);
}
