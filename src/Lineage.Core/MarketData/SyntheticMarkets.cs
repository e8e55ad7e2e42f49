using Lineage.Core.Randomness;

namespace Lineage.Core.MarketData;

/// <summary>Geometric Brownian motion with zero expected price change: nothing to learn, flat is optimal after fees.</summary>
public sealed record RandomWalkParameters(double Volatility = 0.01, double StartPrice = 100);

/// <summary>
/// Two-state Markov regime: log-drift +<see cref="Drift"/> or −<see cref="Drift"/> per bar, switching with
/// probability <see cref="SwitchProbability"/> per bar (mean regime length 1/p bars). Momentum over a window
/// estimates the regime, so a momentum-sign policy has an edge.
/// </summary>
public sealed record RegimeTrendParameters(double Drift = 0.0025, double Volatility = 0.01, double SwitchProbability = 0.02, double StartPrice = 100);

/// <summary>
/// Ornstein–Uhlenbeck log price: x[t+1] = x[t] + <see cref="Reversion"/>·(ln <see cref="Level"/> − x[t]) + σ·ε.
/// A price that has fallen over the window tends to come back, so a contrarian policy has an edge.
/// </summary>
public sealed record MeanRevertingParameters(double Reversion = 0.1, double Volatility = 0.01, double Level = 100);

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

    /// <summary>Generates <paramref name="bars"/> bars of the given kind ("trend", "meanrev", "randomwalk") with default parameters.</summary>
    public static PriceSeries Generate(string kind, int bars, ulong seed) => kind switch
    {
        Trend => GenerateRegimeTrend(bars, seed, new RegimeTrendParameters()),
        MeanReverting => GenerateMeanReverting(bars, seed, new MeanRevertingParameters()),
        RandomWalk => GenerateRandomWalk(bars, seed, new RandomWalkParameters()),
        _ => throw new ArgumentException($"Unknown synthetic market kind '{kind}'; expected one of: {string.Join(", ", Kinds)}.", nameof(kind)),
    };

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
        }

        return Build($"{Trend}-{seed}", logs, parameters.StartPrice);
    }

    public static PriceSeries GenerateMeanReverting(int bars, ulong seed, MeanRevertingParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckBars(bars);
        var rng = new Rng(seed);
        var level = Math.Log(parameters.Level);
        var x = level;
        var logs = new double[bars];
        for (var t = 0; t < bars; t++)
        {
            if (t > 0)
            {
                x += (parameters.Reversion * (level - x)) + (parameters.Volatility * rng.NextGaussian());
            }

            logs[t] = x;
        }

        return Build($"{MeanReverting}-{seed}", logs, parameters.Level);
    }

    private static void CheckBars(int bars)
    {
        if (bars < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(bars), bars, "A synthetic market needs at least 2 bars.");
        }
    }

    private static PriceSeries Build(string name, double[] logs, double firstOpen)
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

        return new PriceSeries(name, times, open, close);
    }
}
