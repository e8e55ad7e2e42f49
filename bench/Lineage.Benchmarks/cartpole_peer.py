"""CartPole-v1 DQN in PyTorch, timed per environment step and per learner update: the peer of Lineage's CartPole figures.

The environment is gym's CartPole-v1 (Euler integration, 0.02 s steps, ±12° / ±2.4 m limits, 500-step cap) in plain
Python floats, as a single-environment DQN loop steps it; acting is ε-greedy with one batch-1 torch forward of the
online net when greedy; the learner is dqn_torch.DqnLearner with Lineage's CartPole settings (rl-baselines3-zoo's):
4-256-256-2, batch 64, lr 2.3e-3, γ 0.99, target every 128 updates, Huber, clipping at 10, no double DQN.
Prints one JSON object: mean µs per env step (action choice + step + replay write) at the given ε, and per update.
Usage: python3 cartpole_peer.py [--steps 20000] [--updates 500] [--epsilon 0.5]
"""
import argparse
import json
import math
import time

import numpy as np
import torch

from dqn_torch import DqnLearner


class CartPole:
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    theta_limit, x_limit = 12 * 2 * math.pi / 360, 2.4

    def __init__(self, rng):
        self.rng = rng
        self.reset()

    def reset(self):
        self.x, self.x_dot, self.theta, self.theta_dot = self.rng.uniform(-0.05, 0.05, 4)
        self.t = 0
        return (self.x, self.x_dot, self.theta, self.theta_dot)

    def step(self, action):
        force = self.force_mag if action == 1 else -self.force_mag
        cos, sin = math.cos(self.theta), math.sin(self.theta)
        total = self.masscart + self.masspole
        pml = self.masspole * self.length
        temp = (force + pml * self.theta_dot ** 2 * sin) / total
        theta_acc = (self.gravity * sin - cos * temp) / (self.length * (4.0 / 3.0 - self.masspole * cos ** 2 / total))
        x_acc = temp - pml * theta_acc * cos / total
        self.x += self.tau * self.x_dot
        self.x_dot += self.tau * x_acc
        self.theta += self.tau * self.theta_dot
        self.theta_dot += self.tau * theta_acc
        self.t += 1
        terminated = abs(self.x) > self.x_limit or abs(self.theta) > self.theta_limit
        return (self.x, self.x_dot, self.theta, self.theta_dot), 1.0, terminated, self.t >= 500


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--updates", type=int, default=500)
    parser.add_argument("--epsilon", type=float, default=0.5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    learner = DqnLearner(4, [256, 256], 2, lr=2.3e-3, gamma=0.99, target_every=128, double=False)
    cap = max(args.steps, 1000)
    s_buf, s2_buf = np.zeros((cap, 4), np.float32), np.zeros((cap, 4), np.float32)
    a_buf, r_buf, live_buf = np.zeros((cap, 1), np.int64), np.zeros(cap, np.float32), np.zeros(cap, np.float32)
    env = CartPole(rng)
    state = env.reset()
    start = time.perf_counter()
    for i in range(args.steps):
        if rng.random() < args.epsilon:
            action = int(rng.integers(0, 2))
        else:
            with torch.no_grad():
                action = int(learner.online(torch.tensor(state, dtype=torch.float32).unsqueeze(0)).argmax(1).item())
        nxt, reward, terminated, truncated = env.step(action)
        j = i % cap
        s_buf[j], s2_buf[j], a_buf[j, 0], r_buf[j], live_buf[j] = state, nxt, action, reward, 0.0 if terminated else 1.0
        state = env.reset() if terminated or truncated else nxt
    step_us = (time.perf_counter() - start) / args.steps * 1e6
    size = min(args.steps, cap)
    for _ in range(20):
        k = rng.integers(0, size, 64)
        learner.update(s_buf[k], a_buf[k], r_buf[k], s2_buf[k], live_buf[k])
    start = time.perf_counter()
    for _ in range(args.updates):
        k = rng.integers(0, size, 64)
        learner.update(s_buf[k], a_buf[k], r_buf[k], s2_buf[k], live_buf[k])
    update_us = (time.perf_counter() - start) / args.updates * 1e6
    print(json.dumps({"step_us": step_us, "update_us": update_us, "epsilon": args.epsilon, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
