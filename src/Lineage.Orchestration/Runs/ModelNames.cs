namespace Lineage.Orchestration.Runs;

/// <summary>
/// Names of datasets and models: 1–63 lowercase letters, digits and hyphens (the run id rules), so they
/// are safe as blob path segments. A run competes for the champion of its <see cref="TrainingRun.Model"/> or, by default,
/// of the model named after its dataset:
/// <c>dataset:spy-live</c> and <c>blob:datasets/spy-live/…</c> → <c>spy-live</c>, <c>spy</c> → <c>spy</c>,
/// <c>synthetic:trend</c> → <c>synthetic-trend</c>.
/// </summary>
public static class ModelNames
{
    public static string? Validate(string? name, string what)
    {
        if (string.IsNullOrEmpty(name))
        {
            return $"{what} name is empty; use 1-63 lowercase letters, digits and hyphens.";
        }

        if (name.Length > 63)
        {
            return $"{what} name '{name[..Math.Min(name.Length, 80)]}' is {name.Length} characters long; the maximum is 63.";
        }

        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return $"{what} name '{name}' has '{name[i]}' at position {i}; only lowercase letters, digits and hyphens are allowed.";
            }
        }

        return name[0] == '-' || name[^1] == '-' ? $"{what} name '{name}' starts or ends with a hyphen." : null;
    }

    /// <summary>
    /// The model <paramref name="run"/> competes for: its <see cref="TrainingRun.Model"/>, or the one named after the
    /// dataset as requested (<paramref name="datasetReference"/>, e.g. <c>dataset:spy-live</c>) or as resolved.
    /// </summary>
    public static string ForRun(TrainingRun run, string? datasetReference = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        return string.IsNullOrEmpty(run.Model) ? ForDataset(datasetReference ?? run.Dataset) : run.Model;
    }

    /// <summary>The model a run on <paramref name="dataset"/> competes for.</summary>
    public static string ForDataset(string dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        string raw;
        if (dataset.StartsWith(DatasetReferences.Registry, StringComparison.Ordinal))
        {
            raw = dataset[DatasetReferences.Registry.Length..];
        }
        else if (dataset.StartsWith(DatasetReferences.Blob, StringComparison.Ordinal))
        {
            var parts = dataset[DatasetReferences.Blob.Length..].Split('/');
            raw = parts.Length >= 2 ? parts[1] : dataset;
        }
        else if (dataset.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal))
        {
            raw = "synthetic-" + dataset[DatasetReferences.Synthetic.Length..];
        }
        else
        {
            raw = dataset;
        }

        var cleaned = new string([.. raw.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]).Trim('-');
        cleaned = cleaned.Length > 63 ? cleaned[..63].TrimEnd('-') : cleaned;
        return cleaned.Length == 0 ? "default" : cleaned;
    }
}
