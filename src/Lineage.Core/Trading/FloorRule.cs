namespace Lineage.Core.Trading;

/// <summary>What reaching the bankruptcy floor (<see cref="ArenaOptions.BankruptcyFraction"/>) does to an episode.</summary>
public enum FloorRule
{
    /// <summary>Training: the episode terminates there (bankrupt).</summary>
    EndEpisode,

    /// <summary>Evaluation default: the position is closed at the next fill and the account stays in cash to the end of the window.</summary>
    FlattenToCash,

    /// <summary>The floor is only recorded: the policy keeps trading to the end of the window (buy-and-hold is always scored so).</summary>
    Ignore,
}
