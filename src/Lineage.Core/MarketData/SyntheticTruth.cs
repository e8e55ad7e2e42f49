namespace Lineage.Core.MarketData;

/// <summary>
/// What a synthetic market's generator knew at each bar and no agent observes: the oracle baseline's information
/// (<see cref="Episodes.OraclePolicy"/>). <see cref="Drift"/>[t] is the drift of the generator's log price in its state at
/// bar t, the deterministic part of the next bar's log return were that state to last. Regime trend: ±drift of the regime
/// in force at bar t, the regime that drew the return into bar t; the next bar's return has it unless the regime switches
/// first (a coin drawn for bar t + 1, with the switch probability). Mean-reverting: θ·(ln level − x_t), exactly the expected
/// next log return, from the true deviation x_t − ln level. <see cref="Band"/> is the |drift| below which the oracle keeps
/// its position: 0 on the trend; θ·½σ_stationary on the mean-reverting market (contrarian beyond half a stationary SD of
/// the true deviation, the band the reference policy uses on its momentum estimate).
/// </summary>
public sealed record SyntheticTruth(double[] Drift, double Band);
