using Lineage.Core.MarketData;

namespace Lineage.Core.Tests.MarketData;

/// <summary>The synthetic markets' signal-to-noise option: unset, today's series bit for bit; set, the ratio the series realise.</summary>
public class SignalToNoiseTests
{
    private const int LongSeries = 400_000;

    [Theory]
    // Fingerprints of the generators' default output before the option existed (commit 7d8a2e8).
    [InlineData("trend", 500, 42UL, "67978508227012652ea435029427ff71e6069b5bcf6c2e5b77c88d08e12ce0a4")]
    [InlineData("trend", 4000, 7UL, "6a60c163e3bced9a98602183189a3b2076735ca1a0c5d8464f21271245001e41")]
    [InlineData("meanrev", 500, 42UL, "bdfa771f8f11092af6fbbe0271f385fb809191c496b58d05bd63b0c28b2b2417")]
    [InlineData("meanrev", 4000, 7UL, "c1c722f361ec24c6681fa1bb45fe3a2ec8c7e23c9c7d0c491188539c99d95784")]
    [InlineData("randomwalk", 500, 42UL, "6b3efef3c74c776c0e647ac35325aa9d5c9656dfbe22faf3ef54631db9e8aa8d")]
    [InlineData("randomwalk", 4000, 7UL, "9453fc41835ebbcee15e0f91fa09dacfba0c059455af9f56144fc7df80d40c58")]
    public void Without_a_ratio_the_series_are_todays_bit_for_bit(string kind, int bars, ulong seed, string fingerprint)
    {
        Assert.Equal(fingerprint, SyntheticMarkets.Generate(kind, bars, seed).Fingerprint());
        Assert.Equal(fingerprint, SyntheticMarkets.Generate(kind, bars, seed, signalToNoise: null).Fingerprint());
    }

    [Fact]
    public void The_defaults_have_the_documented_ratios_and_the_formulas_invert()
    {
        Assert.Equal(0.25, new RegimeTrendParameters().SignalToNoise, 12);
        Assert.Equal(Math.Sqrt(0.1 / 1.9), new MeanRevertingParameters().SignalToNoise, 12);
        Assert.Equal(0.2294157338705618, new MeanRevertingParameters().SignalToNoise, 12);

        // θ·σ_stationary / σ is the same ratio, computed the long way.
        var p = new MeanRevertingParameters();
        Assert.Equal(p.Reversion * p.StationaryStd / p.Volatility, p.SignalToNoise, 12);

        Assert.Equal(new RegimeTrendParameters(), RegimeTrendParameters.For(null));
        Assert.Equal(new MeanRevertingParameters(), MeanRevertingParameters.For(null));
        Assert.Equal(0.1, MeanRevertingParameters.For(new MeanRevertingParameters().SignalToNoise).Reversion, 12);
        foreach (var snr in new[] { 0.01, 0.05, 0.25, 1, 2 })
        {
            Assert.Equal(snr * 0.01, RegimeTrendParameters.For(snr).Drift, 15);
            Assert.Equal(snr, MeanRevertingParameters.For(snr).SignalToNoise, 12);
            Assert.InRange(MeanRevertingParameters.For(snr).Reversion, 0, 2);
        }

        Assert.Equal(0.0049875311720698, MeanRevertingParameters.For(0.05).Reversion, 12);
    }

