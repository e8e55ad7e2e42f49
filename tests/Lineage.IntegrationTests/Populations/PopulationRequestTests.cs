using Lineage.Learning;
using Lineage.Orchestration.Activities;
using Lineage.Orchestration.Populations;
using Lineage.Orchestration.Runs;

namespace Lineage.IntegrationTests.Populations;

/// <summary>The population request's pure parts: the members' runs and ε slices, the validator, and the seeded round decisions.</summary>
public sealed class PopulationRequestTests
{
    private static PopulationRequest Request(int members = 4, int rounds = 5, int perRound = 4) => new()
    {
        PopulationId = "pop",
        Run = new TrainingRun { Seed = 11 },
        Members = members,
        Rounds = rounds,
        IterationsPerRound = perRound,
        Seed = 9,
    };

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.2)]
    [InlineData(0.8)]
    [InlineData(1.0)]
    [InlineData(0.03)]
    public void A_members_epsilon_over_its_slices_is_the_whole_runs_schedule_at_every_iteration(double decayFraction)
    {
        var request = Request(rounds: 5, perRound: 4);
        var hyper = MemberHyperparameters.Of(request.Run) with { EpsilonDecayFraction = decayFraction };
        var whole = hyper.ApplyTo(request.Run).Epsilon;
        // Round slices, and a resume that starts mid-round (iterations 6..7 of round 1, after a crash at iteration 6).
        foreach (var (start, count) in new[] { (0, 4), (4, 4), (8, 4), (12, 4), (16, 4), (6, 2) })
        {
            var run = request.MemberRun(1, hyper, start, count, resume: start > 0);
            Assert.Equal(count, run.Iterations);
            Assert.Empty(TrainingRunValidator.Validate(run));
            for (var i = 0; i < count; i++)
            {
                var expected = DqnStep.LinearEpsilon(whole.Start, whole.End, whole.DecayFraction, start + i, request.TotalIterations);
                Assert.Equal(expected, run.Epsilon.EpsilonFor(i, run.Iterations, 0, run.EpisodesPerIteration), 12);
            }
        }
    }

    [Fact]
    public void A_members_run_is_the_base_with_its_hyperparameters_id_seed_and_member_mode_on_the_bases_market()
    {
        var request = Request();
        var hyper = new MemberHyperparameters(0.002, 0.95, 250, 64, 0.3);

        var run = request.MemberRun(3, hyper, 0, 4, resume: false);

        Assert.Equal("pop-m3", run.RunId);
        Assert.Equal("pop", run.PopulationId);
        Assert.Equal(hyper, MemberHyperparameters.Of(run with { Epsilon = run.Epsilon with { DecayFraction = 0.3 } }));
        Assert.Equal(11UL, run.MarketSeed);
        Assert.NotEqual(request.MemberRun(2, hyper, 0, 4, false).Seed, run.Seed);
        Assert.Equal(request.Run.Dqn.HiddenLayers, run.Dqn.HiddenLayers);
    }

    [Fact]
    public void The_validator_names_every_bad_field_and_accepts_the_defaults()
    {
        Assert.Empty(PopulationRequestValidator.Validate(Request()));
        var bad = Request() with
        {
            PopulationId = "Bad Id",
            Members = 1,
            Rounds = 0,
            IterationsPerRound = 0,
            ExploitQuantile = 0.75,
            ResampleProbability = 2,
            MaxParallelMembers = 0,
            Run = new TrainingRun { RunId = "x", Resume = true, EvaluateEvery = 0 },
            SearchSpace = new PopulationSearchSpace { Gamma = ParameterRange.Of(0.9, 1.0) },
        };

        var fields = PopulationRequestValidator.Validate(bad).Select(e => e.Field).Distinct().ToList();

        Assert.Equal(
            ["populationId", "members", "rounds", "iterationsPerRound", "exploitQuantile", "resampleProbability", "maxParallelMembers", "run.runId", "run.resume", "run.evaluateEvery", "searchSpace"],
            fields);
    }

    [Fact]
    public void A_rounds_decisions_are_seeded_the_weakest_copies_a_strong_member_and_explores_from_its_hyperparameters()
    {
        var request = Request(members: 4);
        var started = PlanPopulationRoundActivity.Started(request);
        Assert.Equal(started, PlanPopulationRoundActivity.Started(request));
        Assert.Equal(4, started.Select(e => e.Hyperparameters).Distinct().Count());
        var record = new LineageRecord("pop", started);
        IReadOnlyList<MemberScore> scores = [new(0, "pop-m0", 40, 0.1), new(1, "pop-m1", 40, null), new(2, "pop-m2", 40, 0.3), new(3, "pop-m3", 40, -0.2)];

        var events = PopulationRoundActivity.Decide(request, 0, record, scores);

        Assert.Equal(events, PopulationRoundActivity.Decide(request, 0, record, scores));
        Assert.NotEqual(events, PopulationRoundActivity.Decide(request with { Seed = 10 }, 0, record, scores));
        var exploit = Assert.Single(events, e => e.Kind == LineageEventKinds.Exploited);
        // No score ranks last; the top quantile of four is member 2.
        Assert.Equal(1, exploit.Member);
        Assert.Equal(2, exploit.Parent);
        Assert.Equal((41L, 40L), (exploit.CheckpointUpdate!.Value, exploit.DonorUpdate!.Value));
        Assert.Equal(1, exploit.Generation);
        Assert.NotEqual(started[2].Hyperparameters, exploit.Hyperparameters);
        Assert.All(events.Where(e => e != exploit), e => Assert.Equal((LineageEventKinds.Survived, started[e.Member].Hyperparameters, 40L), (e.Kind, e.Hyperparameters, e.CheckpointUpdate!.Value)));
        Assert.Equal(["r1-m0", "r1-m1", "r1-m2", "r1-m3"], events.Select(e => e.Id));
    }

    [Fact]
    public void The_candidate_is_the_best_validation_return_with_a_missing_score_last_and_ties_to_the_lower_member()
    {
        Assert.Equal(2, FinishPopulationActivity.Best([new(0, "a", 1, 0.1), new(1, "b", 1, null), new(2, "c", 1, 0.3), new(3, "d", 1, 0.3)]).Member);
        Assert.Equal(1, FinishPopulationActivity.Best([new(0, "a", 1, null), new(1, "b", 1, -0.5)]).Member);
        Assert.Equal(0, FinishPopulationActivity.Best([new(0, "a", 1, null), new(1, "b", 1, null)]).Member);
    }
}
