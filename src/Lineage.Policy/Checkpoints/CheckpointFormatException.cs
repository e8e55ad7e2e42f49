namespace Lineage.Policy.Checkpoints;

/// <summary>
/// Checkpoint bytes that must not be loaded: unknown schema version, truncated or corrupted.
/// Derives from <see cref="FormatException"/> because <see cref="InvalidDataException"/> is sealed.
/// </summary>
public sealed class CheckpointFormatException : FormatException
{
    public CheckpointFormatException()
    {
    }

    public CheckpointFormatException(string message)
        : base(message)
    {
    }

    public CheckpointFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
