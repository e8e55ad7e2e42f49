namespace Lineage.Core.Replay;

/// <summary>
/// Thrown when bytes are not a valid experience shard (corrupt, truncated, unknown version).
/// System.IO.InvalidDataException is sealed, so this derives from <see cref="IOException"/>, like
/// <see cref="EndOfStreamException"/>, the other "the bytes are wrong" exception.
/// </summary>
public sealed class ExperienceFormatException : IOException
{
    public ExperienceFormatException()
    {
    }

    public ExperienceFormatException(string message)
        : base(message)
    {
    }

    public ExperienceFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
