using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lineage.Policy;

public enum DqnOptimizer
{
    Adam,
    Sgd,
}

public enum DqnLoss
{
    /// <summary>Huber (smooth L1, δ = 1): gradients bounded for large TD errors.</summary>
    Huber,

    /// <summary>Mean squared TD error.</summary>
    Mse,
}

/// <summary>
/// Every DQN hyperparameter in one place. The random seed is not an option: it is passed to
/// <c>Lineage.Learning.DqnTrainer</c>'s constructor (it initialises the network weights from a
/// <see cref="Core.Randomness.Rng"/>, so the same seed and options give the same initial net) because a
/// seed belongs to a run, not to a configuration. Sampling randomness (replay, ε-greedy) stays with the caller.
/// </summary>
public sealed record DqnOptions
{
    /// <summary>At most this many hidden layers.</summary>
    public const int MaxHiddenLayers = 4;

    /// <summary>At most this many units per hidden layer.</summary>
    public const int MaxHiddenUnits = 1024;

    /// <summary>
    /// At most this many weights and biases in one Q-network (8 MB of floats; with the target network, gradients
    /// and Adam's two moments about 40 MB). [1024, 1024] fits, [1024, 1024, 1024] does not.
    /// </summary>
    public const long MaxParameters = 2_000_000;

    /// <summary>At most this many transitions per update.</summary>
    public const int MaxBatchSize = 4096;

    /// <summary>At most this many torch threads (the setting is process-wide, see <see cref="TorchThreads"/>).</summary>
    public const int MaxTorchThreads = 8;

    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Sizes of the hidden ReLU layers. Default [64].</summary>
    public IReadOnlyList<int> HiddenLayers { get; init; } = [64];

    /// <summary>Dueling head: Q = V + A − mean(A). Default false.</summary>
    public bool Dueling { get; init; }

    /// <summary>Discount factor. Default 0.99.</summary>
    public double Gamma { get; init; } = 0.99;

    /// <summary>Transitions per update; the caller samples them. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Optimizer step size. Default 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Default Adam (β = 0.9, 0.999, ε = 1e-8, PyTorch's defaults). Sgd is plain SGD without momentum.</summary>
    public DqnOptimizer Optimizer { get; init; } = DqnOptimizer.Adam;

    /// <summary>Default Huber.</summary>
    public DqnLoss Loss { get; init; } = DqnLoss.Huber;

    /// <summary>Bootstrap from a separate, slowly updated target network. Default true.</summary>
    public bool UseTargetNetwork { get; init; } = true;

    /// <summary>Hard target update: copy the online weights every N updates when <see cref="Tau"/> is 0. Default 250.</summary>
    public int TargetUpdateInterval { get; init; } = 250;

    /// <summary>Polyak factor: after every update target ← τ·online + (1−τ)·target. 0 (default) means hard updates.</summary>
    public double Tau { get; init; }

    /// <summary>
    /// Weight averaging for the policy a checkpoint acts and is scored with: after every update
    /// policy ← τ·online + (1−τ)·policy (an exponential moving average of the online weights over ~1/τ updates, as
    /// Polyak-Ruppert / EMA averaging in supervised learning), so the acting policy, every evaluation and the candidate move
    /// smoothly instead of jumping with the last few hundred updates. The learner itself trains the online network as before.
    /// 0 (default): the policy is the online network. In [0, 1).
    /// </summary>
    public double PolicyAveraging { get; init; }

    /// <summary>Double DQN: the online net picks the next action, the target net values it. Default true.</summary>
    public bool DoubleDqn { get; init; } = true;

    /// <summary>Clip the global gradient L2 norm to this value; 0 disables clipping. Default 10.</summary>
    public double MaxGradNorm { get; init; } = 10;

    /// <summary>
    /// torch intra-op threads (torch.set_num_threads), 1..<see cref="MaxTorchThreads"/>. Default 1: on a 2-core
    /// machine 2 threads measured 2–20× slower when anything else runs. A machine tuning, not a hyperparameter,
    /// but results are bit-reproducible only for a fixed thread count. Process-wide: <c>Lineage.Learning.DqnTrainer</c>'s
    /// constructor sets it for the whole process, so the last trainer created decides for every run in that worker.
    /// </summary>
    public int TorchThreads { get; init; } = 1;

    /// <summary>
    /// Why a learner trained with <paramref name="trained"/> cannot go on with <paramref name="next"/> (null when it can):
    /// the hidden layers, the dueling head, the target network and the optimizer shape the weights and the optimizer state.
    /// </summary>
    public static string? ChangeOnResume(DqnOptions trained, DqnOptions next)
    {
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(next);
        var changes = new List<string>();
        if (!trained.HiddenLayers.SequenceEqual(next.HiddenLayers))
        {
            changes.Add($"hiddenLayers [{string.Join(", ", trained.HiddenLayers)}] → [{string.Join(", ", next.HiddenLayers)}]");
        }

        if (trained.Dueling != next.Dueling)
        {
            changes.Add($"dueling {trained.Dueling} → {next.Dueling}");
        }

        if (trained.UseTargetNetwork != next.UseTargetNetwork)
        {
            changes.Add($"useTargetNetwork {trained.UseTargetNetwork} → {next.UseTargetNetwork}");
        }

        if (trained.Optimizer != next.Optimizer)
        {
            changes.Add($"optimizer {trained.Optimizer} → {next.Optimizer}");
        }

        return changes.Count == 0
            ? null
            : $"The checkpoint's network and optimizer cannot change on resume ({string.Join("; ", changes)})";
    }

