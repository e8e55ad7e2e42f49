using Lineage.Core.Statistics;

namespace Lineage.Core.Tests.Statistics;

public sealed class BinomialIntervalTests
{
    [Fact]
    public void No_successes_has_the_closed_form_upper_bound()
    {
        var interval = BinomialInterval.ClopperPearson(0, 20);

        Assert.Equal(0, interval.Low);
        Assert.Equal(1 - Math.Pow(0.025, 1.0 / 20), interval.High, 10); // 0.1684
    }

    [Fact]
    public void Matches_published_exact_intervals()
    {
        // 6 of 8: the random-walk control's promotions before the deflated gate; exact interval [0.349, 0.968].
        var six = BinomialInterval.ClopperPearson(6, 8);
        Assert.Equal(0.3491, six.Low, 3);
        Assert.Equal(0.9681, six.High, 3);
        var all = BinomialInterval.ClopperPearson(20, 20);
        Assert.Equal(Math.Pow(0.025, 1.0 / 20), all.Low, 10);
        Assert.Equal(1, all.High);
    }
}
