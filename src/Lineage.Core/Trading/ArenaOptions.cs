using System.Globalization;
using System.Text.Json.Serialization;

namespace Lineage.Core.Trading;

/// <summary>Account and market-friction settings of one agent's arena.</summary>
public sealed record ArenaOptions
{
    public double InitialCapital { get; init; } = 10_000;

    /// <summary>Commission per fill, in basis points of the traded notional.</summary>
    public double FeeBps { get; init; } = 10;

    /// <summary>Adverse price move per fill, in basis points (buys pay more, sells receive less).</summary>
    public double SlippageBps { get; init; }

    /// <summary>Share of current equity committed when a position is opened, in (0, 1].</summary>
    public double PositionFraction { get; init; } = 1.0;

    /// <summary>
    /// When true, no position is ever short: Sell flattens a long position instead of going short, and target exposures
    /// must all be ≥ 0. Default true (issue 17: on the bundled real series' validation splits, long-only target exposures
    /// beat the long-short classic actions by +0.67 Sharpe [95 % CI +0.03, +1.32], the only change that did).
    /// </summary>
    public bool LongOnly { get; init; } = true;

    /// <summary>Equity at or below this fraction of the initial capital ends the episode (terminated, bankrupt).</summary>
    public double BankruptcyFraction { get; init; } = 0.5;

    /// <summary>
    /// What the floor does in evaluation, where every policy is scored to the end of the window: a learned or random
    /// policy that reaches it is flattened and stays in cash (default), or keeps trading (<see cref="FloorRule.Ignore"/>).
    /// Training episodes always end at the floor.
    /// </summary>
    public FloorRule EvaluationFloor { get; init; } = FloorRule.FlattenToCash;

    /// <summary>
    /// Annual interest earned by a positive cash balance, compounded per bar (default 0: cash earns nothing). Flat and the
    /// agent's time out of the market earn it; buy-and-hold, fully invested, does not.
    /// </summary>
    public double CashRate { get; init; }

    /// <summary>
    /// Closes a position still open at the end of an evaluated window at the last bar's close, paying its fee and
    /// slippage, for the agent and every baseline alike (buy-and-hold too), so the reported return is one a user could
    /// bank. Evaluation episodes are those run under <see cref="FloorRule.FlattenToCash"/> or <see cref="FloorRule.Ignore"/>;
    /// training episodes (<see cref="FloorRule.EndEpisode"/>) never close at the end. Default true: a figure that marks an
    /// open position without its exit fee flatters whichever policy holds one at the end (buy-and-hold always does).
    /// </summary>
    public bool CloseAtEnd { get; init; } = true;

    /// <summary>
    /// Annual cost of borrowing the asset while short, charged every bar held short on the short's notional at the bar's
    /// close: rate / bars per year of the series (simple, not compounded). Long and flat positions pay nothing. Default
    /// <see cref="DefaultShortBorrowRate"/> (0.5 % a year), the middle of what liquid large caps cost (about 0.25–1 %);
    /// hard-to-borrow names cost far more, and 0 turns it off.
    /// </summary>
    public double ShortBorrowRate { get; init; } = DefaultShortBorrowRate;

    /// <summary>0.5 % a year: a realistic borrow cost for a liquid large cap.</summary>
    public const double DefaultShortBorrowRate = 0.005;

    /// <summary>
    /// What the network's outputs mean: <see cref="ActionSet.TargetExposure"/> (one output per entry of
    /// <see cref="TargetExposures"/>; default) or <see cref="ActionSet.Classic"/> (Hold, Buy, Sell, Close: 4 outputs, the
    /// original prototype's; <see cref="Classic"/> is that arena, long and short).
    /// </summary>
    public ActionSet Actions { get; init; } = ActionSet.TargetExposure;

    /// <summary>
    /// <see cref="ActionSet.TargetExposure"/> only: action i moves the position to exposure e_i of equity (units × price /
    /// equity; −1 fully short, 0 flat, 1 fully long), paying fees and slippage on the traded notional only. Must hold 0
    /// (flat) and lie in [−1, 1], ascending, no repeats; long-only arenas need every e_i ≥ 0. Default
    /// <see cref="DefaultTargetExposures"/>: 0, 0.5, 1 (flat, half, fully long); <see cref="LongShortTargetExposures"/>
    /// adds the shorts.
    /// </summary>
    public IReadOnlyList<double> TargetExposures
    {
        get => _targetExposures;
        init => _targetExposures = value is null ? null! : new ExposureList(value);
    }