    /// <summary>These options with the network and optimizer shape of <paramref name="trained"/>: what a resumed learner goes on with.</summary>
    public DqnOptions WithShapeOf(DqnOptions trained)
    {
        ArgumentNullException.ThrowIfNull(trained);
        return this with
        {
            HiddenLayers = trained.HiddenLayers,
            Dueling = trained.Dueling,
            UseTargetNetwork = trained.UseTargetNetwork,
            Optimizer = trained.Optimizer,
        };
    }

    /// <summary>The original prototype's learner: plain SGD, MSE, no target network, no double DQN, no clipping.</summary>
    public static DqnOptions Original { get; } = new()
    {
        Optimizer = DqnOptimizer.Sgd,
        Loss = DqnLoss.Mse,
        UseTargetNetwork = false,
        DoubleDqn = false,
        MaxGradNorm = 0,
    };

    /// <summary>Weights and biases of the Q-network these options build for the given state and action sizes.</summary>
    public long ParameterCount(int stateSize, int actionCount)
    {
        long count = 0;
        long inputs = stateSize;
        foreach (var size in HiddenLayers ?? [])
        {
            count += (inputs + 1) * size;
            inputs = size;
        }

        // Dueling: a 1-unit value head and an actionCount-unit advantage head; otherwise one output layer.
        return count + ((inputs + 1) * (actionCount + (Dueling ? 1 : 0)));
    }

    /// <summary>Every problem with these options, each naming the field and its value; empty when valid.</summary>
    /// <remarks>The parameter cap is checked for the smallest network (1 input, 1 action); <see cref="Validate(int, int)"/> checks the real one.</remarks>
    public IReadOnlyList<string> Validate() => Validate(stateSize: 1, actionCount: 1);

    /// <summary>As <see cref="Validate()"/>, with the parameter cap checked for this state and action size.</summary>
    public IReadOnlyList<string> Validate(int stateSize, int actionCount)
    {
        var errors = new List<string>();
        void Check(bool ok, string field, object? value, string rule)
        {
            if (!ok)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"DqnOptions.{field} = {value}: {rule}."));
            }
        }

        if (HiddenLayers is null || HiddenLayers.Count == 0)
        {
            errors.Add("DqnOptions.HiddenLayers is empty: give at least one hidden layer size.");
        }
        else
        {
            Check(HiddenLayers.Count <= MaxHiddenLayers, "HiddenLayers.Count", HiddenLayers.Count, $"at most {MaxHiddenLayers} hidden layers");
            for (var i = 0; i < HiddenLayers.Count; i++)
            {
                Check(HiddenLayers[i] is > 0 and <= MaxHiddenUnits, $"HiddenLayers[{i}]", HiddenLayers[i], $"must be 1..{MaxHiddenUnits}");
            }

            if (HiddenLayers.All(h => h is > 0 and <= MaxHiddenUnits))
            {
                var parameters = ParameterCount(stateSize, actionCount);
                Check(parameters <= MaxParameters, nameof(HiddenLayers), $"[{string.Join(", ", HiddenLayers)}]",
                    string.Create(CultureInfo.InvariantCulture, $"the network would have {parameters} parameters, the maximum is {MaxParameters}"));
            }
        }

        Check(Gamma is >= 0 and <= 1, nameof(Gamma), Gamma, "must be in [0, 1]");
        Check(BatchSize is > 0 and <= MaxBatchSize, nameof(BatchSize), BatchSize, $"must be 1..{MaxBatchSize}");
        Check(double.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), LearningRate, "must be positive and finite");
        Check(Enum.IsDefined(Optimizer), nameof(Optimizer), Optimizer, "must be Adam or Sgd");
        Check(Enum.IsDefined(Loss), nameof(Loss), Loss, "must be Huber or Mse");
        Check(TargetUpdateInterval > 0, nameof(TargetUpdateInterval), TargetUpdateInterval, "must be positive");
        Check(Tau is >= 0 and <= 1, nameof(Tau), Tau, "must be in [0, 1] (0 = hard updates)");
        Check(PolicyAveraging is >= 0 and < 1, nameof(PolicyAveraging), PolicyAveraging, "must be in [0, 1) (0 = the policy is the online network)");
        Check(double.IsFinite(MaxGradNorm) && MaxGradNorm >= 0, nameof(MaxGradNorm), MaxGradNorm, "must be >= 0 (0 = no clipping)");
        Check(TorchThreads is > 0 and <= MaxTorchThreads, nameof(TorchThreads), TorchThreads, $"must be 1..{MaxTorchThreads} (it is process-wide)");
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem found by <see cref="Validate"/>.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid DQN options: " + string.Join(" ", errors));
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static DqnOptions FromJson(string json) =>
        JsonSerializer.Deserialize<DqnOptions>(json, Json)
        ?? throw new JsonException("DqnOptions JSON was 'null'.");

    public bool Equals(DqnOptions? other) => other is not null && ToJson() == other.ToJson();

    public override int GetHashCode() => ToJson().GetHashCode(StringComparison.Ordinal);
}
