using Lineage.Core.Randomness;

namespace Lineage.Core.MarketData;

/// <summary>Geometric Brownian motion with zero expected price change: nothing to learn, flat is optimal after fees.</summary>
public sealed record RandomWalkParameters(double Volatility = 0.01, double StartPrice = 100);

/// <summary>
/// Two-state Markov regime: log-drift +<see cref="Drift"/> or −<see cref="Drift"/> per bar, switching with
/// probability <see cref="SwitchProbability"/> per bar (mean regime length 1/p bars). Momentum over a window
/// estimates the regime, so a momentum-sign policy has an edge.
/// </summary>
public sealed record RegimeTrendParameters(double Drift = 0.0025, double Volatility = 0.01, double SwitchProbability = 0.02, double StartPrice = 100)
{
    /// <summary>Per-bar |drift| / volatility: 0.25 with the defaults.</summary>
    public double SignalToNoise => Drift / Volatility;

    /// <summary>
    /// The default parameters with drift = <paramref name="signalToNoise"/> × volatility (volatility, switch probability and
    /// start price unchanged); null: the defaults exactly. 0.25 gives the defaults bit for bit (0.25 × 0.01 is 0.0025).
    /// </summary>
    public static RegimeTrendParameters For(double? signalToNoise)
    {
        var defaults = new RegimeTrendParameters();
        return signalToNoise is { } snr ? defaults with { Drift = snr * defaults.Volatility } : defaults;
    }
}

/// <summary>
/// Ornstein–Uhlenbeck log price: x[t+1] = x[t] + <see cref="Reversion"/>·(ln <see cref="Level"/> − x[t]) + σ·ε.
/// A price that has fallen over the window tends to come back, so a contrarian policy has an edge.
/// </summary>
public sealed record MeanRevertingParameters(double Reversion = 0.1, double Volatility = 0.01, double Level = 100)
{
    /// <summary>The stationary standard deviation of the log price around its level: σ/√(2θ − θ²) (≈ 0.0229 with the defaults).</summary>
    public double StationaryStd => Volatility / Math.Sqrt((2 * Reversion) - (Reversion * Reversion));

    /// <summary>
    /// The mean-reverting counterpart of the trend's drift / volatility: the one-bar predictable move at one stationary SD
    /// from the level, over the bar's noise, θ·σ_stationary / σ = √(θ / (2 − θ)). With the defaults (θ 0.1) √(0.1/1.9) ≈ 0.2294.
    /// </summary>
    public double SignalToNoise => Math.Sqrt(Reversion / (2 - Reversion));

    /// <summary>
    /// The default parameters with the reversion whose <see cref="SignalToNoise"/> is <paramref name="signalToNoise"/>:
    /// θ = 2s² / (1 + s²) (σ and level unchanged; s = 0.05 gives θ ≈ 0.0050, a half-life of ≈ 139 bars and a stationary SD
    /// of ≈ 0.10); null: the defaults exactly. Any s &gt; 0 gives θ in (0, 2), a stationary process.
    /// </summary>
    public static MeanRevertingParameters For(double? signalToNoise)
    {
        var defaults = new MeanRevertingParameters();
        return signalToNoise is { } snr ? defaults with { Reversion = 2 * snr * snr / (1 + (snr * snr)) } : defaults;
    }
}

/// <summary>
/// Seeded synthetic markets with known structure, for checking that an agent learns what is learnable
/// (and nothing on the random walk). Bars are weekdays from 2000-01-03; Open is the previous close, so an
/// order decided at bar t fills at bar t's close price.
/// </summary>
public static class SyntheticMarkets
{
    public const string Trend = "trend";
    public const string MeanReverting = "meanrev";
    public const string RandomWalk = "randomwalk";

    public static IReadOnlyList<string> Kinds { get; } = [Trend, MeanReverting, RandomWalk];

    public static bool IsKind(string kind) => Kinds.Contains(kind, StringComparer.Ordinal);

    /// <summary>The kinds a signal-to-noise ratio applies to: the trend and the mean-reverting market (the random walk has no signal).</summary>
    public static IReadOnlyList<string> KindsWithSignal { get; } = [Trend, MeanReverting];

