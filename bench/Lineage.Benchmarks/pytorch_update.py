"""The DQN learner update of Lineage.Learning.DqnTrainer.Update, in PyTorch, timed the same way.

Double DQN with a target network, Huber (smooth L1) loss, Adam (0.9, 0.999, 1e-8), global gradient
norm clipped at 10, target copied every 250 updates, TD errors and mean Q brought back to the host.
Prints one JSON object per configuration: median microseconds per update over timed repetitions.
Usage: python3 pytorch_update.py <quick:0|1> <net> <batch> <threads> [<net> <batch> <threads> ...]
"""
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class QNetwork(nn.Module):
    def __init__(self, state, hidden, actions):
        super().__init__()
        layers, inputs = [], state
        for size in hidden:
            layers.append(nn.Linear(inputs, size))
            inputs = size
        self.hidden = nn.ModuleList(layers)
        self.output = nn.Linear(inputs, actions)

    def forward(self, x):
        for layer in self.hidden:
            x = F.relu(layer(x))
        return self.output(x)


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
    online = QNetwork(state, hidden, actions)
    target = QNetwork(state, hidden, actions)
    target.load_state_dict(online.state_dict())
    target.eval()
    for p in target.parameters():
        p.requires_grad_(False)
    params = list(online.parameters())
    optimizer = torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    batches = make_batches(np.random.default_rng(100), 16, batch, state, actions)
    updates = [0]

    def update(b):
        s, s2 = torch.tensor(b["s"]), torch.tensor(b["s2"])
        a, r, live = torch.tensor(b["a"]), torch.tensor(b["r"]), torch.tensor(b["live"])
        with torch.no_grad():
            argmax = online(s2).argmax(1, keepdim=True)
            nxt = target(s2).gather(1, argmax).squeeze(1)
            y = r + live * nxt * 0.99
        online.train()
        q = online(s).gather(1, a).squeeze(1)
        loss = F.smooth_l1_loss(q, y, reduction="none").mean()
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise RuntimeError(f"loss is {loss_value}")
        optimizer.zero_grad()
        loss.backward()
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in params])).item()
        if not math.isfinite(norm):
            raise RuntimeError(f"gradient norm is {norm}")
        if norm > 10:
            with torch.no_grad():
                for p in params:
                    p.grad.mul_(10 / (norm + 1e-6))
        optimizer.step()
        updates[0] += 1
        if updates[0] % 250 == 0:
            target.load_state_dict(online.state_dict())
        td = (y - q.detach()).numpy()
        return float(np.abs(td).mean()), q.detach().mean().item()

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
