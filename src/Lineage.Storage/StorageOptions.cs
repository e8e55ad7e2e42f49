using Microsoft.Extensions.Options;

namespace Lineage.Storage;

/// <summary>
/// Where run data lives. Locally: <see cref="ConnectionString"/> (Azurite). In Azure: <see cref="ServiceUri"/>
/// with a managed identity (<see cref="ManagedIdentityClientId"/> for a user-assigned one), no secrets.
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    public string? ConnectionString { get; set; }

    public Uri? ServiceUri { get; set; }

    public string? ManagedIdentityClientId { get; set; }

    public string ContainerName { get; set; } = "lineage";

    /// <summary>Checkpoints kept besides the best-scoring one.</summary>
    public int CheckpointsToKeep { get; set; } = 5;

    /// <summary>SDK retries of a failed request (exponential backoff) before the error surfaces.</summary>
    public int MaxRetries { get; set; } = 5;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one network attempt.</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);
}

public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var errors = new List<string>();
        var hasConnection = !string.IsNullOrWhiteSpace(options.ConnectionString);
        if (hasConnection == (options.ServiceUri is not null))
        {
            errors.Add("Storage: set exactly one of ConnectionString (local/Azurite) or ServiceUri (Azure, managed identity).");
        }

        if (options.ServiceUri is { IsAbsoluteUri: false } || options.ServiceUri is { Scheme: not ("https" or "http") })
        {
            errors.Add($"Storage:ServiceUri '{options.ServiceUri}' must be an absolute http(s) URI.");
        }

        if (ContainerNameError(options.ContainerName) is { } containerError)
        {
            errors.Add(containerError);
        }

        if (options.CheckpointsToKeep < 1)
        {
            errors.Add($"Storage:CheckpointsToKeep is {options.CheckpointsToKeep}; it must be at least 1.");
        }

        if (options.MaxRetries < 0)
        {
            errors.Add($"Storage:MaxRetries is {options.MaxRetries}; it must be 0 or more.");
        }

        if (options.RetryDelay <= TimeSpan.Zero || options.MaxRetryDelay < options.RetryDelay)
        {
            errors.Add($"Storage:RetryDelay ({options.RetryDelay}) must be positive and not above MaxRetryDelay ({options.MaxRetryDelay}).");
        }

        if (options.NetworkTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Storage:NetworkTimeout is {options.NetworkTimeout}; it must be positive.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static string? ContainerNameError(string? container)
    {
        var ok = container is { Length: >= 3 and <= 63 }
            && container.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
            && container[0] != '-' && container[^1] != '-'
            && !container.Contains("--", StringComparison.Ordinal);
        return ok ? null : $"Storage:ContainerName '{container}' must be 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.";
    }
}