    /// <summary>
    /// Generates <paramref name="bars"/> bars of the given kind ("trend", "meanrev", "randomwalk"), with default parameters
    /// or, when <paramref name="signalToNoise"/> is set, the defaults at that signal-to-noise ratio
    /// (<see cref="RegimeTrendParameters.For"/>, <see cref="MeanRevertingParameters.For"/>; the random walk has none to set).
    /// </summary>
    public static PriceSeries Generate(string kind, int bars, ulong seed, double? signalToNoise = null)
    {
        if (signalToNoise is { } snr && (!KindsWithSignal.Contains(kind, StringComparer.Ordinal) || !(snr > 0) || !double.IsFinite(snr)))
        {
            throw new ArgumentOutOfRangeException(
                nameof(signalToNoise),
                snr,
                $"A signal-to-noise ratio is a positive, finite number for the {string.Join(" and ", KindsWithSignal)} markets only; '{kind}' was asked for {snr.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}.");
        }

        return kind switch
        {
            Trend => GenerateRegimeTrend(bars, seed, RegimeTrendParameters.For(signalToNoise)),
            MeanReverting => GenerateMeanReverting(bars, seed, MeanRevertingParameters.For(signalToNoise)),
            RandomWalk => GenerateRandomWalk(bars, seed, new RandomWalkParameters()),
            _ => throw new ArgumentException($"Unknown synthetic market kind '{kind}'; expected one of: {string.Join(", ", Kinds)}.", nameof(kind)),
        };
    }

    public static PriceSeries GenerateRandomWalk(int bars, ulong seed, RandomWalkParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckBars(bars);
        var rng = new Rng(seed);
        var sigma = parameters.Volatility;
        var logPrice = Math.Log(parameters.StartPrice);
        var logs = new double[bars];
        for (var t = 0; t < bars; t++)
        {
            // −σ²/2 makes E[P(t+1)] = P(t): zero drift in price, not just in log price.
            logPrice += t == 0 ? 0 : (-0.5 * sigma * sigma) + (sigma * rng.NextGaussian());
            logs[t] = logPrice;
        }

        return Build($"{RandomWalk}-{seed}", logs, parameters.StartPrice);
    }

    public static PriceSeries GenerateRegimeTrend(int bars, ulong seed, RegimeTrendParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckBars(bars);
        var rng = new Rng(seed);
        var up = rng.NextDouble() < 0.5;
        var logPrice = Math.Log(parameters.StartPrice);
        var logs = new double[bars];
        var drift = new double[bars];
        for (var t = 0; t < bars; t++)
        {
            if (t > 0)
            {
                if (rng.NextDouble() < parameters.SwitchProbability)
                {
                    up = !up;
                }

                logPrice += (up ? parameters.Drift : -parameters.Drift) + (parameters.Volatility * rng.NextGaussian());
            }

            logs[t] = logPrice;
            drift[t] = up ? parameters.Drift : -parameters.Drift; // the regime in force at t (bar 0: the initial one)
        }

        return Build($"{Trend}-{seed}", logs, parameters.StartPrice, new SyntheticTruth(drift, 0));
    }

    public static PriceSeries GenerateMeanReverting(int bars, ulong seed, MeanRevertingParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckBars(bars);
        var rng = new Rng(seed);
        var level = Math.Log(parameters.Level);
        var x = level;
        var logs = new double[bars];
        var drift = new double[bars];
        for (var t = 0; t < bars; t++)
        {
            if (t > 0)
            {
                x += (parameters.Reversion * (level - x)) + (parameters.Volatility * rng.NextGaussian());
            }

            logs[t] = x;
            drift[t] = parameters.Reversion * (level - x);
        }

        var band = parameters.Reversion * 0.5 * parameters.StationaryStd;
        return Build($"{MeanReverting}-{seed}", logs, parameters.Level, new SyntheticTruth(drift, band));
    }

    private static void CheckBars(int bars)
    {
        if (bars < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(bars), bars, "A synthetic market needs at least 2 bars.");
        }
    }

    private static PriceSeries Build(string name, double[] logs, double firstOpen, SyntheticTruth? truth = null)
    {
        var n = logs.Length;
        var times = new DateTimeOffset[n];
        var close = new double[n];
        var open = new double[n];
        var day = new DateTimeOffset(2000, 1, 3, 0, 0, 0, TimeSpan.Zero);
        for (var t = 0; t < n; t++)
        {
            times[t] = day;
            day = day.AddDays(day.DayOfWeek == DayOfWeek.Friday ? 3 : 1);
            close[t] = Math.Exp(logs[t]);
            open[t] = t == 0 ? firstOpen : close[t - 1];
        }

        return new PriceSeries(name, times, open, close, truth: truth);
    }
}
