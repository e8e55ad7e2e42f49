"""The DQN learner of Lineage.Learning.DqnTrainer.Update in PyTorch, shared by pytorch_update.py and pytorch_peer.py.

Double DQN (or plain DQN with double=False) with a target network, Huber (smooth L1) loss, Adam (0.9, 0.999, 1e-8), global gradient norm clipped at 10,
target copied every 250 updates, TD errors and mean Q brought back to the host.
"""
import math

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


class DqnLearner:
    def __init__(self, state, hidden, actions, lr=1e-3, gamma=0.99, target_every=250, max_norm=10.0, double=True):
        self.online = QNetwork(state, hidden, actions)
        self.target = QNetwork(state, hidden, actions)
        self.target.load_state_dict(self.online.state_dict())
        self.target.eval()
        for p in self.target.parameters():
            p.requires_grad_(False)
        self.params = list(self.online.parameters())
        self.optimizer = torch.optim.Adam(self.params, lr=lr, betas=(0.9, 0.999), eps=1e-8)
        self.gamma, self.target_every, self.max_norm, self.double = gamma, target_every, max_norm, double
        self.updates = 0

    def update(self, s, a, r, s2, live):
        """One update from numpy arrays (s, s2 float32 [n, state]; a int64 [n, 1]; r, live float32 [n]). Returns (loss, mean |TD|, mean Q)."""
        s, s2 = torch.from_numpy(s), torch.from_numpy(s2)
        a, r, live = torch.from_numpy(a), torch.from_numpy(r), torch.from_numpy(live)
        with torch.no_grad():
            if self.double:
                argmax = self.online(s2).argmax(1, keepdim=True)
                nxt = self.target(s2).gather(1, argmax).squeeze(1)
            else:
                nxt = self.target(s2).max(1).values
            y = r + live * nxt * self.gamma
        self.online.train()
        q = self.online(s).gather(1, a).squeeze(1)
        loss = F.smooth_l1_loss(q, y, reduction="none").mean()
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise RuntimeError(f"loss is {loss_value}")
        self.optimizer.zero_grad()
        loss.backward()
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in self.params])).item()
        if not math.isfinite(norm):
            raise RuntimeError(f"gradient norm is {norm}")
        if norm > self.max_norm:
            with torch.no_grad():
                for p in self.params:
                    p.grad.mul_(self.max_norm / (norm + 1e-6))
        self.optimizer.step()
        self.updates += 1
        if self.updates % self.target_every == 0:
            self.target.load_state_dict(self.online.state_dict())
        td = (y - q.detach()).numpy()
        return loss_value, float(np.abs(td).mean()), q.detach().mean().item()