    [Fact]
    public void The_trend_at_its_default_ratio_is_the_default_series()
    {
        Assert.Equal(SyntheticMarkets.Generate("trend", 4000, 7).Fingerprint(), SyntheticMarkets.Generate("trend", 4000, 7, 0.25).Fingerprint());
        Assert.NotEqual(SyntheticMarkets.Generate("trend", 4000, 7).Fingerprint(), SyntheticMarkets.Generate("trend", 4000, 7, 0.05).Fingerprint());
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.25)]
    // At 1 a truth one bar out of step with the prices would show: a regime's drift then lasts into the next regime's
    // first bar 2 % of the time, and the ratio measured on it comes out ≈ 4 % low (the tolerance is 1 %).
    [InlineData(1.0)]
    public void The_trend_realises_its_per_bar_drift_over_volatility(double snr)
    {
        var s = SyntheticMarkets.Generate("trend", LongSeries, 11, snr);
        var drift = s.Truth!.Drift;

        // The return into bar t is drawn with the drift of the regime in force at t, plus σ·ε.
        var signed = new double[s.Count - 1];
        var noise = new double[s.Count - 1];
        for (var t = 1; t < s.Count; t++)
        {
            var r = Math.Log(s.Close[t] / s.Close[t - 1]);
            signed[t - 1] = r * Math.Sign(drift[t]);
            noise[t - 1] = r - drift[t];
        }

        var volatility = Std(noise);
        Assert.InRange(volatility, 0.0099, 0.0101);
        Assert.InRange(noise.Average(), -1e-4, 1e-4);
        // Standard error of the ratio: 1/√n ≈ 0.0016; the tolerance is ≈ 6 of them, or 1 % of the ratio when larger.
        Assert.InRange(signed.Average() / volatility, snr - Math.Max(0.01, 0.01 * snr), snr + Math.Max(0.01, 0.01 * snr));
        Assert.All(drift, d => Assert.Equal(snr * 0.01, Math.Abs(d), 15));
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.2294157338705618)]
    [InlineData(0.6)]
    public void The_mean_reverting_market_realises_its_reversion_at_one_stationary_sd_over_volatility(double snr)
    {
        var s = SyntheticMarkets.Generate("meanrev", LongSeries, 13, snr);
        var x = s.Close.Select(c => Math.Log(c)).ToArray();

        // Estimated from the prices alone: θ by least squares of Δx on the deviation, σ from the residual, σ_stationary as the SD of x.
        var deviation = x[..^1].Select(v => v - Math.Log(100)).ToArray();
        var step = Enumerable.Range(1, x.Length - 1).Select(t => x[t] - x[t - 1]).ToArray();
        var theta = -deviation.Zip(step, (d, dx) => d * dx).Sum() / deviation.Sum(d => d * d);
        var residual = deviation.Zip(step, (d, dx) => dx + (theta * d)).ToArray();
        var realised = theta * Std(x) / Std(residual);

        // Mostly the stationary SD's sampling error, which grows with the half-life: ≈ 3–4 % at 0.05 over 400,000 bars.
        Assert.InRange(realised, snr * 0.85, snr * 1.15);
        Assert.InRange(Std(residual), 0.0099, 0.0101);

        // The truth's drift is the expected step exactly: the rest is the noise.
        var truth = s.Truth!.Drift;
        var noise = Enumerable.Range(1, x.Length - 1).Select(t => x[t] - x[t - 1] - truth[t - 1]).ToArray();
        Assert.InRange(Std(noise), 0.0099, 0.0101);
        Assert.InRange(noise.Average(), -1e-4, 1e-4);
    }

    [Fact]
    public void The_trend_at_005_is_far_harder_to_read_from_momentum_than_at_the_default()
    {
        var easy = SyntheticMarketsTests.MomentumCorrelation(SyntheticMarkets.Generate("trend", 100_000, 5));
        var hard = SyntheticMarketsTests.MomentumCorrelation(SyntheticMarkets.Generate("trend", 100_000, 5, 0.05));

        Assert.True(easy > 0.05, $"default: {easy}");
        Assert.True(Math.Abs(hard) < easy / 5, $"at 0.05: {hard}, default: {easy}");
    }

    [Theory]
    [InlineData("randomwalk", 0.1)]
    [InlineData("trend", 0.0)]
    [InlineData("meanrev", -0.1)]
    [InlineData("trend", double.NaN)]
    [InlineData("trend", double.PositiveInfinity)]
    public void A_ratio_the_market_cannot_take_is_refused(string kind, double snr)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticMarkets.Generate(kind, 100, 1, snr));

        Assert.Contains("trend and meanrev markets only", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_truth_is_kept_by_slices_and_left_out_of_the_fingerprint()
    {
        var s = SyntheticMarkets.Generate("meanrev", 600, 3, 0.5);
        var slice = s.Slice(100, 200);

        Assert.Equal(s.Truth!.Drift.AsSpan(100, 200).ToArray(), slice.Truth!.Drift);
        Assert.Equal(s.Truth.Band, slice.Truth.Band);
        Assert.Equal(new PriceSeries(s.Name, s.Times, s.Open, s.Close).Fingerprint(), s.Fingerprint());
        Assert.Null(SyntheticMarkets.Generate("randomwalk", 100, 3).Truth);
        Assert.Throws<ArgumentException>(() => new PriceSeries("x", s.Times, s.Open, s.Close, truth: new SyntheticTruth([1.0], 0)));
    }

    private static double Std(double[] xs)
    {
        var mean = xs.Average();
        return Math.Sqrt(xs.Sum(v => (v - mean) * (v - mean)) / (xs.Length - 1));
    }
}
