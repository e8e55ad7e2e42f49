using MathNet.Numerics.Distributions;

namespace Lineage.Core.Statistics;

/// <summary>A proportion's exact (Clopper–Pearson) confidence interval: never narrower than its coverage promises.</summary>
public readonly record struct BinomialInterval(int Successes, int Trials, double Low, double High)
{
    public double Rate => Trials == 0 ? double.NaN : (double)Successes / Trials;

    /// <summary>The two-sided <paramref name="confidence"/> interval of <paramref name="successes"/> out of <paramref name="trials"/>.</summary>
    public static BinomialInterval ClopperPearson(int successes, int trials, double confidence = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        if (!(confidence > 0 && confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "confidence must be in (0, 1).");
        }

        var alpha = 1 - confidence;
        var low = successes == 0 ? 0 : Beta.InvCDF(successes, trials - successes + 1, alpha / 2);
        var high = successes == trials ? 1 : Beta.InvCDF(successes + 1, trials - successes, 1 - (alpha / 2));
        return new BinomialInterval(successes, trials, low, high);
    }
}
