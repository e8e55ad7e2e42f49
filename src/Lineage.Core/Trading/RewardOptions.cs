using System.Globalization;
using System.Text.Json.Serialization;

namespace Lineage.Core.Trading;

[JsonConverter(typeof(JsonStringEnumConverter<RewardKind>))]
public enum RewardKind
{
    /// <summary>The original prototype's five-component reward (<see cref="RewardWeights"/>).</summary>
    FiveComponent,

    /// <summary>Per-step log return of equity after fees, minus an optional drawdown penalty.</summary>
    LogReturn,

    /// <summary>
    /// The differential Sharpe ratio of Moody &amp; Saffell ("Learning to trade via direct reinforcement", IEEE TNN 2001;
    /// Moody, Wu, Liao &amp; Saffell 1998): with R_t the step's simple return of equity after costs, and exponential moving
    /// estimates of its first and second moments A_t = A_{t−1} + η ΔA_t, B_t = B_{t−1} + η ΔB_t, where ΔA_t = R_t − A_{t−1}
    /// and ΔB_t = R_t² − B_{t−1} (A_0 = B_0 = 0 at the episode's start), the reward is
    /// D_t = (B_{t−1} ΔA_t − ½ A_{t−1} ΔB_t) / (B_{t−1} − A_{t−1}²)^{3/2}, the first-order sensitivity of the moving Sharpe
    /// ratio to the step's return; 0 while B_{t−1} − A_{t−1}² ≤ 1e-12 (the first step). η is <see cref="RewardOptions.DsrRate"/>.
    /// Minus the optional drawdown penalty, as for <see cref="LogReturn"/>.
    /// </summary>
    DifferentialSharpe,

    /// <summary>
    /// Log return of equity after costs minus the asset's log return over the same bar (close to close): the reward of
    /// beating buy-and-hold, 0 for a fully invested, costless holder. Minus the optional drawdown penalty.
    /// </summary>
    ExcessLogReturn,
}

/// <summary>
/// Weights of the original prototype's reward. Per step, with Δ the step's change of equity as a fraction of
/// the previous equity: CapitalGain·max(Δ,0) + CapitalLoss·max(−Δ,0) + Drawdown·(increase of drawdown from peak)
/// + Scar·(new scars) + WinRateIncrease·(increase of win rate); at the episode's end EpisodeRoi·ROI; on
/// bankruptcy Bankruptcy. Signs are part of the weights (losses carry negative weights).
/// </summary>
public sealed record RewardWeights
{
    public double CapitalGain { get; init; } = 10;

    public double CapitalLoss { get; init; } = -20;

    public double Drawdown { get; init; } = -5;

    public double Scar { get; init; } = -1;

    public double WinRateIncrease { get; init; } = 2;

    public double EpisodeRoi { get; init; } = 1000;

    public double Bankruptcy { get; init; } = -1000;
}

/// <summary>
/// Which reward, its weights, and a final multiplier. Scale 1 reproduces the prototype's numbers; those are
/// dominated by the end-of-episode term (1000·ROI) against per-step terms of ~0.1 (measured on 500 SPY
/// days: mean |step| 0.15, final step 83), which makes Q-targets large and noisy. For learning prefer
/// <see cref="RecommendedForLearning"/>: LogReturn × 100, i.e. per-step rewards in percent (same data:
/// mean |step| 0.7, max 4.6) — or FiveComponent with Scale ≈ 0.01.
/// </summary>
public sealed record RewardOptions
{
    public static RewardOptions RecommendedForLearning { get; } = new() { Kind = RewardKind.LogReturn, Scale = 100 };

    public RewardKind Kind { get; init; } = RewardKind.FiveComponent;

    public RewardWeights Weights { get; init; } = new();

    public double Scale { get; init; } = 1;

    /// <summary>LogReturn, DifferentialSharpe and ExcessLogReturn: penalty per unit of drawdown increase (0 = none).</summary>
    public double DrawdownPenalty { get; init; }

    /// <summary>
    /// Every kind: a training-time charge per unit of exposure traded by the agent's own fill, in the return's units
    /// (0.001 = 10 bp of equity for a full switch, before <see cref="Scale"/>), on top of the fees the arena already
    /// takes. It makes switching cost more while learning, against churn on noise; evaluation scores are net of the
    /// real fees only. 0 (default) = none.
    /// </summary>
    public double TurnoverPenalty { get; init; }

    /// <summary>DifferentialSharpe only: η, the adaptation rate of the moving moments, in (0, 1) (default 0.01, ~100 bars).</summary>
    public double DsrRate { get; init; } = 0.01;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(Kind))
        {
            errors.Add(Invariant($"RewardOptions.Kind is unknown ({(int)Kind})."));
        }

        if (!double.IsFinite(Scale) || Scale <= 0)
        {
            errors.Add(Invariant($"RewardOptions.Scale must be positive and finite (was {Scale})."));
        }

        if (!double.IsFinite(DrawdownPenalty) || DrawdownPenalty < 0)
        {
            errors.Add(Invariant($"RewardOptions.DrawdownPenalty must be ≥ 0 and finite (was {DrawdownPenalty})."));
        }

        if (!double.IsFinite(TurnoverPenalty) || TurnoverPenalty < 0)
        {
            errors.Add(Invariant($"RewardOptions.TurnoverPenalty must be ≥ 0 and finite (was {TurnoverPenalty})."));
        }

        if (!double.IsFinite(DsrRate) || DsrRate <= 0 || DsrRate >= 1)
        {
            errors.Add(Invariant($"RewardOptions.DsrRate must be in (0, 1) (was {DsrRate})."));
        }

        if (Weights is null)
        {
            errors.Add("RewardOptions.Weights is required.");
            return errors;
        }

        Check(errors, nameof(RewardWeights.CapitalGain), Weights.CapitalGain, mustBe: +1);
        Check(errors, nameof(RewardWeights.CapitalLoss), Weights.CapitalLoss, mustBe: -1);
        Check(errors, nameof(RewardWeights.Drawdown), Weights.Drawdown, mustBe: -1);
        Check(errors, nameof(RewardWeights.Scar), Weights.Scar, mustBe: -1);
        Check(errors, nameof(RewardWeights.WinRateIncrease), Weights.WinRateIncrease, mustBe: +1);
        Check(errors, nameof(RewardWeights.EpisodeRoi), Weights.EpisodeRoi, mustBe: +1);
        Check(errors, nameof(RewardWeights.Bankruptcy), Weights.Bankruptcy, mustBe: -1);
        return errors;
    }

    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }
    }

    // A gain weight below zero (or a penalty above zero) would reward losing; reject it rather than guess.
    private static void Check(List<string> errors, string name, double value, int mustBe)
    {
        if (!double.IsFinite(value) || (mustBe > 0 && value < 0) || (mustBe < 0 && value > 0))
        {
            errors.Add(Invariant($"RewardWeights.{name} must be finite and {(mustBe > 0 ? "≥ 0" : "≤ 0")} (was {value})."));
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
