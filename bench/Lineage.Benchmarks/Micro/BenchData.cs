using Lineage.Core.Episodes;
using Lineage.Core.Features;
using Lineage.Core.MarketData;
using Lineage.Core.Randomness;
using Lineage.Core.Replay;
using Lineage.Core.Trading;

namespace Lineage.Benchmarks.Micro;

/// <summary>Seeded inputs shared by the benchmarks: the default market, random experiences.</summary>
public static class BenchData
{
    /// <summary>
    /// The default run's market: synthetic trend, 4000 bars, default features (state size 5) and rewards, with the classic
    /// 4-action arena, so the acting figures stay the 5-64-4 net's they have always been (the default arena since issue 17 has 3
    /// target-exposure actions, a 5-64-3 net; the acting figures were measured before it, and a 4-action net on it is refused).
    /// </summary>
    public static PreparedMarket DefaultMarket(ulong seed = 42) =>
        PreparedMarket.Prepare(SyntheticMarkets.Generate(SyntheticMarkets.Trend, 4000, seed), FeatureSpec.Default, ArenaOptions.Classic, new RewardOptions());

    public static Experience RandomExperience(Rng rng, int stateSize, int actionCount = 4)
    {
        var s = new float[stateSize];
        var s2 = new float[stateSize];
        for (var i = 0; i < stateSize; i++)
        {
            s[i] = (float)rng.NextGaussian();
            s2[i] = (float)rng.NextGaussian();
        }

        return new Experience(s, rng.NextInt(actionCount), (float)rng.NextGaussian() * 0.01f, s2, rng.NextInt(500) == 0, rng.NextInt(256) == 0);
    }

    public static Experience[] RandomExperiences(ulong seed, int count, int stateSize, int actionCount = 4)
    {
        var rng = new Rng(seed);
        return [.. Enumerable.Range(0, count).Select(_ => RandomExperience(rng, stateSize, actionCount))];
    }
}
