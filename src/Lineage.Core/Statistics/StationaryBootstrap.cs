using System.Runtime.CompilerServices;
using Lineage.Core.Randomness;
using Lineage.Core.Trading;

namespace Lineage.Core.Statistics;

/// <summary>A point estimate on the observed path and its bootstrap percentile interval.</summary>
public sealed record BootstrapInterval(double Point, double Lower, double Upper);

/// <summary>
/// The candidate against one baseline on the same resampled paths: excess total return over the window
/// (candidate − baseline, compounded per-bar returns) and excess annualised Sharpe (Sharpe(candidate) − Sharpe(baseline)).
/// </summary>
public sealed record PairedExcess(string Baseline, BootstrapInterval ExcessReturn, BootstrapInterval ExcessSharpe);

/// <summary>
/// A paired stationary block bootstrap over one window: <see cref="Bars"/> per-bar returns, <see cref="Draws"/>
/// resampled paths with mean block length <see cref="BlockLength"/> (Politis–White on the excess over the first
/// baseline), <see cref="Confidence"/> percentile intervals, one <see cref="PairedExcess"/> per baseline.
/// </summary>
public sealed record PairedBootstrapReport(int Bars, int Draws, double BlockLength, double Confidence, ulong Seed, IReadOnlyList<PairedExcess> Baselines);

/// <summary>
/// The stationary bootstrap of Politis and Romano (1994): a path is a sequence of blocks, each starting at a uniform
/// bar and running on (wrapping from the last bar to the first) for a geometric number of bars with mean b. Paired:
/// each draw's indices are applied to the candidate and every baseline alike, so what they share (the market's path)
/// cancels in the excess figures and only their difference is resampled.
/// </summary>
public static class StationaryBootstrap
{
    public const int DefaultDraws = 10_000;