    /// <summary>
    /// <see cref="ActionSet.TargetExposure"/> only: a target within this much exposure of the current one trades nothing
    /// (so choosing the same target again does not pay fees to undo the price's drift); a target of 0 always flattens.
    /// Default 0.05.
    /// </summary>
    public double RebalanceBand { get; init; } = 0.05;

    /// <summary>
    /// <see cref="ActionSet.TargetExposure"/> only: when positive, every target is scaled by this annual volatility over the
    /// asset's realised volatility (<see cref="VolatilityLookback"/> bars of close-to-close log returns, annualised with the
    /// series' bars per year), capped at <see cref="MaxLeverage"/> in absolute value. 0 = no volatility targeting (default).
    /// </summary>
    public double TargetVolatility { get; init; }

    /// <summary>Bars of returns the realised volatility of <see cref="TargetVolatility"/> is measured over (default 20).</summary>
    public int VolatilityLookback { get; init; } = 20;

    /// <summary>Cap on |exposure| after volatility targeting (default 1: never levered).</summary>
    public double MaxLeverage { get; init; } = 1;

    /// <summary>The default target exposures, long only: 0, 0.5, 1.</summary>
    [JsonIgnore]
    public static IReadOnlyList<double> DefaultTargetExposures { get; } = new ExposureList([0, 0.5, 1]);

    /// <summary>Target exposures long and short: −1, −0.5, 0, 0.5, 1 (needs <see cref="LongOnly"/> false).</summary>
    [JsonIgnore]
    public static IReadOnlyList<double> LongShortTargetExposures { get; } = new ExposureList([-1, -0.5, 0, 0.5, 1]);

    /// <summary>
    /// The original prototype's arena: the 4 classic actions (Hold, Buy, Sell, Close), long and short, with this type's
    /// other defaults; its <see cref="TargetExposures"/> are <see cref="LongShortTargetExposures"/>, so switching it to
    /// <see cref="ActionSet.TargetExposure"/> gives the long-short targets. The default before issue 17.
    /// </summary>
    [JsonIgnore]
    public static ArenaOptions Classic { get; } = new() { Actions = ActionSet.Classic, LongOnly = false, TargetExposures = LongShortTargetExposures };

    // Compared by value, so options equal after a JSON round trip (the record's equality compares this field).
    private readonly IReadOnlyList<double> _targetExposures = DefaultTargetExposures;

    /// <summary>Outputs the network needs for <see cref="Actions"/>.</summary>
    [JsonIgnore]
    public int ActionCount => Actions == ActionSet.TargetExposure ? TargetExposures?.Count ?? 0 : TradingActionNames.ClassicCount;

    /// <summary>Whether two option sets give the network's outputs the same meaning (a resume may not change them).</summary>
    public bool SameActions(ArenaOptions other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Actions == other.Actions
            && (Actions == ActionSet.Classic || (TargetExposures ?? []).SequenceEqual(other.TargetExposures ?? []));
    }

    /// <summary>
    /// These costs and frictions with <paramref name="other"/>'s action set (and, for target exposures, its long-only flag):
    /// a policy trained on <paramref name="other"/>'s outputs scored under this arena's costs, as the gate scores a champion.
    /// </summary>
    public ArenaOptions WithActionsOf(ArenaOptions other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this with
        {
            Actions = other.Actions,
            TargetExposures = other.TargetExposures,
            RebalanceBand = other.RebalanceBand,
            TargetVolatility = other.TargetVolatility,
            VolatilityLookback = other.VolatilityLookback,
            MaxLeverage = other.MaxLeverage,
            LongOnly = other.Actions == ActionSet.TargetExposure ? other.LongOnly : LongOnly,
        };
    }

