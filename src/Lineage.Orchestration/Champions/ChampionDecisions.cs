using System.Globalization;
using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Trading;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Runs;

namespace Lineage.Orchestration.Champions;

public sealed record DecisionBar(int Index, DateTimeOffset Time, double Close);

public sealed record ActionValue(string Action, double Q);

/// <summary>What the champion would do at the latest bar of a dataset, and everything it used to decide.</summary>
public sealed record ChampionDecision(
    string Model,
    ModelEntry Champion,
    string Dataset,
    string ResolvedDataset,
    int? DatasetVersion,
    string SeriesFingerprint,
    DecisionBar Bar,
    string Action,
    IReadOnlyList<ActionValue> QValues,
    float[] State,
    double Position,
    double UnrealizedPnl,
    bool AssumedFlat);

/// <summary>A request the caller got wrong (400) or that names something missing (404); the message says which.</summary>
public class DecisionRequestException(bool isMissing, string field, string message) : Exception(message)
{
    /// <summary>True when the request names something that does not exist (404); false when it is malformed (400).</summary>
    public bool IsMissing { get; } = isMissing;

    public string Field { get; } = field;
}

/// <summary>The candidate the gate decided on last, as the no-champion answer cites it.</summary>
public sealed record LastCandidate(string RunId, long Update, string? FailedTest, string Reason, DateTimeOffset DecidedAt);

/// <summary>
/// The answer while a model has no champion (a 404 whose body is an error body with more fields): what to do instead
/// (<see cref="Fallback"/> as configured in <see cref="ModelOptions.WithoutChampion"/>, and the <see cref="Action"/>
/// it means, as a classic action and as the <see cref="Exposure"/> a target-exposure client holds: 0 flat, 1 fully long)
/// and why there is no champion: the model's <see cref="Trials"/> so far and the gate's decision on the
/// latest of them.
/// </summary>
public sealed record NoChampionAnswer(
    string Error,
    IReadOnlyList<FieldError> Fields,
    string Model,
    NoChampionFallback Fallback,
    string Action,
    double Exposure,
    string Why,
    int Trials,
    LastCandidate? LastCandidate);

/// <summary>The model has no champion: <see cref="Answer"/> says what to do instead and why.</summary>
public sealed class NoChampionException(NoChampionAnswer answer) : DecisionRequestException(true, "model", answer.Error)
{
    public NoChampionAnswer Answer { get; } = answer;
}

/// <summary>
/// The champion's action for the latest bar of a dataset, computed from the champion's checkpoint alone: its
/// stored feature spec and normaliser (fitted on its own training split) and its plain-C# policy — no torch.
/// The state is built exactly as the trading environment builds it for that bar. The account features are
/// those of a flat account (position 0, unrealised PnL 0) unless the caller passes its position — −1, 0 or 1 for a
/// champion with the classic actions, the exposure in [−1, 1] (e.g. 0.5, half long; ≥ 0 when long-only) for one with
/// target exposures — and, for unrealised PnL, the entry price; with a position but no entry price, unrealised PnL is 0. The request
/// cannot say how long a position has been held: time in position (<see cref="FeatureKind.TimeInPosition"/>) is 0 when
/// flat and that of a position opened at the last bar (1 bar) otherwise.
/// </summary>
public sealed class ChampionDecisions(ChampionStore champions, TrialStore trials, DatasetRegistry datasets, ModelOptions options)
{
    public async Task<ChampionDecision> DecideAsync(string? model, string? dataset, double? position, double? entryPrice, CancellationToken cancellationToken)
    {
        // The training run's rule, checked before anything is read: blob references stay under datasets/.
        var datasetError = TrainingRunValidator.DatasetError(dataset);
        if (datasetError is not null || dataset is null)
        {
            throw new DecisionRequestException(false, "dataset", datasetError ?? "is required");
        }

        if (dataset.StartsWith(DatasetReferences.Synthetic, StringComparison.Ordinal))
        {
            throw new DecisionRequestException(false, "dataset", $"dataset '{dataset}' is generated per run and has no latest bar; use a pushed or bundled dataset.");
        }

        var modelName = string.IsNullOrWhiteSpace(model) ? ModelNames.ForDataset(dataset) : model;
        if (ModelNames.Validate(modelName, "Model") is { } modelError)
        {
            throw new DecisionRequestException(false, "model", modelError);
        }

        if (position is { } p && !(double.IsFinite(p) && p is >= -1 and <= 1))
        {
            throw new DecisionRequestException(false, "position", string.Create(CultureInfo.InvariantCulture, $"position must be an exposure in [-1, 1] (-1 short, 0 flat, 1 long), got {p}."));
        }

        if (entryPrice is { } e && !(double.IsFinite(e) && e > 0))
        {
            throw new DecisionRequestException(false, "entryPrice", string.Create(CultureInfo.InvariantCulture, $"entryPrice must be a positive finite price, got {e}."));
        }

        var pointer = await champions.GetAsync(modelName, cancellationToken)
            ?? throw new NoChampionException(await NoChampionAsync(modelName, cancellationToken));
        var champion = await champions.LoadPolicyAsync(pointer.Champion, cancellationToken);
        var spec = champion.Context.Features;
        if (position is < 0 && champion.Context.Arena.LongOnly)
        {
            throw new DecisionRequestException(false, "position", string.Create(CultureInfo.InvariantCulture, $"The champion of '{modelName}' trades long-only; position {position} (short) is impossible for it."));
        }

        if (position is { } held && champion.Context.Arena.Actions == ActionSet.Classic && held is not (-1 or 0 or 1))
        {
            throw new DecisionRequestException(false, "position", string.Create(CultureInfo.InvariantCulture, $"The champion of '{modelName}' trades the classic all-in actions; its position is -1, 0 or 1, not {held}."));
        }

        ResolvedDataset resolved;
        PriceSeries series;
        try
        {
            resolved = await datasets.ResolveAsync(dataset, cancellationToken);
            series = await DatasetLoader.LoadSeriesAsync(resolved.Dataset, datasets.Container, spec.RequiredHistory + 1, cancellationToken);
            if (spec.SeriesError(series) is { } seriesError)
            {
                throw new DecisionRequestException(false, "dataset", seriesError);
            }
        }
        catch (FileNotFoundException ex)
        {
            throw new DecisionRequestException(true, "dataset", ex.Message);
        }
        catch (Exception ex) when (ex is ArgumentException or PriceDataException)
        {
            throw new DecisionRequestException(false, "dataset", ex.Message);
        }

        var state = State(series, spec, champion.Context.Normalizer, position ?? 0, entryPrice);
        var q = new float[champion.Policy.ActionCount];
        champion.Policy.Evaluate(state, q);
        var action = EpisodeRunner.ArgMax(q);

        // Hold/Buy/Sell/Close, or the target exposures ("target:-0.5", …) the champion was trained to choose among.
        var names = champion.Context.Arena.ActionNames();
        var bar = series.Count - 1;
        return new ChampionDecision(
            modelName,
            pointer.Champion,
            dataset,
            resolved.Dataset,
            resolved.Version?.Version,
            series.Fingerprint(),
            new DecisionBar(bar, series.Times[bar], series.Close[bar]),
            names[action],
            q.Select((v, i) => new ActionValue(names[i], v)).ToList(),
            state,
            position ?? 0,
            UnrealizedPnl(position ?? 0, entryPrice, series.Close[bar]),
            AssumedFlat: position is null);
    }

