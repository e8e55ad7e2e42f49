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
    double LogReturn)
{
    public double Total => CapitalGain + CapitalLoss + Drawdown + Scar + WinRate + EpisodeRoi + Bankruptcy + LogReturn;

    public static RewardBreakdown operator +(RewardBreakdown a, RewardBreakdown b) => new(
        a.CapitalGain + b.CapitalGain,
        a.CapitalLoss + b.CapitalLoss,
        a.Drawdown + b.Drawdown,
        a.Scar + b.Scar,
        a.WinRate + b.WinRate,
        a.EpisodeRoi + b.EpisodeRoi,
        a.Bankruptcy + b.Bankruptcy,
        a.LogReturn + b.LogReturn);

    public static RewardBreakdown Add(RewardBreakdown a, RewardBreakdown b) => a + b;
}

/// <summary>Turns the account before and after a step into a reward (see <see cref="RewardWeights"/> and <see cref="RewardKind"/>).</summary>
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

    public RewardOptions Options => _options;

    /// <param name="episodeEnd">True on the episode's last step (terminated or truncated): adds the ROI term.</param>
    public RewardBreakdown Compute(in AccountSnapshot before, in AccountSnapshot after, bool episodeEnd)
    {
        var s = _options.Scale;
        var drawdownIncrease = Math.Max(0, after.Drawdown - before.Drawdown);
        if (_options.Kind == RewardKind.LogReturn)
        {
            var ratio = before.Equity > 0 ? after.Equity / before.Equity : MinEquityRatio;
            var logReturn = Math.Log(Math.Max(ratio, MinEquityRatio));
            return new RewardBreakdown(0, 0, -_options.DrawdownPenalty * drawdownIncrease * s, 0, 0, 0, 0, logReturn * s);
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
}
