using Lineage.Core.Replay;

namespace Lineage.Storage.Tests;

internal static class Experiences
{
    public const int StateSize = 4;

    /// <summary>Experience whose reward is a unique id, so order and duplicates are visible.</summary>
    public static Experience Tagged(int id) =>
        new([id, id + 0.25f, id + 0.5f, id + 0.75f], id % 4, id, [id + 1, id + 1.25f, id + 1.5f, id + 1.75f], id % 7 == 0, id % 11 == 0);

    public static Experience[] Range(int firstId, int count) => Enumerable.Range(firstId, count).Select(Tagged).ToArray();

    public static int[] Ids(IEnumerable<Experience> experiences) => experiences.Select(e => (int)e.Reward).ToArray();
}
