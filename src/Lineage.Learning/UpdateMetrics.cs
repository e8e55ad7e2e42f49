namespace Lineage.Learning;

/// <summary>
/// What one gradient update saw. <see cref="TdErrors"/> are signed per-sample TD errors
/// (target − Q(s, a)) in batch order, before any clipping: use their absolute values as new priorities.
/// </summary>
public sealed record UpdateMetrics(
    double Loss,
    double MeanQ,
    double MeanAbsTdError,
    double MaxAbsTdError,
    float[] TdErrors,
    long UpdateCount);
