"""The DQN learner update of Lineage.Learning.DqnTrainer.Update, in PyTorch, timed the same way.

The learner is dqn_torch.DqnLearner (double DQN, Huber, Adam, clipping at 10, target every 250 updates).
Prints one JSON object per configuration: median microseconds per update over timed repetitions.
Usage: python3 pytorch_update.py <quick:0|1> <net> <batch> <threads> [<net> <batch> <threads> ...]
"""
import json
import sys
import time

import numpy as np
import torch

from dqn_torch import DqnLearner


def make_batches(rng, count, n, state, actions):
    return [dict(
        s=rng.standard_normal((n, state)).astype(np.float32),
        s2=rng.standard_normal((n, state)).astype(np.float32),
        a=rng.integers(0, actions, (n, 1)).astype(np.int64),
        r=(rng.standard_normal(n) * 0.01).astype(np.float32),
        live=(rng.integers(0, 500, n) != 0).astype(np.float32),
    ) for _ in range(count)]


def bench(net, batch, threads, quick):
    torch.set_num_threads(threads)
    torch.manual_seed(5)
    sizes = [int(x) for x in net.split("-")]
    state, hidden, actions = sizes[0], sizes[1:-1], sizes[-1]
    learner = DqnLearner(state, hidden, actions)
    batches = make_batches(np.random.default_rng(100), 16, batch, state, actions)

    def update(b):
        _, td, q = learner.update(b["s"], b["a"], b["r"], b["s2"], b["live"])
        return td, q

    for i in range(30 if quick else 100):
        update(batches[i % 16])
    start = time.perf_counter()
    probe = 0
    while time.perf_counter() - start < 0.05:
        update(batches[probe % 16])
        probe += 1
    per_rep = max(5, int(probe * (0.1 if quick else 0.25) / 0.05))
    times = []
    for rep in range(5 if quick else 12):
        t0 = time.perf_counter()
        for i in range(per_rep):
            update(batches[i % 16])
        times.append((time.perf_counter() - t0) / per_rep)
    times.sort()
    return times[len(times) // 2] * 1e6


def main():
    quick = sys.argv[1] == "1"
    args = sys.argv[2:]
    for i in range(0, len(args), 3):
        net, batch, threads = args[i], int(args[i + 1]), int(args[i + 2])
        us = bench(net, batch, threads, quick)
        print(json.dumps({"net": net, "batch": batch, "threads": threads, "median_us": us, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