    /// <summary>Fills <paramref name="indices"/> with one resampled path over <paramref name="n"/> bars.</summary>
    public static void SampleIndices(int n, double meanBlockLength, Rng rng, Span<int> indices)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentNullException.ThrowIfNull(rng);
        var blocks = new BlockSampler(n, meanBlockLength);
        var t = 0;
        while (t < indices.Length)
        {
            var index = blocks.Start(rng);
            var length = blocks.Length(rng);
            for (var k = 0; k < length && t < indices.Length; k++, t++)
            {
                indices[t] = index;
                index = index + 1 == n ? 0 : index + 1;
            }
        }
    }

    /// <summary>
    /// Paired bootstrap of <paramref name="candidate"/> against each baseline (all per-bar simple returns over the same
    /// bars). The block length is Politis–White's on candidate − the first baseline unless <paramref name="blockLength"/>
    /// is given. Sharpe is annualised with √<paramref name="barsPerYear"/>, sample sd, 0 when the sd is 0 (as <c>AgentMetrics</c>).
    /// </summary>
    // Fully optimised at first call: the method runs once per evaluation, so tiered JIT would run its hot loop as
    // on-stack-replaced tier-0 code, measured ~3× slower (200 vs 60 ms for 10,000 draws × 1,000 bars × 3 series).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static PairedBootstrapReport Paired(
        ReadOnlySpan<double> candidate,
        IReadOnlyList<(string Name, double[] Returns)> baselines,
        double barsPerYear,
        int draws,
        ulong seed,
        double confidence = 0.95,
        double? blockLength = null)
    {
        ArgumentNullException.ThrowIfNull(baselines);
        ArgumentOutOfRangeException.ThrowIfLessThan(draws, 1);
        ArgumentOutOfRangeException.ThrowIfZero(baselines.Count);
        if (!(confidence > 0 && confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "Confidence must be in (0, 1).");
        }

        var n = candidate.Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 2, nameof(candidate));
        var series = new double[baselines.Count + 1][];
        series[0] = candidate.ToArray();
        for (var j = 0; j < baselines.Count; j++)
        {
            if (baselines[j].Returns.Length != n)
            {
                throw new ArgumentException($"The candidate has {n} per-bar returns and '{baselines[j].Name}' has {baselines[j].Returns.Length}: a paired bootstrap needs the same bars.", nameof(baselines));
            }

            series[j + 1] = baselines[j].Returns;
        }

        var excess = new double[n];
        for (var i = 0; i < n; i++)
        {
            excess[i] = series[0][i] - series[1][i];
        }

        var b = blockLength ?? PolitisWhiteBlockLength(excess);
        var m = series.Length;
        var totals = new double[m][];
        var sharpes = new double[m][];
        for (var s = 0; s < m; s++)
        {
            totals[s] = new double[draws];
            sharpes[s] = new double[draws];
        }

        // One draw is a list of segments (start, length) that never cross the series' end (a wrapping block is two
        // segments); each series is then summed over the segments with its accumulators in registers.
        var segmentStarts = new int[(2 * n) + 2];
        var segmentLengths = new int[(2 * n) + 2];
        var annualise = Math.Sqrt(barsPerYear);
        var rng = new Rng(seed);
        var blocks = new BlockSampler(n, b);
        for (var d = 0; d < draws; d++)
        {
            var segments = 0;
            var t = 0;
            while (t < n)
            {
                var index = blocks.Start(rng);
                var length = Math.Min(blocks.Length(rng), n - t);
                t += length;
                while (length > 0)
                {
                    var run = Math.Min(length, n - index);
                    segmentStarts[segments] = index;
                    segmentLengths[segments++] = run;
                    length -= run;
                    index = 0;
                }
            }

            for (var s = 0; s < m; s++)
            {
                var x = series[s];
                double growth = 1, sum = 0, sumSq = 0;
                for (var g = 0; g < segments; g++)
                {
                    var end = segmentStarts[g] + segmentLengths[g];
                    for (var i = segmentStarts[g]; i < end; i++)
                    {
                        var r = x[i];
                        growth *= 1 + r;
                        sum += r;
                        sumSq += r * r;
                    }
                }

                totals[s][d] = growth - 1;
                sharpes[s][d] = ReturnStatistics.Sharpe(sum, sumSq, n, annualise);
            }
        }

        var results = new PairedExcess[baselines.Count];
        var diff = new double[draws];
        for (var j = 0; j < baselines.Count; j++)
        {
            var bs = j + 1;
            var pointReturn = TotalReturn(series[0]) - TotalReturn(series[bs]);
            var pointSharpe = Sharpe(series[0], annualise) - Sharpe(series[bs], annualise);
            for (var d = 0; d < draws; d++)
            {
                diff[d] = totals[0][d] - totals[bs][d];
            }

            var returnInterval = Percentiles(diff, confidence, pointReturn);
            for (var d = 0; d < draws; d++)
            {
                diff[d] = sharpes[0][d] - sharpes[bs][d];
            }

            results[j] = new PairedExcess(baselines[j].Name, returnInterval, Percentiles(diff, confidence, pointSharpe));
        }

        return new PairedBootstrapReport(n, draws, b, confidence, seed, results);
    }

    /// <summary>Percentile interval of the mean of one series (used to check coverage; the excess figures use <see cref="Paired"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static BootstrapInterval MeanInterval(ReadOnlySpan<double> x, double blockLength, int draws, ulong seed, double confidence = 0.95)
    {
        var n = x.Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 2, nameof(x));
        var means = new double[draws];
        var indices = new int[n];
        var rng = new Rng(seed);
        for (var d = 0; d < draws; d++)
        {
            SampleIndices(n, blockLength, rng, indices);
            var sum = 0.0;
            for (var i = 0; i < n; i++)
            {
                sum += x[indices[i]];
            }

            means[d] = sum / n;
        }

        var mean = 0.0;
        foreach (var v in x)
        {
            mean += v;
        }

        return Percentiles(means, confidence, mean / n);
    }

    /// <summary>
    /// Politis and White (2004) optimal mean block length for the stationary bootstrap, with the correction of Patton,
    /// Politis and White (2009): b = (2Ĝ² / D̂)^(1/3) n^(1/3), Ĝ = Σ_{|k|≤M} λ(k/M)|k|R̂(k), D̂ = 2ĝ(0)², ĝ(0) = Σ_{|k|≤M} λ(k/M)R̂(k),
    /// λ the flat-top (trapezoid) kernel, M = 2m̂ where m̂ is the smallest lag after which K_n = max(5, √log₁₀n)
    /// autocorrelations in a row are below 2√(log₁₀n / n) (M ≤ ⌈√n⌉ + K_n). Clamped to [1, n/2]; 1 for a series with no variance.
    /// </summary>
    public static double PolitisWhiteBlockLength(ReadOnlySpan<double> x)
    {
        var n = x.Length;
        if (n < 4)
        {
            return 1;
        }

        var mean = 0.0;
        foreach (var v in x)
        {
            mean += v;
        }

        mean /= n;
        var e = new double[n];
        for (var i = 0; i < n; i++)
        {
            e[i] = x[i] - mean;
        }

        var kn = Math.Max(5, (int)Math.Ceiling(Math.Sqrt(Math.Log10(n))));
        var mMax = Math.Min(n - 1, (int)Math.Ceiling(Math.Sqrt(n)) + kn);
        var acv = new double[mMax + 1];
        for (var k = 0; k <= mMax; k++)
        {
            var c = 0.0;
            for (var i = k; i < n; i++)
            {
                c += e[i] * e[i - k];
            }

            acv[k] = c / n;
        }

        if (!(acv[0] > 1e-300))
        {
            return 1;
        }

        var critical = 2 * Math.Sqrt(Math.Log10(n) / n);
        var mHat = -1;
        for (var start = 1; start + kn - 1 <= mMax && mHat < 0; start++)
        {
            var insignificant = true;
            for (var k = start; k < start + kn; k++)
            {
                if (Math.Abs(acv[k] / acv[0]) >= critical)
                {
                    insignificant = false;
                    break;
                }
            }

            if (insignificant)
            {
                mHat = start - 1;
            }
        }

        var m = mHat < 0 ? mMax : Math.Min(mMax, 2 * Math.Max(mHat, 1));
        var g = 0.0;
        var longRun = acv[0];
        for (var k = 1; k <= m; k++)
        {
            var u = (double)k / m;
            var lambda = u <= 0.5 ? 1 : 2 * (1 - u);
            g += 2 * lambda * k * acv[k];
            longRun += 2 * lambda * acv[k];
        }

        var dsb = 2 * longRun * longRun;
        var b = dsb > 0 ? Math.Cbrt(2 * g * g / dsb) * Math.Cbrt(n) : 1;
        return double.IsFinite(b) ? Math.Clamp(b, 1, n / 2.0) : 1;
    }

    /// <summary>
    /// Draws blocks: a uniform start bar (Lemire's unbiased multiply-shift with the rejection threshold computed once,
    /// not per draw: the bootstrap draws millions of starts) and a geometric length on {1, 2, …} with mean b,
    /// 1 + ⌊ln U / ln(1 − 1/b)⌋ for U uniform on (0, 1].
    /// </summary>
    private readonly struct BlockSampler
    {
        private readonly ulong _bound;
        private readonly ulong _threshold;
        private readonly double _logStay;

        public BlockSampler(int n, double meanBlockLength)
        {
            if (!(meanBlockLength >= 1) || !double.IsFinite(meanBlockLength))
            {
                throw new ArgumentOutOfRangeException(nameof(meanBlockLength), meanBlockLength, "The mean block length must be finite and at least 1.");
            }

            _bound = (ulong)n;
            _threshold = (0UL - _bound) % _bound;
            // Each further bar continues the block with probability 1 − 1/b; ln of that is −∞ when b = 1 (blocks of one bar).
            _logStay = Math.Log(1 - (1 / meanBlockLength));
        }

        public int Start(Rng rng)
        {
            while (true)
            {
                var high = Math.BigMul(rng.NextULong(), _bound, out var low);
                if (low >= _threshold)
                {
                    return (int)high;
                }
            }
        }

        public int Length(Rng rng)
        {
            if (double.IsNegativeInfinity(_logStay))
            {
                return 1;
            }

            var extra = Math.Floor(Math.Log(1 - rng.NextDouble()) / _logStay);
            return extra >= int.MaxValue - 1 ? int.MaxValue : 1 + (int)extra;
        }
    }

    private static double Sharpe(double[] r, double annualise)
    {
        double sum = 0, sumSq = 0;
        foreach (var v in r)
        {
            sum += v;
            sumSq += v * v;
        }

        return ReturnStatistics.Sharpe(sum, sumSq, r.Length, annualise);
    }

    private static double TotalReturn(double[] r)
    {
        var growth = 1.0;
        foreach (var v in r)
        {
            growth *= 1 + v;
        }

        return growth - 1;
    }

    private static BootstrapInterval Percentiles(double[] values, double confidence, double point)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var alpha = (1 - confidence) / 2;
        return new BootstrapInterval(point, Quantile(sorted, alpha), Quantile(sorted, 1 - alpha));
    }

    /// <summary>Linear interpolation between order statistics (type 7, as R and NumPy default).</summary>
    private static double Quantile(double[] sorted, double p)
    {
        var h = (sorted.Length - 1) * p;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(sorted.Length - 1, lo + 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }
}
