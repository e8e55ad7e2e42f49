namespace Lineage.Core.Trading;

/// <summary>
/// Running tally of the position an agent held over each bar of an episode: its side (long, short, flat) and its size, the
/// absolute exposure |position value / equity|. Shows how much of an agent's result is simply being in the market: an agent
/// long on every bar is buy-and-hold whatever its network learnt.
/// </summary>
public struct ExposureStatistics
{
    public int Bars { get; private set; }

    public int BarsLong { get; private set; }

    public int BarsShort { get; private set; }

    public double SumAbsExposure { get; private set; }

    /// <summary>Fraction of the bars held long (0 with no bars).</summary>
    public readonly double TimeLong => Bars == 0 ? 0 : (double)BarsLong / Bars;

    /// <summary>Fraction of the bars held short (0 with no bars).</summary>
    public readonly double TimeShort => Bars == 0 ? 0 : (double)BarsShort / Bars;

    /// <summary>Time in market: the fraction of bars long or short.</summary>
    public readonly double TimeInMarket => Bars == 0 ? 0 : (double)(BarsLong + BarsShort) / Bars;

    /// <summary>Mean over the bars of |exposure| (1 for an all-in position, 0.5 for half of equity; 0 with no bars).</summary>
    public readonly double MeanAbsExposure => Bars == 0 ? 0 : SumAbsExposure / Bars;

    /// <summary>Adds one bar held at <paramref name="position"/> (its sign counts) with <paramref name="exposure"/> (position value / equity).</summary>
    public void Add(int position, double exposure)
    {
        Bars++;
        if (position > 0)
        {
            BarsLong++;
        }
        else if (position < 0)
        {
            BarsShort++;
        }

        SumAbsExposure += Math.Abs(exposure);
    }
}
