using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Lineage.Core.Statistics;
using Lineage.Orchestration.Runs;
using Lineage.Storage;

namespace Lineage.Orchestration.Champions;

/// <summary>
/// One candidate the gate considered, as a trial of its model: a line of <c>models/{name}/trials.jsonl</c>.
/// <see cref="Sequence"/> is its place among the model's trials (1 for the first): the N its decision was deflated
/// for. <see cref="ExcessSharpe"/> is the per-bar Sharpe of candidate − buy-and-hold over the <see cref="Bars"/> bars
/// of the window; <see cref="Promote"/> says whether the run could change the champion (an experiment, or a run with
/// <c>promote: false</c>, is a trial that never can).
/// </summary>
public sealed record ModelTrial(
    int Sequence,
    string RunId,
    long Update,
    double ExcessSharpe,
    int Bars,
    bool Promote,
    string WindowFingerprint,
    DateTimeOffset At);

/// <summary>
/// Every model's trials, each candidate exactly once per (run, checkpoint): an append blob per model, appended only
/// at the position it was read at (<c>If-Append-Position-Equal</c>), and only when no line of that candidate is
/// there yet. A retried gate (a lost response, a crash after the append) finds its own line and reuses it — same
/// sequence, so the same N and V[SR] — and a concurrent append makes the writer read again. An append blob holds at
/// most 50,000 appends: 50,000 trials a model.
/// </summary>
public sealed class TrialStore(BlobContainerClient container, TimeProvider? timeProvider = null)
{
    private const int MaxAttempts = 20;
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public static string TrialsBlob(string model) => $"models/{model}/trials.jsonl";

    /// <summary>The model's trials, oldest first (empty when it has none).</summary>
    public async Task<IReadOnlyList<ModelTrial>> ListAsync(string model, CancellationToken cancellationToken) =>
        (await ReadAsync(model, cancellationToken)).Trials;

    /// <summary>
    /// Records run <paramref name="runId"/>'s checkpoint <paramref name="update"/> as a trial of
    /// <paramref name="model"/> unless it is recorded already; returns its line and the model's trials up to and
    /// including it.
    /// </summary>
    public async Task<(ModelTrial Trial, IReadOnlyList<ModelTrial> UpTo)> RecordAsync(
        string model, string runId, long update, double excessSharpe, int bars, bool promote, string windowFingerprint, CancellationToken cancellationToken)
    {
        if (ModelNames.Validate(model, "Model") is { } error)
        {
            throw new ArgumentException(error, nameof(model));
        }

        var blob = container.GetAppendBlobClient(TrialsBlob(model));
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var (trials, length) = await ReadAsync(model, cancellationToken);
            if (trials.FirstOrDefault(t => t.RunId == runId && t.Update == update) is { } recorded)
            {
                return (recorded, UpTo(trials, recorded));
            }

            if (length < 0)
            {
                await blob.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                length = 0;
            }

            var trial = new ModelTrial(trials.Count + 1, runId, update, excessSharpe, bars, promote, windowFingerprint, _time.GetUtcNow());
            try
            {
                using var stream = new MemoryStream(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(trial, LineageJson.Options) + "\n"));
                await blob.AppendBlockAsync(
                    stream,
                    new AppendBlobAppendBlockOptions { Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = length } },
                    cancellationToken);
                return (trial, [.. trials, trial]);
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // Another candidate of this model was recorded meanwhile — or this very append was applied and its
                // response lost: read again and look for this candidate's line.
            }
        }

        throw new InvalidOperationException($"{TrialsBlob(model)} changed on every one of {MaxAttempts} attempts to record run '{runId}' update {update}.");
    }

    /// <summary>
    /// N and V[SR] for a decision on <paramref name="trial"/>: the trials up to and including it (so a retry, or a
    /// decision read back later, sees the same selection however many trials came after).
    /// </summary>
    public static SelectionTrials Selection(IReadOnlyList<ModelTrial> trials, ModelTrial trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        return SelectionTrials.Of(UpTo(trials, trial).Select(t => t.ExcessSharpe).ToList(), trial.Bars);
    }

    private static List<ModelTrial> UpTo(IReadOnlyList<ModelTrial> trials, ModelTrial trial) =>
        [.. trials.Where(t => t.Sequence <= trial.Sequence)];

    private async Task<(IReadOnlyList<ModelTrial> Trials, long Length)> ReadAsync(string model, CancellationToken cancellationToken) =>
        await JsonLines.ReadAsync<ModelTrial>(container, TrialsBlob(model), cancellationToken);
}
