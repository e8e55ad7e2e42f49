using System.Globalization;
using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Lineage.Core.Features;
using Lineage.Core.Randomness;
using Lineage.Core.Trading;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration;
using Lineage.Orchestration.Api;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Experiments;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Lineage.Policy;
using Lineage.Policy.Checkpoints;
using Lineage.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lineage.IntegrationTests.Models;

/// <summary>The models services wired exactly as the hosts wire them (AddLineageTraining), over a fresh container in Azurite.</summary>
internal sealed class ModelsHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private ModelsHarness(ServiceProvider services)
    {
        _services = services;
        Storage = services.GetRequiredService<RunStorage>();
        Workspace = services.GetRequiredService<RunWorkspace>();
        Models = services.GetRequiredService<ModelsService>();
        Champions = services.GetRequiredService<ChampionStore>();
        Datasets = services.GetRequiredService<DatasetRegistry>();
        Challenger = services.GetRequiredService<ChampionChallenger>();
        Trials = services.GetRequiredService<TrialStore>();
        Experiments = services.GetRequiredService<ExperimentStore>();
    }

    public RunStorage Storage { get; }

    public IServiceProvider Services => _services;

    public BlobContainerClient Container => Storage.Container;

    public RunWorkspace Workspace { get; }

    public ModelsService Models { get; }

    public ChampionStore Champions { get; }

    public DatasetRegistry Datasets { get; }

    public ChampionChallenger Challenger { get; }

    public TrialStore Trials { get; }

    public ExperimentStore Experiments { get; }

    public static async Task<ModelsHarness> StartAsync(AzuriteFixture azurite, IDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Lineage:Storage:ConnectionString"] = azurite.ConnectionString,
            ["Lineage:Storage:ContainerName"] = azurite.NewContainer(),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var services = new ServiceCollection()
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddLineageTraining(new ConfigurationBuilder().AddInMemoryCollection(values).Build())
            .BuildServiceProvider();
        var harness = new ModelsHarness(services);
        await harness.Storage.EnsureContainerAsync();
        return harness;
    }

    /// <summary>Every blob name and ETag in the container: equal listings mean nothing changed.</summary>
    public async Task<IReadOnlyList<string>> ListingAsync()
    {
        var names = new List<string>();
        await foreach (var item in Container.GetBlobsAsync(new GetBlobsOptions()))
        {
            names.Add($"{item.Name} {item.Properties.ETag}");
        }

        return names;
    }

    /// <summary>
    /// A finished run as PrepareRun and TrainStep leave it in storage: the run record (dataset resolved) and one
    /// checkpoint whose context has the run's features and the normaliser fitted on its training split.
    /// </summary>
    public async Task<CheckpointContext> SeedRunAsync(
        string runId, string datasetName, MlpPolicy policy, long update = 16, FeatureSpec? features = null, bool promote = true, string? model = null, ArenaOptions? arena = null)
    {
        var resolved = await Datasets.ResolveAsync(DatasetReferences.Registry + datasetName, default);
        var run = new TrainingRun { RunId = runId, Dataset = resolved.Dataset, StepsPerEpisode = 32, Seed = 5, Features = features ?? new FeatureSpec(), Promote = promote, Model = model, Arena = arena ?? ArenaOptions.Classic };
        var data = await DatasetLoader.LoadAsync(run, null, Container, default);
        var normalizer = Normalizer.Fit(MarketFeatures.Compute(data.Train, run.Features));
        var context = new CheckpointContext(runId, 0, run.Dataset, data.Fingerprint, run.Features, normalizer, run.Reward, run.Arena);
        var experiment = new RunExperiment(resolved.Requested, resolved.Dataset, resolved.Version?.Version, resolved.Version?.Sha256, data.Fingerprint, RunExperiment.CurrentCodeVersion, run.Seed, DateTimeOffset.UtcNow, "test");
        await Workspace.WriteJsonAsync(RunBlobs.Record(runId), new RunRecord(run, 0, data.Fingerprint, normalizer, run.Features, experiment), default);
        await Workspace.Checkpoints(runId).SaveAsync(update, CheckpointCodec.Encode(Checkpoint(policy, context)), default);
        return context;
    }

    public static Checkpoint Checkpoint(MlpPolicy policy, CheckpointContext context) => new(
        policy.StateSize, policy.ActionCount, new DqnOptions(), policy.ToNamedTensors(), [], [], 0, 0, 0, new Rng(1).GetState(), policy, context.ToJson());

    /// <summary>A network of <paramref name="actionCount"/> outputs whose Q-values ignore the state: output <paramref name="action"/> always wins.</summary>
    public static MlpPolicy AlwaysOutput(int action, int actionCount, int stateSize = 5)
    {
        const int hidden = 4;
        var bias = new float[actionCount];
        bias[action] = 1;
        return MlpPolicy.FromWeights(
        [
            NamedTensor.Create("0.weight", [hidden, stateSize], new float[hidden * stateSize]),
            NamedTensor.Create("0.bias", [hidden], new float[hidden]),
            NamedTensor.Create("1.weight", [actionCount, hidden], new float[actionCount * hidden]),
            NamedTensor.Create("1.bias", [actionCount], bias),
        ], dueling: false);
    }

    /// <summary>A network whose Q-values ignore the state: <paramref name="action"/> always wins.</summary>
    public static MlpPolicy Always(TradeAction action, int stateSize = 5)
    {
        const int hidden = 4;
        var bias = new float[4];
        bias[(int)action] = 1;
        return MlpPolicy.FromWeights(
        [
            NamedTensor.Create("0.weight", [hidden, stateSize], new float[hidden * stateSize]),
            NamedTensor.Create("0.bias", [hidden], new float[hidden]),
            NamedTensor.Create("1.weight", [4, hidden], new float[4 * hidden]),
            NamedTensor.Create("1.bias", [4], bias),
        ], dueling: false);
    }

    /// <summary>
    /// A trend follower on the 1-bar log return (state slot 0): long after a bar that rose (above its training
    /// mean), flat after one that fell — or short when <paramref name="longShort"/>. Real edge on <see cref="RegimeCsv"/>.
    /// </summary>
    public static MlpPolicy Trend(bool longShort = false, int stateSize = 5)
    {
        const int hidden = 2;
        var input = new float[hidden * stateSize];
        input[0] = 1;
        input[stateSize] = -1;
        var output = new float[4 * hidden];
        output[((int)TradeAction.Buy * hidden) + 0] = 1;
        output[((int)(longShort ? TradeAction.Sell : TradeAction.Close) * hidden) + 1] = 1;
        return MlpPolicy.FromWeights(
        [
            NamedTensor.Create("0.weight", [hidden, stateSize], input),
            NamedTensor.Create("0.bias", [hidden], new float[hidden]),
            NamedTensor.Create("1.weight", [4, hidden], output),
            NamedTensor.Create("1.bias", [4], new float[4]),
        ], dueling: false);
    }

    /// <summary>
    /// Daily closes in alternating regimes of <paramref name="regime"/> bars: up <paramref name="up"/> per bar (log),
    /// then down <paramref name="down"/>, with seeded noise. It rises overall, so buy-and-hold is a real competitor;
    /// a trend follower that is flat (or short) in the falling regimes beats it.
    /// </summary>
    public static byte[] RegimeCsv(int bars, ulong seed, int regime = 12, double up = 0.01, double down = 0.008, double noise = 0.002)
    {
        var rng = new Rng(seed);
        var text = new StringBuilder("Date,Close\n");
        var log = Math.Log(100);
        var start = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < bars; i++)
        {
            log += ((i / regime) % 2 == 0 ? up : -down) + (noise * rng.NextGaussian());
            text.Append(CultureInfo.InvariantCulture, $"{start.AddDays(i):yyyy-MM-dd},{Math.Exp(log):F4}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>A seeded random network: its greedy action depends on the state, including position and PnL.</summary>
    public static MlpPolicy Random(ulong seed, int stateSize = 5, int hidden = 16)
    {
        var rng = new Rng(seed);
        float[] Values(int n) => [.. Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2) - 1))];
        return MlpPolicy.FromWeights(
        [
            NamedTensor.Create("0.weight", [hidden, stateSize], Values(hidden * stateSize)),
            NamedTensor.Create("0.bias", [hidden], Values(hidden)),
            NamedTensor.Create("1.weight", [4, hidden], Values(4 * hidden)),
            NamedTensor.Create("1.bias", [4], Values(4)),
        ], dueling: false);
    }

    /// <summary>Daily closes rising <paramref name="drift"/> per bar (log) with seeded noise of <paramref name="noise"/>.</summary>
    public static byte[] Csv(int bars, ulong seed, double drift = 0.002, double noise = 0.004)
    {
        var rng = new Rng(seed);
        var text = new StringBuilder("Date,Close\n");
        var log = Math.Log(100);
        var start = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < bars; i++)
        {
            log += drift + (noise * rng.NextGaussian());
            text.Append(CultureInfo.InvariantCulture, $"{start.AddDays(i):yyyy-MM-dd},{Math.Exp(log):F4}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The header and the first <paramref name="rows"/> data rows of a CSV.</summary>
    public static byte[] FirstRows(byte[] csv, int rows) =>
        Encoding.UTF8.GetBytes(string.Join("\n", Encoding.UTF8.GetString(csv).Split('\n').Take(rows + 1)) + "\n");

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
