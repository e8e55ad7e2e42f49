using Lineage.Orchestration.Runs;
using Lineage.Policy;

namespace Lineage.IntegrationTests.Runs;

/// <summary>What can never train, or would exhaust memory or time, is refused at the edge, naming the field and value.</summary>
public sealed class TrainingRunValidatorTests
{
    private static readonly TrainingRun Valid = new() { RunId = "bounds" };

    private static FieldError Single(TrainingRun run, string field)
    {
        var errors = TrainingRunValidator.Validate(run);
        return Assert.Single(errors, e => e.Field == field);
    }

    [Fact]
    public void Defaults_are_valid()
    {
        Assert.Empty(TrainingRunValidator.Validate(Valid));
    }

    [Fact]
    public void A_target_exposure_run_is_valid_and_sizes_the_network_by_its_targets()
    {
        var run = Valid with { Arena = new Core.Trading.ArenaOptions { Actions = Core.Trading.ActionSet.TargetExposure, TargetExposures = [0, 0.25, 0.5, 0.75, 1], LongOnly = true } };

        Assert.Empty(TrainingRunValidator.Validate(run));
        Assert.Equal(5, run.Arena.ActionCount);
    }

    [Fact]
    public void Target_exposures_without_a_flat_position_are_refused_naming_the_arena_field()
    {
        var error = Single(Valid with { Arena = new Core.Trading.ArenaOptions { Actions = Core.Trading.ActionSet.TargetExposure, TargetExposures = [-1, 1], LongOnly = false } }, "arena");

        Assert.Contains("ArenaOptions.TargetExposures must contain 0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    public void An_n_step_outside_1_to_16_is_refused_naming_the_field(int n)
    {
        var error = Single(Valid with { NStep = n }, "nStep");

        Assert.Contains("must be 1..16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_population_member_must_carry_a_run_id_its_population_derived()
    {
        Assert.Empty(TrainingRunValidator.Validate(Valid with { RunId = "pop-m3", PopulationId = "pop" }));

        Assert.Contains("named pop-m<k>", Single(Valid with { RunId = "other", PopulationId = "pop" }, "runId").Message, StringComparison.Ordinal);
        Assert.Contains("named pop-m<k>", Single(Valid with { RunId = "pop-m03", PopulationId = "pop" }, "runId").Message, StringComparison.Ordinal);
        Assert.Contains("Population id", Single(Valid with { RunId = "x-m1", PopulationId = "Bad_Id" }, "populationId").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_001)]
    public void Episodes_per_activity_outside_1_to_1000_is_refused_naming_the_field(int n)
    {
        var error = Single(Valid with { EpisodesPerActivity = n }, "episodesPerActivity");

        Assert.Contains("must be 1..1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_short_borrow_rate_is_refused_naming_the_arena_field()
    {
        var error = Single(Valid with { Arena = new Core.Trading.ArenaOptions { ShortBorrowRate = -0.01 } }, "arena");

        Assert.Contains("ArenaOptions.ShortBorrowRate must be in [0, 1]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_promote_to_the_model_named_after_their_dataset_by_default()
    {
        Assert.True(Valid.Promote);
        Assert.Null(Valid.Model);
        Assert.Equal("spy-live", ModelNames.ForRun(Valid with { Dataset = "blob:datasets/spy-live/000002.csv" }, "dataset:spy-live"));
        Assert.Equal("research", ModelNames.ForRun(Valid with { Model = "research" }, "dataset:spy-live"));
        Assert.Empty(TrainingRunValidator.Validate(Valid with { Model = "research", Promote = false }));
    }

    [Fact]
    public void A_model_name_that_is_not_a_blob_path_segment_is_refused()
    {
        var error = Single(Valid with { Model = "Spy/../x" }, "model");

        Assert.Contains("Model name 'Spy/../x' has 'S' at position 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_volume_feature_on_a_synthetic_market_is_refused_naming_the_feature()
    {
        var features = new Core.Features.FeatureSpec { Features = [Core.Features.FeatureKind.LogReturn, Core.Features.FeatureKind.VolumeRatio20, Core.Features.FeatureKind.Position] };

        var error = Single(Valid with { Dataset = "synthetic:trend", Features = features }, "features.features");

        Assert.Contains("VolumeRatio20 needs volume", error.Message, StringComparison.Ordinal);
        Assert.Empty(TrainingRunValidator.Validate(Valid with { Dataset = "spy", Features = features }));
        Assert.Empty(TrainingRunValidator.Validate(Valid with { Dataset = "synthetic:trend", Features = Core.Features.FeatureSpec.Rich }));
    }

    [Fact]
    public void A_million_unit_hidden_layer_is_refused()
    {
        var error = Single(Valid with { Dqn = new DqnOptions { HiddenLayers = [1_000_000] } }, "dqn");

        Assert.Contains("HiddenLayers[0] = 1000000", error.Message, StringComparison.Ordinal);
        Assert.Contains("1024", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_four_hidden_layers_are_refused()
    {
        var error = Single(Valid with { Dqn = new DqnOptions { HiddenLayers = [8, 8, 8, 8, 8] } }, "dqn");

        Assert.Contains("HiddenLayers.Count = 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_network_above_the_parameter_cap_is_refused_even_with_allowed_layer_sizes()
    {
        var error = Single(Valid with { Dqn = new DqnOptions { HiddenLayers = [1024, 1024, 1024] } }, "dqn");

        Assert.Contains("parameters", error.Message, StringComparison.Ordinal);
        Assert.Contains("2000000", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public void Torch_threads_outside_the_bound_are_refused(int threads)
    {
        var error = Single(Valid with { Dqn = new DqnOptions { TorchThreads = threads } }, "dqn");

        Assert.Contains($"TorchThreads = {threads}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_size_above_the_maximum_is_refused()
    {
        var error = Single(Valid with { ReplayCapacity = 5_000_000, Dqn = new DqnOptions { BatchSize = 1_000_000 } }, "dqn");

        Assert.Contains("BatchSize = 1000000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Total_environment_steps_above_the_budget_are_refused()
    {
        var run = Valid with { Iterations = 100_000, EpisodesPerIteration = 1_000, StepsPerEpisode = 100_000 };

        var error = Single(run, "stepsPerEpisode");

        Assert.Contains("10000000000000", error.Message, StringComparison.Ordinal);
        Assert.Contains("1000000000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Total_updates_above_the_budget_are_refused()
    {
        var error = Single(Valid with { Iterations = 100_000, UpdatesPerIteration = 100_000 }, "updatesPerIteration");

        Assert.Contains("10000000000", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1_000_001)]
    public void Bootstrap_draws_outside_the_bound_are_refused(int draws)
    {
        var error = Single(Valid with { BootstrapDraws = draws }, "bootstrapDraws");

        Assert.Contains(draws.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_bootstrap_is_allowed()
    {
        Assert.Empty(TrainingRunValidator.Validate(Valid with { BootstrapDraws = 0 }));
    }

    [Fact]
    public void Learning_starts_above_replay_capacity_is_refused()
    {
        var error = Single(Valid with { ReplayCapacity = 1_000, LearningStarts = 1_001 }, "learningStarts");

        Assert.Contains("1001", error.Message, StringComparison.Ordinal);
        Assert.Contains("replayCapacity", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Batch_size_above_replay_capacity_is_refused()
    {
        var error = Single(Valid with { ReplayCapacity = 16, LearningStarts = 0, Dqn = new DqnOptions { BatchSize = 32 } }, "dqn.batchSize");

        Assert.Contains("32", error.Message, StringComparison.Ordinal);
        Assert.Contains("replayCapacity 16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_updates_per_iteration_is_refused()
    {
        var error = Single(Valid with { UpdatesPerIteration = 0 }, "updatesPerIteration");

        Assert.Contains("must be 1..", error.Message, StringComparison.Ordinal);
        Assert.Contains("got 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Iterations_per_generation_above_the_maximum_is_refused()
    {
        var error = Single(Valid with { IterationsPerGeneration = 1_001 }, "iterationsPerGeneration");

        Assert.Contains("got 1001", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fold_whose_embargo_is_shorter_than_the_look_back_is_refused()
    {
        var fold = new Lineage.Core.MarketData.WalkForwardFold(0, 500, 100, 610, 100, 21);

        var error = Single(Valid with { Fold = fold }, "fold");

        Assert.Contains("embargo", error.Message, StringComparison.Ordinal);
        Assert.Contains("10 bars", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fold_laid_out_for_another_feature_window_is_refused()
    {
        var fold = new Lineage.Core.MarketData.WalkForwardFold(0, 500, 100, 650, 100, 31);

        var error = Single(Valid with { Fold = fold }, "fold.lookbackBars");

        Assert.Contains("look-back 21", error.Message, StringComparison.Ordinal);
    }
}
