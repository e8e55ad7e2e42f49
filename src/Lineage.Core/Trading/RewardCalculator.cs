namespace Lineage.Core.Trading;

/// <summary>One step's reward split by component (already multiplied by the scale), for logging. Adds up.</summary>
public readonly record struct RewardBreakdown(
    double CapitalGain,
    double CapitalLoss,
    double Drawdown,
    double Scar,
    double WinRate,
    double EpisodeRoi,
    double Bankruptcy,
    double LogReturn,
    double Turnover = 0)
{
    public double Total => CapitalGain + CapitalLoss + Drawdown + Scar + WinRate + EpisodeRoi + Bankruptcy + LogReturn + Turnover;

    public static RewardBreakdown operator +(RewardBreakdown a, RewardBreakdown b) => new(
        a.CapitalGain + b.CapitalGain,
        a.CapitalLoss + b.CapitalLoss,
        a.Drawdown + b.Drawdown,
        a.Scar + b.Scar,
        a.WinRate + b.WinRate,
        a.EpisodeRoi + b.EpisodeRoi,
        a.Bankruptcy + b.Bankruptcy,
        a.LogReturn + b.LogReturn,
        a.Turnover + b.Turnover);

    public static RewardBreakdown Add(RewardBreakdown a, RewardBreakdown b) => a + b;
}

/// <summary>
/// Turns the account before and after a step into a reward (see <see cref="RewardWeights"/> and <see cref="RewardKind"/>).
/// The return-based kinds (log return, excess log return, differential Sharpe) report their return term as
/// <see cref="RewardBreakdown.LogReturn"/>. The differential Sharpe ratio keeps moving moments across an episode's steps:
/// call <see cref="Reset"/> when an episode starts.
/// </summary>
public sealed class RewardCalculator
{
    /// <summary>Equity ratios below this are clamped before the log so a wiped-out account stays finite.</summary>
    public const double MinEquityRatio = 1e-6;

    private readonly RewardOptions _options;
    private readonly double _initialCapital;

    public RewardCalculator(RewardOptions options, double initialCapital)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        if (!double.IsFinite(initialCapital) || initialCapital <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(initialCapital), initialCapital, "Initial capital must be positive and finite.");
        }

        _options = options;
        _initialCapital = initialCapital;
    }

    private double _meanReturn;
    private double _meanSquaredReturn;

    public RewardOptions Options => _options;

    /// <summary>The differential Sharpe ratio's moving first moment A (0 after <see cref="Reset"/>).</summary>
    public double MeanReturn => _meanReturn;

    /// <summary>The differential Sharpe ratio's moving second moment B (0 after <see cref="Reset"/>).</summary>
    public double MeanSquaredReturn => _meanSquaredReturn;

    /// <summary>Forgets the moving moments of the differential Sharpe ratio: a new episode starts.</summary>
    public void Reset()
    {
        _meanReturn = 0;
        _meanSquaredReturn = 0;
    }

    /// <param name="episodeEnd">True on the episode's last step (terminated or truncated): adds the ROI term.</param>
    /// <param name="assetLogReturn">ExcessLogReturn only: the asset's log return over the step's bar (close to close).</param>
    /// <param name="turnover">The exposure the step's own fill traded, |exposure after − exposure before| (1 = all of equity), charged at <see cref="RewardOptions.TurnoverPenalty"/>.</param>
    public RewardBreakdown Compute(in AccountSnapshot before, in AccountSnapshot after, bool episodeEnd, double assetLogReturn = 0, double turnover = 0)
    {
        var breakdown = ComputeTerms(before, after, episodeEnd, assetLogReturn);
        return _options.TurnoverPenalty == 0 || turnover == 0
            ? breakdown
            : breakdown with { Turnover = -_options.TurnoverPenalty * Math.Abs(turnover) * _options.Scale };
    }

    private RewardBreakdown ComputeTerms(in AccountSnapshot before, in AccountSnapshot after, bool episodeEnd, double assetLogReturn)
    {
        var s = _options.Scale;
        var drawdownIncrease = Math.Max(0, after.Drawdown - before.Drawdown);
        if (_options.Kind is RewardKind.LogReturn or RewardKind.ExcessLogReturn)
        {
            var ratio = before.Equity > 0 ? after.Equity / before.Equity : MinEquityRatio;
            var logReturn = Math.Log(Math.Max(ratio, MinEquityRatio));
            if (_options.Kind == RewardKind.ExcessLogReturn)
            {
                logReturn -= assetLogReturn;
            }

            return new RewardBreakdown(0, 0, -_options.DrawdownPenalty * drawdownIncrease * s, 0, 0, 0, 0, logReturn * s);
        }

        if (_options.Kind == RewardKind.DifferentialSharpe)
        {
            var r = before.Equity > 0 ? (after.Equity / before.Equity) - 1 : 0;
            var dsr = DifferentialSharpe(r);
            return new RewardBreakdown(0, 0, -_options.DrawdownPenalty * drawdownIncrease * s, 0, 0, 0, 0, dsr * s);
        }

        var w = _options.Weights;
        var delta = before.Equity > 0 ? (after.Equity - before.Equity) / before.Equity : 0;
        var newScars = Math.Max(0, after.Scars - before.Scars);
        var winRateIncrease = Math.Max(0, after.WinRate - before.WinRate);
        var roi = (after.Equity / _initialCapital) - 1;
        return new RewardBreakdown(
            CapitalGain: w.CapitalGain * Math.Max(delta, 0) * s,
            CapitalLoss: w.CapitalLoss * Math.Max(-delta, 0) * s,
            Drawdown: w.Drawdown * drawdownIncrease * s,
            Scar: w.Scar * newScars * s,
            WinRate: w.WinRateIncrease * winRateIncrease * s,
            EpisodeRoi: episodeEnd ? w.EpisodeRoi * roi * s : 0,
            Bankruptcy: after.Bankrupt && !before.Bankrupt ? w.Bankruptcy * s : 0,
            LogReturn: 0);
    }

    /// <summary>D_t for return <paramref name="r"/> (see <see cref="RewardKind.DifferentialSharpe"/>), then the moments move.</summary>
    private double DifferentialSharpe(double r)
    {
        var a = _meanReturn;
        var b = _meanSquaredReturn;
        var deltaA = r - a;
        var deltaB = (r * r) - b;
        var variance = b - (a * a);
        var d = variance > 1e-12 ? ((b * deltaA) - (0.5 * a * deltaB)) / Math.Pow(variance, 1.5) : 0;
        _meanReturn = a + (_options.DsrRate * deltaA);
        _meanSquaredReturn = b + (_options.DsrRate * deltaB);
        return d;
    }
}
