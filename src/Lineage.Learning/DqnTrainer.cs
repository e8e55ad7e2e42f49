using Lineage.Core.Randomness;
using Lineage.Core.Replay;
using Lineage.Policy;
using Lineage.Policy.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lineage.Learning;

/// <summary>
/// The DQN learner: an online Q-network, an optional target network and an optimizer. The caller
/// samples batches and owns all sampling randomness; this class only turns batches into updates.
/// Not thread-safe; torch's thread count is process-wide (<see cref="DqnOptions.TorchThreads"/>).
/// </summary>
public sealed class DqnTrainer : IDisposable
{
    private readonly QNetwork online;
    private readonly QNetwork? target;

    /// <summary>The moving average of the online weights checkpoints act with (<see cref="DqnOptions.PolicyAveraging"/>); null when off.</summary>
    private readonly QNetwork? averaged;
    private readonly OptimizerHelper optimizer;
    private readonly Parameter[] parameters;
    private float[] states = [];
    private float[] nextStates = [];
    private float[] rewards = [];
    private float[] notDone = [];
    private long[] actions = [];

    /// <param name="seed">Initialises the online weights (the target starts as a copy). Same seed + options ⇒ same initial net.</param>
    public DqnTrainer(int stateSize, int actionCount, DqnOptions options, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stateSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(actionCount);
        options.ThrowIfInvalid();
        StateSize = stateSize;
        ActionCount = actionCount;
        Options = options;
        torch.set_num_threads(options.TorchThreads);

        online = new QNetwork(stateSize, actionCount, options.HiddenLayers, options.Dueling);
        online.InitializeWeights(new Rng(seed));
        if (options.UseTargetNetwork)
        {
            target = new QNetwork(stateSize, actionCount, options.HiddenLayers, options.Dueling);
            online.CopyTo(target);
            target.eval();
            foreach (var p in target.parameters())
            {
                p.requires_grad = false;
            }
        }

        if (options.PolicyAveraging > 0)
        {
            averaged = new QNetwork(stateSize, actionCount, options.HiddenLayers, options.Dueling);
            online.CopyTo(averaged);
            averaged.eval();
            foreach (var p in averaged.parameters())
            {
                p.requires_grad = false;
            }
        }

        parameters = [.. online.parameters()];
        optimizer = options.Optimizer switch
        {
            // Explicit betas: torch.optim.Adam(...)'s factory defaults beta2 to 0.99, PyTorch's is 0.999.
            DqnOptimizer.Adam => new Adam(parameters, options.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8),
            DqnOptimizer.Sgd => new SGD(parameters, options.LearningRate),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "Unknown optimizer."),
        };
    }

    public int StateSize { get; }

    public int ActionCount { get; }

    public DqnOptions Options { get; }

    /// <summary>Successful optimizer steps so far (drives hard target updates).</summary>
    public long UpdateCount { get; private set; }

    /// <summary>
    /// One gradient step on <paramref name="batch"/>. Targets bootstrap from NextState, discounted by γ^Steps, unless the
    /// transition terminated (a truncated one still bootstraps). <paramref name="importanceWeights"/>
    /// (empty = all 1) multiply the per-sample loss. Throws <see cref="NonFiniteUpdateException"/>
    /// before touching any weight when the loss or gradient norm is not finite.
    /// </summary>
    public UpdateMetrics Update(IReadOnlyList<Experience> batch, ReadOnlySpan<float> importanceWeights = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var n = batch.Count;
        if (n == 0)
        {
            throw new ArgumentException("Batch is empty.", nameof(batch));
        }

        if (!importanceWeights.IsEmpty && importanceWeights.Length != n)
        {
            throw new ArgumentException($"Got {importanceWeights.Length} importance weights for a batch of {n}.", nameof(importanceWeights));
        }

        FillBuffers(batch);
        var isWeights = importanceWeights.IsEmpty ? null : importanceWeights.ToArray();

        using var scope = NewDisposeScope();
        var s = tensor(states, [n, StateSize]);
        var s2 = tensor(nextStates, [n, StateSize]);
        var a = tensor(actions, [n, 1]);
        var r = tensor(rewards, [n]);
        var live = tensor(notDone, [n]);

        Tensor y;
        using (no_grad())
        {
            var bootstrap = target ?? online;
            Tensor next;
            if (Options.DoubleDqn)
            {
                var argmax = online.forward(s2).argmax(1, keepdim: true);
                next = bootstrap.forward(s2).gather(1, argmax).squeeze(1);
            }
            else
            {
                next = bootstrap.forward(s2).max(1).values;
            }

            using var gamma = Options.Gamma.ToScalar();
            y = r.add((live * next).mul(gamma), alpha: HeldScalars.One);
        }

        online.train();
        var q = online.forward(s).gather(1, a).squeeze(1);
        var perSample = Options.Loss == DqnLoss.Huber
            ? nn.functional.smooth_l1_loss(q, y, nn.Reduction.None)
            : nn.functional.mse_loss(q, y, nn.Reduction.None);
        if (isWeights is not null)
        {
            perSample *= tensor(isWeights, [n]);
        }

        var loss = perSample.mean();
        var lossValue = loss.item<float>();
        if (!float.IsFinite(lossValue))
        {
            throw new NonFiniteUpdateException(
                $"DQN update {UpdateCount + 1}: loss is {lossValue} (batch of {n}); weights left unchanged. Check rewards, states and importance weights for NaN/∞ or overflow.");
        }

        optimizer.zero_grad();
        loss.backward();
        var gradNorm = GlobalGradNorm();
        if (!double.IsFinite(gradNorm))
        {
            optimizer.zero_grad();
            throw new NonFiniteUpdateException(
                $"DQN update {UpdateCount + 1}: gradient norm is {gradNorm} with loss {lossValue} (batch of {n}); weights left unchanged.");
        }

        if (Options.MaxGradNorm > 0 && gradNorm > Options.MaxGradNorm)
        {
            // Same rule as torch.nn.utils.clip_grad_norm_.
            using var scale = (Options.MaxGradNorm / (gradNorm + 1e-6)).ToScalar();
            using var noGrad = no_grad();
            foreach (var p in parameters)
            {
                p.grad!.mul_(scale);
            }
        }

        StepOptimizer();
        if (StepCanOverflow && !WeightsAreFinite())
        {
            // Finite loss and gradients can still step the weights to ∞ (a huge learning rate): the trainer is now
            // poisoned and must not be checkpointed. The caller discards it and keeps the last good checkpoint.
            throw new NonFiniteUpdateException(
                $"DQN update {UpdateCount + 1}: the optimizer step left non-finite weights (loss {lossValue}, gradient norm {gradNorm}); discard this trainer.");
        }

        UpdateCount++;
        UpdateTarget();
        if (averaged is not null)
        {
            online.BlendInto(averaged, Options.PolicyAveraging);
        }

        // TD errors and mean Q from one read of q and y on the host (no further tensor ops, no further sync): y − q is the
        // same float subtraction torch would do, so the errors (and PER's priorities) are bit for bit what they were.
        var qHost = q.detach().data<float>();
        var yHost = y.data<float>();
        var td = new float[n];
        double sumAbs = 0, maxAbs = 0, sumQ = 0;
        for (var i = 0; i < n; i++)
        {
            var qi = qHost[i];
            td[i] = yHost[i] - qi;
            var abs = Math.Abs((double)td[i]);
            sumAbs += abs;
            maxAbs = Math.Max(maxAbs, abs);
            sumQ += qi;
        }

        var meanQ = (float)(sumQ / n);
        return new UpdateMetrics(lossValue, meanQ, sumAbs / n, maxAbs, td, UpdateCount);
    }

    /// <summary>Q-values of the online network for a batch of states (row-major [n, StateSize]); for tests and diagnostics.</summary>
    public float[] PredictQ(float[] stateRows)
    {
        if (stateRows.Length % StateSize != 0)
        {
            throw new ArgumentException($"State buffer length {stateRows.Length} is not a multiple of StateSize {StateSize}.", nameof(stateRows));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        online.eval();
        var q = online.forward(tensor(stateRows, [stateRows.Length / StateSize, StateSize]));
        return q.data<float>().ToArray();
    }

    public IReadOnlyList<NamedTensor> GetOnlineWeights() => online.GetWeights();

    /// <summary>Target weights, or empty without a target network.</summary>
    public IReadOnlyList<NamedTensor> GetTargetWeights() => target?.GetWeights() ?? [];

    /// <summary>The online network as a torch-free policy for acting.</summary>
    public MlpPolicy ExportPolicy() => MlpPolicy.FromWeights(online.GetWeights(), Options.Dueling);

    /// <summary>
    /// Snapshot of the learner plus the caller's counters, sampling RNG state and context.
    /// Encode it with <see cref="CheckpointCodec.Encode"/>.
    /// </summary>
    public Checkpoint CreateCheckpoint(long envSteps, long epsilonStep, ulong[] rngState, string contextJson)
    {
        ArgumentNullException.ThrowIfNull(rngState);
        ArgumentNullException.ThrowIfNull(contextJson);
        if (!WeightsAreFinite())
        {
            throw new NonFiniteUpdateException($"Refusing to checkpoint update {UpdateCount}: the online weights hold NaN or ∞.");
        }

        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            optimizer.save_state_dict(writer);
        }

        var weights = online.GetWeights();
        return new Checkpoint(
            StateSize,
            ActionCount,
            Options,
            weights,
            GetTargetWeights(),
            buffer.ToArray(),
            UpdateCount,
            envSteps,
            epsilonStep,
            (ulong[])rngState.Clone(),
            averaged is null ? MlpPolicy.FromWeights(weights, Options.Dueling) : MlpPolicy.FromWeights(averaged.GetWeights(), Options.Dueling),
            contextJson);
    }

    /// <summary>
    /// Rebuilds a trainer from a checkpoint; continuing it reproduces the uninterrupted run bit for bit
    /// (same thread count). <paramref name="torchThreads"/> overrides the stored thread count.
    /// </summary>
    /// <param name="checkpoint">The saved learner.</param>
    /// <param name="options">
    /// The options to go on with (default: the checkpoint's). What shapes the weights and the optimizer state must be the
    /// checkpoint's (<see cref="DqnOptions.ChangeOnResume"/>); the rest — learning rate, γ, batch, loss, clipping, target
    /// updates, threads — may change, which is how a run refused for a diverging update is resumed with a fixed configuration.
    /// </param>
    /// <exception cref="ArgumentException"><paramref name="options"/> changes the network's or the optimizer's shape.</exception>
    public static DqnTrainer Restore(Checkpoint checkpoint, DqnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        options ??= checkpoint.Options;
        if (DqnOptions.ChangeOnResume(checkpoint.Options, options) is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        var trainer = new DqnTrainer(checkpoint.StateSize, checkpoint.ActionCount, options, seed: 0);
        try
        {
            trainer.online.SetWeights(checkpoint.OnlineWeights);
            if (trainer.target is not null)
            {
                if (checkpoint.TargetWeights.Count == 0)
                {
                    throw new ArgumentException("Checkpoint has no target weights but its options use a target network.", nameof(checkpoint));
                }

                trainer.target.SetWeights(checkpoint.TargetWeights);
            }

            if (trainer.averaged is not null)
            {
                // The checkpoint's policy is the average when it was kept; switched on at a resume, it starts from the online weights.
                if (checkpoint.Options.PolicyAveraging > 0)
                {
                    trainer.averaged.SetWeights(checkpoint.Policy.ToNamedTensors());
                }
                else
                {
                    trainer.online.CopyTo(trainer.averaged);
                }
            }

            using var reader = new BinaryReader(new MemoryStream(checkpoint.OptimizerState, writable: false));
            trainer.optimizer.load_state_dict(reader);
            trainer.UpdateCount = checkpoint.UpdateCount;
            return trainer;
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        optimizer.Dispose();
        online.Dispose();
        target?.Dispose();
        averaged?.Dispose();
    }

    private void FillBuffers(IReadOnlyList<Experience> batch)
    {
        var n = batch.Count;
        if (actions.Length != n)
        {
            states = new float[n * StateSize];
            nextStates = new float[n * StateSize];
            rewards = new float[n];
            notDone = new float[n];
            actions = new long[n];
        }

        for (var i = 0; i < n; i++)
        {
            var e = batch[i];
            if (e.State.Length != StateSize || e.NextState.Length != StateSize)
            {
                throw new ArgumentException($"batch[{i}]: State has {e.State.Length} and NextState {e.NextState.Length} features; expected {StateSize}.", nameof(batch));
            }

            if ((uint)e.Action >= (uint)ActionCount)
            {
                throw new ArgumentException($"batch[{i}]: Action {e.Action} is outside [0, {ActionCount}).", nameof(batch));
            }

            e.State.CopyTo(states, i * StateSize);
            e.NextState.CopyTo(nextStates, i * StateSize);
            actions[i] = e.Action;
            rewards[i] = e.Reward;
            // γ^(Steps − 1) here and γ on the whole product below: an n-step transition bootstraps with γ^Steps, and a
            // one-step one multiplies by exactly 1f, as before n-step returns.
            notDone[i] = e.Terminated ? 0f : e.Steps == 1 ? 1f : (float)Math.Pow(Options.Gamma, e.Steps - 1);
        }
    }

    /// <summary>Whether every online weight is finite (temporaries disposed at once: this also runs outside any dispose scope).</summary>
    private bool WeightsAreFinite()
    {
        using var noGrad = no_grad();
        foreach (var p in parameters)
        {
            using var finite = p.isfinite();
            using var all = finite.all();
            if (!all.item<bool>())
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// <c>optimizer.step()</c>, with TorchSharp's arithmetic in TorchSharp's order (so bit-identical), but every Scalar
    /// held until its native call returns. TorchSharp's own step passes implicit Scalar temporaries (<c>mul_(beta1)</c>,
    /// <c>alpha: 1 - beta1</c>): once their handle is read nothing references them, so a GC started by another thread
    /// can run their finalizer while the native op still reads them. Under load that surfaced as
    /// "toFloat: Expected false to be true" inside <c>Adam.step</c> (CartPole test, 1 run in 3 on a busy 2-core machine).
    /// The optimizer object keeps the state (its <c>State</c> tensors, updated in place) and its checkpoint format.
    /// </summary>
    private void StepOptimizer()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var learningRate = Options.LearningRate;
        if (optimizer is Adam adam)
        {
            const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
            using var b1 = beta1.ToScalar();
            using var b2 = beta2.ToScalar();
            using var oneMinusB1 = (1 - beta1).ToScalar();
            using var oneMinusB2 = (1 - beta2).ToScalar();
            using var epsilon = eps.ToScalar();
            var states = adam.state_dict().State;
            for (var i = 0; i < parameters.Length; i++)
            {
                var param = parameters[i];
                if (param.grad is not { } grad)
                {
                    continue;
                }

                var state = (Adam.State)states[i];
                state.step += 1;
                var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
                var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
                state.exp_avg.mul_(b1).add_(grad, alpha: oneMinusB1);
                state.exp_avg_sq.mul_(b2).addcmul_(grad, grad.conj(), value: oneMinusB2);
                using var sqrtBias2 = Math.Sqrt(biasCorrection2).ToScalar();
                var denom = state.exp_avg_sq.sqrt().div(sqrtBias2).add_(epsilon, alpha: HeldScalars.One);
                using var stepSize = (-(learningRate / biasCorrection1)).ToScalar();
                param.addcdiv_(state.exp_avg, denom, value: stepSize);
            }
        }
        else
        {
            // Plain SGD (no momentum, dampening or weight decay, as constructed above): p ← p − lr·g.
            using var minusLearningRate = (-learningRate).ToScalar();
            foreach (var param in parameters)
            {
                if (param.grad is { } grad)
                {
                    param.add_(grad, alpha: minusLearningRate);
                }
            }
        }
    }

    /// <summary>L2 norm over all gradients, computed as torch.nn.utils.clip_grad_norm_ does (norm of per-tensor norms, float32).</summary>
    private double GlobalGradNorm()
    {
        using var noGrad = no_grad();
        var norms = new List<Tensor>(parameters.Length);
        foreach (var p in parameters)
        {
            // Each read of .grad makes a new handle: read it once.
            if (p.grad is { } grad)
            {
                norms.Add(grad.norm());
            }
        }

        return norms.Count == 0 ? 0 : stack(norms).norm().item<float>();
    }

    /// <summary>
    /// Whether one optimizer step from finite weights and finite gradients can reach ∞, so the weights must be scanned after it.
    /// SGD can (w − lr·g overflows for a huge lr or gradient). Adam cannot at a sane learning rate: its step is lr·m̂/(√v̂ + ε)
    /// with |m̂/√v̂| bounded by a constant (Kingma and Ba 2015, §2.1), so |Δw| stays of the order of lr. The scan costs about 70 µs
    /// of a ~450 µs update on the default net (12 native calls); a checkpoint scans the weights either way.
    /// </summary>
    private bool StepCanOverflow => Options.Optimizer != DqnOptimizer.Adam || Options.LearningRate > 1;

    private void UpdateTarget()
    {
        if (target is null)
        {
            return;
        }

        if (Options.Tau > 0)
        {
            online.BlendInto(target, Options.Tau);
        }
        else if (UpdateCount % Options.TargetUpdateInterval == 0)
        {
            online.CopyTo(target);
        }
    }
}
