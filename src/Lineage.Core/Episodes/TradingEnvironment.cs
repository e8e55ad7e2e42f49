using System.Globalization;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Trading;

namespace Lineage.Core.Episodes;

/// <summary>The result of one step: the reward (and its parts), and whether the episode ended.</summary>
public readonly record struct StepOutcome(double Reward, RewardBreakdown Breakdown, bool Terminated, bool Truncated, double Fees)
{
    public bool Done => Terminated || Truncated;
}

/// <summary>
/// One agent trading one series. The state at bar t is the spec's features of bar t (market features
/// normalised, and the account features: position, unrealised PnL, time in position). An action chosen at bar t fills at bar t+1's open (its close
/// for close-only data) and the account is marked at bar t+1's close. Reaching the bankruptcy floor terminates
/// under <see cref="FloorRule.EndEpisode"/> (training); in evaluation the episode goes on to the window's end,
/// flattened or not (<see cref="FloorRule"/>). Reaching the series' last bar or the step cap truncates. Market features are computed and normalised once, here, so a
/// step allocates nothing. Not thread-safe: one environment per concurrent episode.
/// </summary>
public sealed class TradingEnvironment
{
    /// <summary>Outputs of the classic action set (Hold, Buy, Sell, Close).</summary>
    public const int ClassicActionCount = TradingActionNames.ClassicCount;

    private readonly float[] _market;
    private readonly int _marketColumns;
    private readonly int[] _slots;
    private readonly float[] _state;
    private readonly double[] _equity;
    private ReturnStatistics _returns;
    private ExposureStatistics _exposure;
    private int _maxSteps;
    private FloorRule _floorRule;

    /// <summary>Interest per bar on cash (<see cref="ArenaOptions.CashRate"/> compounded over the series' bars per year).</summary>
    private readonly double _cashPerBar;

    /// <summary>Borrow cost per bar held short (<see cref="ArenaOptions.ShortBorrowRate"/> / bars per year).</summary>
    private readonly double _borrowPerBar;

    /// <summary>Target exposures of the actions (target-exposure action set), or null for the classic actions.</summary>
    private readonly double[]? _targets;

    /// <summary>Volatility-targeting multiplier decided at each bar (null: none).</summary>
    private readonly double[]? _exposureScale;

    /// <param name="historyBars">
    /// Bars of read-only history at the front of <paramref name="series"/> (an evaluated window's prefix, <see cref="HistoryBars"/>):
    /// features and rules read them, no episode starts on them.
    /// </param>
    public TradingEnvironment(PriceSeries series, FeatureSpec spec, Normalizer normalizer, ArenaOptions arenaOptions, RewardOptions rewardOptions, int historyBars = 0)
        : this(MarketFeatures.Compute(series, spec), series, normalizer, arenaOptions, rewardOptions, historyBars)
    {
    }

    /// <summary>Reuses market features already computed for <paramref name="series"/>.</summary>
    public TradingEnvironment(MarketFeatures features, PriceSeries series, Normalizer normalizer, ArenaOptions arenaOptions, RewardOptions rewardOptions, int historyBars = 0)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(normalizer);
        ArgumentNullException.ThrowIfNull(arenaOptions);
        ArgumentNullException.ThrowIfNull(rewardOptions);
        if (features.Rows != series.Count)
        {
            throw new ArgumentException($"Market features have {features.Rows} rows but series '{series.Name}' has {series.Count} bars.", nameof(features));
        }

        if (series.Count < features.Spec.RequiredHistory + 2)
        {
            throw new ArgumentException($"Series '{series.Name}' has {series.Count} bar(s); with {features.Spec.RequiredHistory} bars of feature history (window {features.Spec.Window}) an episode needs at least {features.Spec.RequiredHistory + 2}.", nameof(series));
        }

        if (historyBars < 0 || historyBars > series.Count - 2)
        {
            throw new ArgumentOutOfRangeException(nameof(historyBars), historyBars, string.Create(CultureInfo.InvariantCulture, $"Series '{series.Name}' has {series.Count} bars; its read-only history must be 0..{series.Count - 2} bars so one step remains after it."));
        }

        var normalizerErrors = normalizer.Validate(features.ColumnCount);
        if (normalizerErrors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", normalizerErrors), nameof(normalizer));
        }

