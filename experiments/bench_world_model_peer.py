"""Peer for `byfeel bench predictor` (the latent world model): the same network in PyTorch
(CPU), timed the same way -- an autoencoder step with the contrastive loss (batch 64 frames
and their 64 positives, 48 x 64), a dynamics step (256 windows x 18 steps of the residual
MLP with its action gate; latent error plus per-step InfoNCE of predicted against real
embeddings), the die's second stage through the encoder (64 windows: the first frame encoded
and reconstructed, 18 steps rolled out, the frames after every third step encoded as the
InfoNCE's real frames, with gradient, and held fixed as the latent error's targets), and a CEM
plan step (3 iterations x 200 samples x 18 steps through the dynamics, cost in
the unit-length embedding).

Usage: python experiments/bench_world_model_peer.py   (prints one JSON object; needs torch)
"""
import json
import os
import statistics
import time

import torch
from torch import nn
import torch.nn.functional as F

LATENT, HIDDEN, EMBED, CH = 64, 128, 32, (16, 32, 64)


class WorldModel(nn.Module):
    def __init__(self):
        super().__init__()
        c0, c1, c2 = CH
        self.convs = nn.ModuleList([nn.Conv2d(3, c0, 4, 2, 1), nn.Conv2d(c0, c1, 4, 2, 1),
                                    nn.Conv2d(c1, c2, 4, 2, 1)])
        self.head = nn.Linear(c2 * 6 * 8, LATENT)
        self.dyn = nn.ModuleList([nn.Linear(LATENT + 3, HIDDEN), nn.Linear(HIDDEN, HIDDEN),
                                  nn.Linear(HIDDEN, LATENT), nn.Linear(3, HIDDEN)])
        self.expand = nn.Linear(LATENT, c2 * 6 * 8)
        self.deconvs = nn.ModuleList([nn.ConvTranspose2d(c2, c1, 4, 2, 1),
                                      nn.ConvTranspose2d(c1, c0, 4, 2, 1),
                                      nn.ConvTranspose2d(c0, 3, 4, 2, 1)])
        self.projection = nn.Linear(LATENT, EMBED)

    def encode(self, x):
        for conv in self.convs:
            x = F.relu(conv(x))
        return self.head(x.flatten(1))

    def decode(self, z):
        x = F.relu(self.expand(z)).view(-1, CH[2], 6, 8)
        for i, deconv in enumerate(self.deconvs):
            x = deconv(x)
            if i < 2:
                x = F.relu(x)
        return torch.sigmoid(x)

    def step(self, z, a):
        h = F.relu(self.dyn[0](torch.cat([z, a], 1)))
        h = F.relu(self.dyn[1](h) * (1 + self.dyn[3](a)))
        return z + self.dyn[2](h)

    def roll_out(self, z, actions):
        out = []
        for t in range(actions.shape[1]):
            z = self.step(z, actions[:, t])
            out.append(z)
        return torch.stack(out, 1)

    def embed(self, z):
        return F.normalize(self.projection(z), dim=-1)


def step_nce(e_pred, e_real):
    """InfoNCE of predicted against real embeddings ([N, T, E]) at each step, averaged."""
    n, steps = e_pred.shape[0], e_pred.shape[1]
    nce = 0
    for t in range(steps):
        logits = e_pred[:, t] @ e_real[:, t].T / 0.1
        nce = nce + F.cross_entropy(logits, torch.arange(n))
    return nce / steps


def median_time(fn, n):
    fn()
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
    model = WorldModel()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def ae_step():
        images, positives = torch.rand(64, 3, 48, 64), torch.rand(64, 3, 48, 64)
        z = model.encode(images)
        loss = ((model.decode(z) - images) ** 2).mean()
        logits = model.embed(z) @ model.embed(model.encode(positives)).T / 0.1
        loss = loss + F.cross_entropy(logits, torch.arange(64))
        opt.zero_grad()
        loss.backward()
        opt.step()

    dyn_params = list(model.dyn.parameters()) + list(model.projection.parameters())
    dyn_opt = torch.optim.Adam(dyn_params, lr=1e-3)

    def dynamics_step():
        z = torch.rand(256, LATENT)
        actions = torch.rand(256, 18, 3) * 2 - 1
        targets = torch.rand(256, 18, LATENT)
        pred = model.roll_out(z, actions)
        loss = ((pred - targets) ** 2).mean()
        loss = loss + step_nce(model.embed(pred), model.embed(targets))
        dyn_opt.zero_grad()
        loss.backward()
        dyn_opt.step()

    def through_step():
        start = torch.rand(64, 3, 48, 64)
        actions = torch.rand(64, 18, 3) * 2 - 1
        targets = torch.rand(64 * 6, 3, 48, 64)
        z0 = model.encode(start)
        recon = ((model.decode(z0) - start) ** 2).mean()
        real = model.encode(targets).view(64, 6, LATENT)
        pred = model.roll_out(z0, actions)[:, 2::3]
        loss = recon + ((pred - real.detach()) ** 2).mean()
        loss = loss + step_nce(model.embed(pred), model.embed(real))
        opt.zero_grad()
        loss.backward()
        opt.step()

    ae_s = median_time(ae_step, 10)
    dyn_s = median_time(dynamics_step, 10)
    through_s = median_time(through_step, 10)
    frame, goal = torch.rand(1, 3, 48, 64), torch.rand(1, 3, 48, 64)

    @torch.no_grad()
    def plan():
        z = model.encode(frame).expand(200, -1)
        e_goal = model.embed(model.encode(goal))
        mean, std = torch.zeros(6, 3), torch.ones(6, 3)
        for _ in range(3):
            blocks = (mean + std * torch.randn(200, 6, 3)).clamp(-1, 1)
            actions = blocks.repeat_interleave(3, dim=1)
            e = model.embed(model.roll_out(z, actions))
            err = ((e - e_goal) ** 2).mean(-1)
            cost = err.sum(1) + 9 * err[:, -1]
            elites = blocks[cost.argsort()[:10]]
            mean, std = elites.mean(0), elites.std(0)

    plan_s = median_time(plan, 10)
    print(json.dumps({"peer": "PyTorch %s CPU" % torch.__version__, "threads": threads,
                      "ae_step_s": ae_s, "dynamics_step_s": dyn_s, "through_step_s": through_s,
                      "plan_s": plan_s}))


if __name__ == "__main__":
    main()