    /// <summary>What to do without a champion, and why there is none: the model's trials and the gate's latest decision.</summary>
    public async Task<NoChampionAnswer> NoChampionAsync(string model, CancellationToken cancellationToken)
    {
        var (fallback, action, exposure) = options.WithoutChampion == NoChampionFallback.BuyAndHold
            ? ("hold the asset (buy-and-hold)", TradeAction.Buy, 1.0)
            : ("stay flat", TradeAction.Close, 0.0);
        var recorded = await trials.ListAsync(model, cancellationToken);
        LastCandidate? last = null;
        string why;
        if (recorded.Count == 0)
        {
            why = "No candidate has been considered for it yet: a run on its dataset (or with model: '" + model + "') that completes with promote: true, or `lineage promote`, can make one.";
        }
        else
        {
            var latest = recorded[^1];
            var decision = await champions.GetDecisionAsync(model, latest.RunId, latest.Update, cancellationToken);
            last = decision is null ? null : new LastCandidate(decision.RunId, decision.Update, decision.FailedTest, decision.Reason, decision.DecidedAt);
            var count = string.Create(CultureInfo.InvariantCulture, $"The gate has considered {recorded.Count} candidate{(recorded.Count == 1 ? "" : "s")} of this model and promoted none");
            why = decision is null
                ? string.Create(CultureInfo.InvariantCulture, $"{count}; its latest, run '{latest.RunId}' update {latest.Update}, is being decided.")
                : string.Create(CultureInfo.InvariantCulture, $"{count}; the latest, run '{decision.RunId}' update {decision.Update} ({decision.DecidedAt:yyyy-MM-dd}): {decision.Reason}");
        }

        var error = $"Model '{model}' has no champion: {fallback}, as configured (Lineage:Models:WithoutChampion = {options.WithoutChampion}; action {action}, exposure {exposure.ToString(CultureInfo.InvariantCulture)}). {why}";
        return new NoChampionAnswer(error, [new FieldError("model", $"Model '{model}' has no champion yet.")], model, options.WithoutChampion, action.ToString(), exposure, why, recorded.Count, last);
    }

    /// <summary>The state at the series' last bar, built as <see cref="TradingEnvironment"/> builds it for any bar.</summary>
    public static float[] State(PriceSeries series, FeatureSpec spec, Normalizer normalizer, double position, double? entryPrice)
    {
        var features = MarketFeatures.Compute(series, spec);
        var normalizerErrors = normalizer.Validate(features.ColumnCount);
        if (normalizerErrors.Count > 0)
        {
            throw new InvalidDataException("The champion's normaliser does not fit its feature spec: " + string.Join(" ", normalizerErrors));
        }

        var last = series.Count - 1;
        var market = new float[features.ColumnCount];
        normalizer.Apply(features.Row(last), market);
        var upnl = UnrealizedPnl(position, entryPrice, series.Close[last]);
        var state = new float[spec.StateSize];
        for (var i = 0; i < state.Length; i++)
        {
            state[i] = spec.Features[i] switch
            {
                FeatureKind.Position => (float)position,
                FeatureKind.UnrealizedPnl => (float)upnl,
                FeatureKind.TimeInPosition => FeatureKinds.TimeInPositionValue(position == 0 ? 0 : 1),
                var kind => market[Array.IndexOf(features.Columns, kind)],
            };
        }

        return state;
    }

    /// <summary>As <see cref="Arena.UnrealizedPnlFraction"/>: side × (price − entry) / entry (side the sign of the position), clipped to [−1, 1].</summary>
    private static double UnrealizedPnl(double position, double? entryPrice, double price) =>
        position == 0 || entryPrice is not { } entry ? 0 : Math.Clamp(Math.Sign(position) * (price - entry) / entry, -1, 1);
}
