using Azure.Storage.Blobs;
using Lineage.Core.Randomness;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Populations;
using Lineage.Orchestration.Runs;
using Lineage.Storage;

namespace Lineage.IntegrationTests.Populations;

/// <summary>Issue 19's building blocks: the search space (sample, explore), the exploit decision, the lineage record and its names.</summary>
public sealed class PopulationBuildingBlockTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly PopulationSearchSpace Space = new();

    [Fact]
    public void Sampling_is_seeded_and_stays_in_the_space()
    {
        var first = Draw(seed: 5);
        var again = Draw(seed: 5);

        Assert.Equal(first, again);
        Assert.All(first, h =>
        {
            Assert.InRange(h.LearningRate, 1e-4, 3e-3);
            Assert.Contains(h.Gamma, new[] { 0.9, 0.95, 0.99 });
            Assert.Contains(h.TargetUpdateInterval, new[] { 100, 250, 500 });
            Assert.Contains(h.BatchSize, new[] { 32, 64, 128 });
            Assert.InRange(h.EpsilonDecayFraction, 0.2, 0.8);
        });
        // Log-uniform: about half the draws below the geometric middle of the range (√(1e-4 × 3e-3) ≈ 5.5e-4).
        var below = first.Count(h => h.LearningRate < Math.Sqrt(1e-4 * 3e-3));
        Assert.InRange(below, 70, 130);
    }

    [Fact]
    public void Explore_perturbs_by_a_fifth_or_steps_to_a_neighbouring_choice_within_the_space()
    {
        var start = new MemberHyperparameters(1e-3, 0.95, 250, 64, 0.5);
        var rng = new Rng(9);
        for (var i = 0; i < 100; i++)
        {
            var (next, mutation) = Space.Explore(start, rng, resampleProbability: 0);

            Assert.StartsWith("perturbed ", mutation, StringComparison.Ordinal);
            Assert.True(Math.Abs(next.LearningRate - 8e-4) < 1e-12 || Math.Abs(next.LearningRate - 1.2e-3) < 1e-12, $"{next.LearningRate}");
            Assert.Contains(next.Gamma, new[] { 0.9, 0.99 });
            Assert.Contains(next.TargetUpdateInterval, new[] { 100, 500 });
            Assert.Contains(next.BatchSize, new[] { 32, 128 });
            Assert.True(Math.Abs(next.EpsilonDecayFraction - 0.4) < 1e-12 || Math.Abs(next.EpsilonDecayFraction - 0.6) < 1e-12);
        }

        // At the bounds a perturbation is clamped (×1.2 of the maximum stays the maximum); a resample is named as such.
        var top = new MemberHyperparameters(3e-3, 0.99, 500, 128, 0.8);
        var clamped = Enumerable.Range(0, 50).Select(_ => Space.Explore(top, rng, 0).Next).ToList();
        Assert.All(clamped, h => Assert.InRange(h.LearningRate, 2.4e-3 - 1e-12, 3e-3));
        Assert.Equal("resampled", Space.Explore(top, rng, resampleProbability: 1).Mutation);
    }

    [Fact]
    public void Hyperparameters_change_only_the_searched_fields_of_a_run()
    {
        var run = new TrainingRun { RunId = "r", Dataset = "spy" };
        var applied = new MemberHyperparameters(2e-4, 0.9, 100, 128, 0.3).ApplyTo(run);

        Assert.Equal(2e-4, applied.Dqn.LearningRate);
        Assert.Equal(0.9, applied.Dqn.Gamma);
        Assert.Equal(100, applied.Dqn.TargetUpdateInterval);
        Assert.Equal(128, applied.Dqn.BatchSize);
        Assert.Equal(0.3, applied.Epsilon.DecayFraction);
        Assert.Equal(run with { Dqn = applied.Dqn, Epsilon = applied.Epsilon }, applied);
        Assert.Equal(run.Dqn.HiddenLayers, applied.Dqn.HiddenLayers);
        Assert.Empty(TrainingRunValidator.Validate(applied));
    }

    [Fact]
    public void The_bottom_quarter_copies_a_member_of_the_top_quarter_and_the_choice_is_seeded()
    {
        double[] scores = [0.3, -0.1, 0.8, double.NaN, 0.5, 0.1, 0.9, 0.0];

        var decisions = Exploitation.Decide(scores, 0.25, new Rng(4));

        // Ranked: 6 (0.9), 2 (0.8), 4, 0, 5, 7, 1 (−0.1), 3 (NaN ranks last).
        Assert.Equal([1, 3], decisions.Select(d => d.Recipient));
        Assert.All(decisions, d => Assert.Contains(d.Donor, new[] { 6, 2 }));
        Assert.Equal(decisions, Exploitation.Decide(scores, 0.25, new Rng(4)));
        Assert.Empty(Exploitation.Decide([0.1, 0.2, 0.3], 0.25, new Rng(4)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Exploitation.Decide(scores, 0.6, new Rng(4)));
    }

    [Fact]
    public async Task The_lineage_record_holds_each_event_once_however_often_it_is_appended()
    {
        var store = await NewStoreAsync();
        var h = new MemberHyperparameters(1e-3, 0.99, 250, 32, 0.5);
        LineageEvent Started(int member) => new(LineageEvent.IdOf(0, member), 0, member, 0, null, LineageEventKinds.Started, h, null, null, 0);
        var exploit = new LineageEvent(LineageEvent.IdOf(1, 1), 1, 1, 1, 0, LineageEventKinds.Exploited, h with { LearningRate = 1.2e-3 }, "perturbed lr 0.001→0.0012", 0.2, 513);

        await store.AppendAsync("pop", [Started(0), Started(1)]);
        // A retried activity appends the same events again, plus one new one.
        await store.AppendAsync("pop", [Started(1), exploit]);
        var record = await store.AppendAsync("pop", [exploit]);

        Assert.Equal(["r0-m0", "r0-m1", "r1-m1"], record.Events.Select(e => e.Id));
        Assert.Equal(record.Events, (await store.ReadAsync("pop"))!.Events);
        Assert.Equal(exploit, record.Latest()[1]);
        Assert.Throws<ArgumentException>(() => store.AppendAsync("pop", [exploit, exploit]).GetAwaiter().GetResult());
    }

    [Fact]
    public async Task Concurrent_appends_all_land_because_each_write_is_conditional_on_what_it_read()
    {
        var store = await NewStoreAsync();
        var h = new MemberHyperparameters(1e-3, 0.99, 250, 32, 0.5);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(member =>
            store.AppendAsync("race", [new LineageEvent(LineageEvent.IdOf(0, member), 0, member, 0, null, LineageEventKinds.Started, h, null, null, 0)])));

        var record = await store.ReadAsync("race");
        Assert.Equal(Enumerable.Range(0, 8), record!.Events.Select(e => e.Member).Order());
    }

    [Fact]
    public void Member_run_ids_derive_from_the_population_id_and_are_run_ids()
    {
        Assert.Equal("pop-7-m3", PopulationBlobs.MemberRunId("pop-7", 3));
        Assert.Null(RunId.Validate(PopulationBlobs.MemberRunId(new string('p', PopulationBlobs.MaxIdLength), 999)));
        Assert.Contains("Population id", PopulationBlobs.Validate("Bad_Id"), StringComparison.Ordinal);
        Assert.NotNull(PopulationBlobs.Validate(new string('p', PopulationBlobs.MaxIdLength + 1)));
        Assert.Equal("populations/pop-7/lineage.json", PopulationBlobs.Lineage("pop-7"));
    }

    [Fact]
    public void The_default_space_is_valid_and_bad_ranges_are_named()
    {
        Assert.Empty(Space.Problems());
        var bad = Space with { LearningRate = new ParameterRange(0, 1e-3, Log: true), Gamma = ParameterRange.Of(0.9, 1.0) };

        var problems = bad.Problems();

        Assert.Contains(problems, p => p.StartsWith("learningRate:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("gamma:", StringComparison.Ordinal));
        // An end a run itself refuses (DqnOptions: batch at most 4096) is named too.
        Assert.Contains((Space with { BatchSize = ParameterRange.Of(32, 8192) }).Problems(), p => p.StartsWith("batchSize: 8192 is refused by a run", StringComparison.Ordinal));
    }

    private static List<MemberHyperparameters> Draw(ulong seed)
    {
        var rng = new Rng(seed);
        return [.. Enumerable.Range(0, 200).Select(_ => Space.Sample(rng))];
    }

    private async Task<LineageStore> NewStoreAsync()
    {
        var container = new BlobContainerClient(azurite.ConnectionString, azurite.NewContainer());
        await container.CreateIfNotExistsAsync();
        return new LineageStore(container);
    }
}
