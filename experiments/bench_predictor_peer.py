"""Peer for `byfeel bench predictor`: the same frame predictor in PyTorch (CPU), timed the same
way — a training step (forward over 15 predicted frames, backward, Adam) on a batch of 16, and a
CEM plan step (3 iterations × 200 samples × 18 frames through the model, no gradients).

Usage: python experiments/bench_predictor_peer.py   (prints one JSON object; needs torch)
"""
import json
import os
import statistics
import time

import torch
from torch import nn
import torch.nn.functional as F


class Predictor(nn.Module):
    def __init__(self, context=3, c1=16, c2=32, action_dim=3):
        super().__init__()
        self.encode1 = nn.Conv2d(3 * context, c1, 5, stride=2, padding=2)
        self.encode2 = nn.Conv2d(c1, c2, 3, stride=2, padding=1)
        self.step1 = nn.Conv2d(c2 + action_dim, c2, 3, padding=1)
        self.step2 = nn.Conv2d(c2, c2, 3, padding=1)
        self.decode1 = nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1)
        self.decode2 = nn.ConvTranspose2d(2 * c1, 4, 4, stride=2, padding=1)

    def forward(self, context, actions):
        b, k, _, h, w = context.shape
        t = actions.shape[1]
        last = context[:, -1]
        skip = F.relu(self.encode1(context.reshape(b, k * 3, h, w)))
        state = F.relu(self.encode2(skip))
        sh, sw = state.shape[-2:]
        frames = []
        for step in range(t):
            a = actions[:, step].reshape(b, -1, 1, 1).expand(b, actions.shape[2], sh, sw)
            state = state + self.step2(F.relu(self.step1(torch.cat([state, a], 1))))
            up = F.relu(self.decode1(F.relu(state)))
            out = self.decode2(torch.cat([up, skip], 1))
            rgb, mask = torch.sigmoid(out[:, :3]), torch.sigmoid(out[:, 3:4])
            frames.append(mask * rgb + (1 - mask) * last)
        return torch.stack(frames, 1)


def median_time(fn, n):
    fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def main():
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    model = Predictor()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    b, k, t = 16, 3, 15

    def train_step():
        context = torch.rand(b, k, 3, 48, 64)
        targets = torch.rand(b, t, 3, 48, 64)
        actions = torch.rand(b, t, 3) * 2 - 1
        loss = ((model(context, actions) - targets) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    train_s = median_time(train_step, 10)
    context = torch.rand(1, k, 3, 48, 64)
    goal = torch.rand(1, 1, 3, 48, 64)

    @torch.no_grad()
    def plan():
        mean, std = torch.zeros(6, 3), torch.ones(6, 3)
        for _ in range(3):
            blocks = (mean + std * torch.randn(200, 6, 3)).clamp(-1, 1)
            actions = blocks.repeat_interleave(3, dim=1)
            pred = model(context.expand(200, -1, -1, -1, -1), actions)
            cost = ((pred - goal) ** 2).mean(dim=(1, 2, 3, 4))
            elites = blocks[cost.argsort()[:10]]
            mean, std = elites.mean(0), elites.std(0)

    plan_s = median_time(plan, 3)
    print(json.dumps({"peer": "PyTorch %s CPU" % torch.__version__, "threads": threads,
                      "train_step_s": train_s, "plan_s": plan_s}))


if __name__ == "__main__":
    main()
