using System.Diagnostics;
using Lineage.Core.Episodes;
using Lineage.Core.Randomness;
using Lineage.Core.Replay;
using Lineage.Learning;
using Lineage.Policy;

namespace Lineage.CartPole;

/// <summary>
/// Settings for the CartPole sanity check of the learner. Defaults are rl-baselines3-zoo's DQN
/// CartPole-v1 settings: lr 2.3e-3, batch 64, 256-256 net, train every 256 steps with 128 gradient
/// steps, ε 1 → 0.04 over 16% of 50k steps, γ 0.99, buffer 100k, learning starts 1000, Huber loss,
/// gradient norm clipped at 10, no double DQN. The zoo's "target_update_interval: 10" counts
/// environment steps, so its target is re-synced once per rollout and stays fixed through each
/// phase of 128 gradient steps: here that is <see cref="DqnOptions.TargetUpdateInterval"/> = 128 updates.
/// Syncing every 10 *updates* instead was measured to diverge (Q past 1000 where returns are ≤ 100).
/// </summary>
public sealed record CartPoleTrainingOptions
{
    public DqnOptions Dqn { get; init; } = new()
    {
        HiddenLayers = [256, 256],
        LearningRate = 2.3e-3,
        BatchSize = 64,
        Gamma = 0.99,
        TargetUpdateInterval = 128,
        DoubleDqn = false,
    };

    public int TotalSteps { get; init; } = 50_000;

    public int LearningStarts { get; init; } = 1_000;

    public int TrainFrequency { get; init; } = 256;

    public int GradientSteps { get; init; } = 128;

    public int BufferSize { get; init; } = 100_000;

    public double EpsilonStart { get; init; } = 1.0;

    public double EpsilonEnd { get; init; } = 0.04;

    public double ExplorationFraction { get; init; } = 0.16;

    /// <summary>Greedy evaluation every this many environment steps (after a training phase); 0 = never.</summary>
    public int EvalInterval { get; init; } = 1_024;

    public int EvalEpisodes { get; init; } = 10;

    /// <summary>Stop as soon as a periodic evaluation averages at least <see cref="SolvedScore"/>.</summary>
    public bool StopWhenSolved { get; init; } = true;

    public double SolvedScore { get; init; } = 475;
}

public sealed record CartPoleEvaluation(long EnvSteps, double MeanReturn);

public sealed record CartPoleTrainingResult(
    bool Solved,
    long EnvSteps,
    long Updates,
    TimeSpan Elapsed,
    MlpPolicy Policy,
    IReadOnlyList<CartPoleEvaluation> Evaluations);

/// <summary>DQN on CartPole-v1: ε-greedy acting through the plain-C# policy, learning through <see cref="DqnTrainer"/>.</summary>
public static class CartPoleDqn
{
    public static CartPoleTrainingResult Train(CartPoleTrainingOptions options, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sw = Stopwatch.StartNew();
        using var trainer = new DqnTrainer(CartPoleEnvironment.StateSize, CartPoleEnvironment.ActionCount, options.Dqn, Seeds.Derive(seed, 0));
        var envRng = new Rng(Seeds.Derive(seed, 1));
        var actRng = new Rng(Seeds.Derive(seed, 2));
        var sampleRng = new Rng(Seeds.Derive(seed, 3));
        var replay = new FifoReplay(options.BufferSize);
        var batch = new List<Experience>(options.Dqn.BatchSize);
        var evaluations = new List<CartPoleEvaluation>();
        var env = new CartPoleEnvironment();
        var policy = trainer.ExportPolicy();
        var explorationSteps = options.ExplorationFraction * options.TotalSteps;
        var state = env.Reset(envRng);
        var solved = false;
        var step = 0;
        while (step < options.TotalSteps && !solved)
        {
            var epsilon = options.EpsilonEnd + ((options.EpsilonStart - options.EpsilonEnd) * Math.Max(0, 1 - (step / explorationSteps)));
            var action = actRng.NextDouble() < epsilon ? actRng.NextInt(CartPoleEnvironment.ActionCount) : policy.GreedyAction(state);
            var t = env.Step(action);
            replay.Add(new Experience(state, action, t.Reward, t.State, t.Terminated, t.Truncated));
            state = t.Terminated || t.Truncated ? env.Reset(envRng) : t.State;
            step++;

            if (step > options.LearningStarts && step % options.TrainFrequency == 0)
            {
                for (var g = 0; g < options.GradientSteps; g++)
                {
                    replay.Sample(sampleRng, batch, options.Dqn.BatchSize);
                    trainer.Update(batch);
                }

                policy = trainer.ExportPolicy();
                if (options.EvalInterval > 0 && step % options.EvalInterval < options.TrainFrequency)
                {
                    var mean = Evaluate(policy, options.EvalEpisodes, Seeds.Derive(seed, 4, step));
                    evaluations.Add(new CartPoleEvaluation(step, mean));
                    solved = options.StopWhenSolved && mean >= options.SolvedScore;
                }
            }
        }

        return new CartPoleTrainingResult(solved, step, trainer.UpdateCount, sw.Elapsed, policy, evaluations);
    }

    /// <summary>Mean return of the greedy policy over <paramref name="episodes"/> episodes started from <paramref name="seed"/>.</summary>
    public static double Evaluate(IQFunction policy, int episodes, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var rng = new Rng(seed);
        var env = new CartPoleEnvironment();
        Span<float> q = stackalloc float[CartPoleEnvironment.ActionCount];
        var total = 0.0;
        for (var e = 0; e < episodes; e++)
        {
            var state = env.Reset(rng);
            while (true)
            {
                policy.Evaluate(state, q);
                var t = env.Step(q[1] > q[0] ? 1 : 0);
                total += t.Reward;
                if (t.Terminated || t.Truncated)
                {
                    break;
                }

                state = t.State;
            }
        }

        return total / episodes;
    }
}
