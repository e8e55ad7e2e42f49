namespace Lineage.Storage;

/// <summary>
/// A validated run id: 1–63 lowercase letters, digits and hyphens, not starting or ending with a hyphen.
/// Every blob a run touches lives under <see cref="BlobPrefix"/>; the character set leaves no way out of it
/// (no '/', '.', '\\' or '%').
/// </summary>
public sealed record RunId
{
    public const int MaxLength = 63;

    private RunId(string value) => Value = value;

    public string Value { get; }

    /// <summary><c>runs/{runId}/</c>.</summary>
    public string BlobPrefix => $"runs/{Value}/";

    /// <summary>Null when <paramref name="candidate"/> is a valid run id, otherwise why it is not.</summary>
    public static string? Validate(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate))
        {
            return "Run id is empty; use 1-63 lowercase letters, digits and hyphens.";
        }

        if (candidate.Length > MaxLength)
        {
            return $"Run id '{Shorten(candidate)}' is {candidate.Length} characters long; the maximum is {MaxLength}.";
        }

        for (var i = 0; i < candidate.Length; i++)
        {
            var c = candidate[i];
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return $"Run id '{Shorten(candidate)}' has '{c}' at position {i}; only lowercase letters, digits and hyphens are allowed.";
            }
        }

        if (candidate[0] == '-' || candidate[^1] == '-')
        {
            return $"Run id '{candidate}' starts or ends with a hyphen.";
        }

        return null;
    }

    /// <exception cref="ArgumentException">The id is not valid; the message says why.</exception>
    public static RunId Parse(string? candidate)
    {
        var error = Validate(candidate);
        return error is null ? new RunId(candidate!) : throw new ArgumentException(error, nameof(candidate));
    }

    public override string ToString() => Value;

    private static string Shorten(string s) => s.Length <= 80 ? s : string.Concat(s.AsSpan(0, 77), "...");
}
