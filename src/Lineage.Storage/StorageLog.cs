using Microsoft.Extensions.Logging;

namespace Lineage.Storage;

internal static partial class StorageLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Replay manifest of run {RunId} changed while appending (attempt {Attempt}, HTTP {Status}); re-reading and merging.")]
    public static partial void ManifestConflict(ILogger logger, RunId runId, int attempt, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replay manifest of run {RunId} at revision {Revision}: {Live} live experiences in {Shards} shards, {Evicted} shards evicted.")]
    public static partial void ManifestCommitted(ILogger logger, RunId runId, long revision, int live, int shards, int evicted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkpoint blob {Blob} changed while updating it (attempt {Attempt}); retrying.")]
    public static partial void CheckpointConflict(ILogger logger, string blob, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void CheckpointWarning(ILogger logger, string warning);
}
