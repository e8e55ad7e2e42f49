using System.Globalization;

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

    /// <summary>When true, Sell flattens a long position instead of going short.</summary>
    public bool LongOnly { get; init; }

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

        if (EvaluationFloor is not (FloorRule.FlattenToCash or FloorRule.Ignore))
        {
            errors.Add(Invariant($"ArenaOptions.EvaluationFloor must be {FloorRule.FlattenToCash} or {FloorRule.Ignore} (was {EvaluationFloor}): an evaluation scores every policy to the end of the window."));
        }

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

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
