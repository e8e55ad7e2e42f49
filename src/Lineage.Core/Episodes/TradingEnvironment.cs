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
/// normalised, then position and unrealised PnL). An action chosen at bar t fills at bar t+1's open (its close
/// for close-only data) and the account is marked at bar t+1's close. Reaching the bankruptcy floor terminates
/// under <see cref="FloorRule.EndEpisode"/> (training); in evaluation the episode goes on to the window's end,
/// flattened or not (<see cref="FloorRule"/>). Reaching the series' last bar or the step cap truncates. Market features are computed and normalised once, here, so a
/// step allocates nothing. Not thread-safe: one environment per concurrent episode.
/// </summary>
public sealed class TradingEnvironment
{
    public const int ActionCount = 4;

    private readonly float[] _market;
    private readonly int _marketColumns;
    private readonly int[] _slots;
    private readonly float[] _state;
    private readonly double[] _equity;
    private ReturnStatistics _returns;
    private int _maxSteps;
    private FloorRule _floorRule;

    /// <summary>Interest per bar on cash (<see cref="ArenaOptions.CashRate"/> compounded over the series' bars per year).</summary>
    private readonly double _cashPerBar;

    public TradingEnvironment(PriceSeries series, FeatureSpec spec, Normalizer normalizer, ArenaOptions arenaOptions, RewardOptions rewardOptions)
        : this(MarketFeatures.Compute(series, spec), series, normalizer, arenaOptions, rewardOptions)
    {
    }

    /// <summary>Reuses market features already computed for <paramref name="series"/>.</summary>
    public TradingEnvironment(MarketFeatures features, PriceSeries series, Normalizer normalizer, ArenaOptions arenaOptions, RewardOptions rewardOptions)
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

        var normalizerErrors = normalizer.Validate(features.ColumnCount);
        if (normalizerErrors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", normalizerErrors), nameof(normalizer));
        }

        Series = series;
        Features = features;
        Spec = features.Spec;
        Normalizer = normalizer;
        Arena = new Arena(arenaOptions);
        Rewards = new RewardCalculator(rewardOptions, arenaOptions.InitialCapital);
        _cashPerBar = arenaOptions.CashRate == 0 ? 0 : Math.Pow(1 + arenaOptions.CashRate, 1 / series.BarsPerYear) - 1;

        _marketColumns = features.ColumnCount;
        _market = new float[series.Count * _marketColumns];
        for (var t = 0; t < series.Count; t++)
        {
            normalizer.Apply(features.Row(t), _market.AsSpan(t * _marketColumns, _marketColumns));
        }

        // Slot i of the state: a market column (≥ 0), or −1 position, −2 unrealised PnL.
        var marketKinds = features.Columns;
        _slots = Spec.Features
            .Select(f => f switch
            {
                FeatureKind.Position => -1,
                FeatureKind.UnrealizedPnl => -2,
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

    /// <summary>Earliest start bar: the first whose features see all their history (<see cref="FeatureSpec.RequiredHistory"/>).</summary>
    public int FirstStartIndex => Features.WarmupBars;

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

    /// <summary>Starts an episode at bar <paramref name="startIndex"/>, flat with the initial capital.</summary>
    public void Reset(int startIndex, int maxSteps = int.MaxValue, FloorRule floorRule = FloorRule.EndEpisode)
    {
        if (floorRule is < FloorRule.EndEpisode or > FloorRule.Ignore)
        {
            throw new ArgumentOutOfRangeException(nameof(floorRule), floorRule, "Unknown floor rule.");
        }

        if (startIndex < FirstStartIndex || startIndex > LastStartIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(startIndex), startIndex, string.Create(CultureInfo.InvariantCulture, $"Start index must be in [{FirstStartIndex}, {LastStartIndex}] for series '{Series.Name}' of {Series.Count} bars with window {Spec.Window}."));
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
        Arena.Reset(Series.Close[startIndex]);
        _equity[0] = Arena.Equity;
        WriteState();
    }

    public StepOutcome Step(TradeAction action)
    {
        if (Done)
        {
            throw new InvalidOperationException($"The episode on '{Series.Name}' has ended at bar {CurrentIndex}; call Reset first.");
        }

        var before = Arena.Snapshot();
        var next = CurrentIndex + 1;
        if (HitFloorAt is not null && _floorRule == FloorRule.FlattenToCash)
        {
            action = TradeAction.Close;
        }

        var fees = Arena.Execute(action, Series.FillPrice(next));
        if (_cashPerBar != 0)
        {
            Arena.AccrueCash(_cashPerBar);
        }

        Arena.MarkToMarket(Series.Close[next]);
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
        var breakdown = Rewards.Compute(before, after, Done);
        WriteState();
        return new StepOutcome(breakdown.Total, breakdown, terminated, truncated, fees);
    }

    public AgentMetrics Metrics() => AgentMetrics.From(Arena, _returns, Series.BarsPerYear, HitFloorAt);

    private void WriteState()
    {
        var row = CurrentIndex * _marketColumns;
        for (var i = 0; i < _slots.Length; i++)
        {
            _state[i] = _slots[i] switch
            {
                -1 => Arena.Position,
                -2 => (float)Arena.UnrealizedPnlFraction(),
                var c => _market[row + c],
            };
        }
    }
}