        Series = series;
        HistoryBars = historyBars;
        Features = features;
        Spec = features.Spec;
        Normalizer = normalizer;
        Arena = new Arena(arenaOptions);
        Rewards = new RewardCalculator(rewardOptions, arenaOptions.InitialCapital);
        _cashPerBar = arenaOptions.CashRate == 0 ? 0 : Math.Pow(1 + arenaOptions.CashRate, 1 / series.BarsPerYear) - 1;
        _borrowPerBar = arenaOptions.ShortBorrowRate / series.BarsPerYear;
        if (arenaOptions.Actions == ActionSet.TargetExposure)
        {
            _targets = [.. arenaOptions.TargetExposures];
            _exposureScale = arenaOptions.TargetVolatility > 0 ? VolatilityScale(series, arenaOptions) : null;
        }

        _marketColumns = features.ColumnCount;
        _market = new float[series.Count * _marketColumns];
        for (var t = 0; t < series.Count; t++)
        {
            normalizer.Apply(features.Row(t), _market.AsSpan(t * _marketColumns, _marketColumns));
        }

        // Slot i of the state: a market column (≥ 0), or −1 position, −2 unrealised PnL, −3 time in position.
        var marketKinds = features.Columns;
        _slots = Spec.Features
            .Select(f => f switch
            {
                FeatureKind.Position => -1,
                FeatureKind.UnrealizedPnl => -2,
                FeatureKind.TimeInPosition => -3,
                _ => Array.IndexOf(marketKinds, f),
            })
            .ToArray();
        _state = new float[Spec.StateSize];
        _equity = new double[series.Count];
        Reset(FirstStartIndex);
    }

    public PriceSeries Series { get; }

    public MarketFeatures Features { get; }

    public FeatureSpec Spec { get; }

    public Normalizer Normalizer { get; }

    public Arena Arena { get; }

    public RewardCalculator Rewards { get; }

    public int StateSize => _state.Length;

    /// <summary>Outputs a policy for this environment has: <see cref="ArenaOptions.ActionCount"/>.</summary>
    public int ActionCount => Arena.Options.ActionCount;

    /// <summary>
    /// When the last step closed the position at the end of an evaluated window (<see cref="ArenaOptions.CloseAtEnd"/>):
    /// the position it closed and the fee paid; otherwise null.
    /// </summary>
    public (int From, double Fee)? EndClose { get; private set; }

    /// <summary>Bars of read-only history the series starts with: read by features and rules, never a start bar (0 for a training split).</summary>
    public int HistoryBars { get; }

    /// <summary>
    /// Earliest start bar: the first after the read-only history whose features see all their history
    /// (<see cref="FeatureSpec.RequiredHistory"/>), max(<see cref="HistoryBars"/>, warm-up). Every evaluation scores from here.
    /// </summary>
    public int FirstStartIndex => Math.Max(HistoryBars, Features.WarmupBars);

    /// <summary>Latest start bar (one step must remain).</summary>
    public int LastStartIndex => Series.Count - 2;

    public int StartIndex { get; private set; }

    public int CurrentIndex { get; private set; }

    public int Steps { get; private set; }

    public bool Done { get; private set; }

    public bool Terminated { get; private set; }

    /// <summary>The series bar at whose close equity first reached the bankruptcy floor in this episode, or null.</summary>
    public int? HitFloorAt { get; private set; }

    public FloorRule FloorRule => _floorRule;

    /// <summary>The current observation; overwritten by the next step (copy it to keep it).</summary>
    public ReadOnlySpan<float> State => _state;

    /// <summary>Equity at the start and after each step of the current episode.</summary>
    public ReadOnlySpan<double> EquityCurve => _equity.AsSpan(0, Steps + 1);

    public ReturnStatistics Returns => _returns;

    /// <summary>The position held over each bar of the current episode (<see cref="AgentMetrics.TimeLong"/> and the rest).</summary>
    public ExposureStatistics Exposure => _exposure;

    /// <summary>
    /// Bars the current position has been held, counting the bar it was opened on (1 right after the fill that opened it);
    /// 0 when flat. Opening means going from flat or from the other side; resizing on the same side (target exposures) and
    /// Buy while long keep counting.
    /// </summary>
    public int BarsInPosition { get; private set; }

    /// <summary>Starts an episode at bar <paramref name="startIndex"/>, flat with the initial capital.</summary>
    public void Reset(int startIndex, int maxSteps = int.MaxValue, FloorRule floorRule = FloorRule.EndEpisode)
    {
        if (floorRule is < FloorRule.EndEpisode or > FloorRule.Ignore)
        {
            throw new ArgumentOutOfRangeException(nameof(floorRule), floorRule, "Unknown floor rule.");
        }

        if (startIndex < FirstStartIndex || startIndex > LastStartIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(startIndex), startIndex, string.Create(CultureInfo.InvariantCulture, $"Start index must be in [{FirstStartIndex}, {LastStartIndex}] for series '{Series.Name}' of {Series.Count} bars with window {Spec.Window} and {HistoryBars} bars of read-only history."));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);
        StartIndex = startIndex;
        CurrentIndex = startIndex;
        Steps = 0;
        Done = false;
        Terminated = false;
        HitFloorAt = null;
        _maxSteps = maxSteps;
        _floorRule = floorRule;
        _returns = default;
        _exposure = default;
        BarsInPosition = 0;
        EndClose = null;
        Rewards.Reset();
        Arena.Reset(Series.Close[startIndex]);
        _equity[0] = Arena.Equity;
        WriteState();
    }

    /// <summary>Steps with a classic intent: the action itself, or under target exposures <see cref="ActionFor"/> it.</summary>
    public StepOutcome Step(TradeAction action) => Step(ActionFor(action));

    /// <summary>
    /// The action of this environment's set that carries out a classic intent: itself for the classic set; under target
    /// exposures Buy → the highest exposure, Sell → the lowest (flat when long-only), Close → 0, Hold → the target nearest
    /// the current exposure. Lets baselines that think in Buy/Sell/Close (buy-and-hold, flat, simple rules) run in any set.
    /// </summary>
    public int ActionFor(TradeAction intent)
    {
        if (_targets is null)
        {
            return (int)intent;
        }

        switch (intent)
        {
            case TradeAction.Buy:
                return _targets.Length - 1;
            case TradeAction.Sell:
                return Arena.Options.LongOnly ? Array.IndexOf(_targets, 0.0) : 0;
            case TradeAction.Close:
                return Array.IndexOf(_targets, 0.0);
            case TradeAction.Hold:
                var exposure = Arena.Exposure;
                var best = 0;
                for (var i = 1; i < _targets.Length; i++)
                {
                    if (Math.Abs(TargetExposure(i) - exposure) < Math.Abs(TargetExposure(best) - exposure))
                    {
                        best = i;
                    }
                }

                return best;
            default:
                throw new ArgumentOutOfRangeException(nameof(intent), intent, "Unknown trade action.");
        }
    }

    /// <summary>The exposure action <paramref name="action"/> targets at the current bar (after volatility targeting); target-exposure set only.</summary>
    public double TargetExposure(int action)
    {
        if (_targets is null)
        {
            throw new InvalidOperationException("The classic action set has no target exposures.");
        }

        var target = _targets[action];
        if (_exposureScale is null)
        {
            return target;
        }

        var cap = Arena.Options.MaxLeverage;
        return Math.Clamp(target * _exposureScale[CurrentIndex], -cap, cap);
    }

    /// <summary>Steps with action <paramref name="action"/> of this environment's set (0 … <see cref="ActionCount"/> − 1).</summary>
    public StepOutcome Step(int action)
    {
        if (Done)
        {
            throw new InvalidOperationException($"The episode on '{Series.Name}' has ended at bar {CurrentIndex}; call Reset first.");
        }

        if ((uint)action >= (uint)ActionCount)
        {
            throw new ArgumentOutOfRangeException(nameof(action), action, string.Create(CultureInfo.InvariantCulture, $"Action must be in [0, {ActionCount})."));
        }

        var before = Arena.Snapshot();
        var positionBefore = Arena.Position;
        var exposureBefore = Arena.Exposure;
        var next = CurrentIndex + 1;
        var flatten = HitFloorAt is not null && _floorRule == FloorRule.FlattenToCash;
        var fees = _targets is null
            ? Arena.Execute(flatten ? TradeAction.Close : (TradeAction)action, Series.FillPrice(next))
            : Arena.ExecuteTarget(flatten ? 0 : TargetExposure(action), Series.FillPrice(next));
        var turnover = Math.Abs(Arena.Exposure - exposureBefore);
        if (_borrowPerBar != 0)
        {
            Arena.AccrueBorrow(_borrowPerBar, Series.Close[next]);
        }

        if (_cashPerBar != 0)
        {
            Arena.AccrueCash(_cashPerBar);
        }

        // The bar's return comes from the position held from the fill to the close: counted before an end-of-window close sells it.
        var heldValue = Arena.Units * Series.Close[next];
        var heldEquity = Arena.Cash + heldValue;
        _exposure.Add(Arena.Position, Arena.Units == 0 || heldEquity <= 0 ? 0 : heldValue / heldEquity);

        // An evaluated window ends at its last bar: what is still open is sold there, at the close, with its costs.
        EndClose = null;
        if (Arena.Options.CloseAtEnd && _floorRule != FloorRule.EndEpisode && Arena.Units != 0
            && (next == Series.Count - 1 || Steps + 1 >= _maxSteps))
        {
            var from = Arena.Position;
            var closeFee = Arena.Execute(TradeAction.Close, Series.Close[next]);
            fees += closeFee;
            EndClose = (from, closeFee);
        }

        Arena.MarkToMarket(Series.Close[next]);
        var position = Arena.Position;
        BarsInPosition = position == 0 ? 0 : position == positionBefore ? BarsInPosition + 1 : 1;
        CurrentIndex = next;
        Steps++;
        var after = Arena.Snapshot();
        _returns.Add(before.Equity > 0 ? (after.Equity / before.Equity) - 1 : 0);
        _equity[Steps] = after.Equity;

        if (after.Bankrupt && HitFloorAt is null)
        {
            HitFloorAt = next;
        }

        var terminated = after.Bankrupt && _floorRule == FloorRule.EndEpisode;
        var truncated = !terminated && (next == Series.Count - 1 || Steps >= _maxSteps);
        Done = terminated || truncated;
        Terminated = terminated;
        var assetLogReturn = Rewards.Options.Kind == RewardKind.ExcessLogReturn ? Math.Log(Series.Close[next] / Series.Close[next - 1]) : 0;
        var breakdown = Rewards.Compute(before, after, Done, assetLogReturn, turnover);
        WriteState();
        return new StepOutcome(breakdown.Total, breakdown, terminated, truncated, fees);
    }

    public AgentMetrics Metrics() => AgentMetrics.From(Arena, _returns, Series.BarsPerYear, HitFloorAt, _exposure);

    /// <summary>
    /// For each bar t, target volatility over the realised volatility of the close-to-close log returns up to t (the last
    /// <see cref="ArenaOptions.VolatilityLookback"/> of them, at least 2; sample std, annualised); 1 before two returns exist.
    /// Reads closes 0…t only.
    /// </summary>
    private static double[] VolatilityScale(PriceSeries series, ArenaOptions options)
    {
        var scale = new double[series.Count];
        var close = series.Close;
        for (var t = 0; t < series.Count; t++)
        {
            var n = Math.Min(t, options.VolatilityLookback);
            if (n < 2)
            {
                scale[t] = 1;
                continue;
            }

            double sum = 0, sumSq = 0;
            for (var k = t - n + 1; k <= t; k++)
            {
                var r = Math.Log(close[k] / close[k - 1]);
                sum += r;
                sumSq += r * r;
            }

            var variance = Math.Max(0, (sumSq - (sum * sum / n)) / (n - 1));
            var annual = Math.Sqrt(variance * series.BarsPerYear);
            scale[t] = annual > 0 ? options.TargetVolatility / annual : options.MaxLeverage;
        }

        return scale;
    }

    private void WriteState()
    {
        var row = CurrentIndex * _marketColumns;
        for (var i = 0; i < _slots.Length; i++)
        {
            _state[i] = _slots[i] switch
            {
                -1 => _targets is null ? Arena.Position : (float)Arena.Exposure,
                -2 => (float)Arena.UnrealizedPnlFraction(),
                -3 => FeatureKinds.TimeInPositionValue(BarsInPosition),
                var c => _market[row + c],
            };
        }
    }
}
