namespace Lineage.Learning;

/// <summary>
/// An update produced a NaN or infinite loss or gradient norm. Thrown before the optimizer step:
/// the network, target network and optimizer state are exactly as before the call.
/// </summary>
public sealed class NonFiniteUpdateException : Exception
{
    public NonFiniteUpdateException()
    {
    }

    public NonFiniteUpdateException(string message)
        : base(message)
    {
    }

    public NonFiniteUpdateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