    /// <summary>The name of each action, in output order: Hold, Buy, Sell, Close, or "target:-0.5" and so on.</summary>
    public IReadOnlyList<string> ActionNames() => Actions == ActionSet.TargetExposure
        ? [.. (TargetExposures ?? []).Select(TradingActionNames.Target)]
        : TradingActionNames.Classic;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!double.IsFinite(InitialCapital) || InitialCapital <= 0)
        {
            errors.Add(Invariant($"ArenaOptions.InitialCapital must be positive and finite (was {InitialCapital})."));
        }

        if (!double.IsFinite(FeeBps) || FeeBps < 0 || FeeBps >= 10_000)
        {
            errors.Add(Invariant($"ArenaOptions.FeeBps must be in [0, 10000) (was {FeeBps})."));
        }

        if (!double.IsFinite(SlippageBps) || SlippageBps < 0 || SlippageBps >= 10_000)
        {
            errors.Add(Invariant($"ArenaOptions.SlippageBps must be in [0, 10000) (was {SlippageBps})."));
        }

        if (!double.IsFinite(PositionFraction) || PositionFraction <= 0 || PositionFraction > 1)
        {
            errors.Add(Invariant($"ArenaOptions.PositionFraction must be in (0, 1] (was {PositionFraction})."));
        }

        if (!double.IsFinite(BankruptcyFraction) || BankruptcyFraction < 0 || BankruptcyFraction >= 1)
        {
            errors.Add(Invariant($"ArenaOptions.BankruptcyFraction must be in [0, 1) (was {BankruptcyFraction})."));
        }

        if (!double.IsFinite(CashRate) || CashRate < 0 || CashRate > 0.5)
        {
            errors.Add(Invariant($"ArenaOptions.CashRate must be in [0, 0.5] (annual; was {CashRate})."));
        }

        if (!double.IsFinite(ShortBorrowRate) || ShortBorrowRate < 0 || ShortBorrowRate > 1)
        {
            errors.Add(Invariant($"ArenaOptions.ShortBorrowRate must be in [0, 1] (annual; was {ShortBorrowRate})."));
        }

        if (!Enum.IsDefined(Actions))
        {
            errors.Add(Invariant($"ArenaOptions.Actions must be {ActionSet.Classic} or {ActionSet.TargetExposure} (was {(int)Actions})."));
        }
        else if (Actions == ActionSet.TargetExposure)
        {
            ValidateTargets(errors);
        }

        if (EvaluationFloor is not (FloorRule.FlattenToCash or FloorRule.Ignore))
        {
            errors.Add(Invariant($"ArenaOptions.EvaluationFloor must be {FloorRule.FlattenToCash} or {FloorRule.Ignore} (was {EvaluationFloor}): an evaluation scores every policy to the end of the window."));
        }

        return errors;
    }

    private void ValidateTargets(List<string> errors)
    {
        var targets = TargetExposures;
        if (targets is null || targets.Count < 2 || targets.Count > 64)
        {
            errors.Add(Invariant($"ArenaOptions.TargetExposures must hold 2..64 exposures (had {targets?.Count ?? 0})."));
            return;
        }

        var shown = string.Join(", ", targets.Select(e => e.ToString("R", CultureInfo.InvariantCulture)));
        if (targets.Any(e => !double.IsFinite(e) || e < -1 || e > 1))
        {
            errors.Add($"ArenaOptions.TargetExposures must lie in [-1, 1] (was {shown}).");
        }

        if (!targets.Contains(0))
        {
            errors.Add($"ArenaOptions.TargetExposures must contain 0, the flat position (was {shown}).");
        }

        if (targets.Zip(targets.Skip(1)).Any(p => !(p.First < p.Second)))
        {
            errors.Add($"ArenaOptions.TargetExposures must be ascending without repeats (was {shown}).");
        }

        if (LongOnly && targets.Any(e => e < 0))
        {
            errors.Add($"ArenaOptions.TargetExposures must be ≥ 0 when LongOnly (was {shown}).");
        }

        if (!double.IsFinite(RebalanceBand) || RebalanceBand < 0 || RebalanceBand >= 1)
        {
            errors.Add(Invariant($"ArenaOptions.RebalanceBand must be in [0, 1) (was {RebalanceBand})."));
        }

        if (!double.IsFinite(TargetVolatility) || TargetVolatility < 0 || TargetVolatility > 5)
        {
            errors.Add(Invariant($"ArenaOptions.TargetVolatility must be in [0, 5] (annual; 0 = off; was {TargetVolatility})."));
        }

        if (VolatilityLookback is < 2 or > 1000)
        {
            errors.Add(Invariant($"ArenaOptions.VolatilityLookback must be 2..1000 bars (was {VolatilityLookback})."));
        }

        if (!double.IsFinite(MaxLeverage) || MaxLeverage <= 0 || MaxLeverage > 1)
        {
            errors.Add(Invariant($"ArenaOptions.MaxLeverage must be in (0, 1] (was {MaxLeverage})."));
        }
    }

    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
