"""Peer for `byfeel bench skewfit`: the same Skew-Fit networks in PyTorch (CPU), timed the same
way — one SAC update (twin Q (400, 300) with Polyak targets, tanh-Gaussian actor, automatic
entropy tuning; batch 1024 of 32-number observations, 3 actions), one VAE update (the reference
48x48 VAE, batch 128, beta 20) and the importance-sampled density (10 latents per image).

Usage: python experiments/bench_skewfit_peer.py   (prints one JSON object; needs torch)
"""
import json
import math
import os
import statistics
import time

import torch
from torch import nn
import torch.nn.functional as F


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Vae(nn.Module):
    def __init__(self, latent=16):
        super().__init__()
        self.enc = nn.ModuleList([nn.Conv2d(3, 16, 5, 3), nn.Conv2d(16, 32, 3, 2), nn.Conv2d(32, 64, 3, 2)])
        self.mean, self.log_var = nn.Linear(576, latent), nn.Linear(576, latent)
        self.expand = nn.Linear(latent, 576)
        self.dec = nn.ModuleList([nn.ConvTranspose2d(64, 32, 3, 2), nn.ConvTranspose2d(32, 16, 3, 2),
                                  nn.ConvTranspose2d(16, 3, 6, 3)])

    def encode(self, x):
        for c in self.enc:
            x = F.relu(c(x))
        x = x.flatten(1)
        return self.mean(x), self.log_var(x).clamp(-10, 4)

    def decode(self, z):
        x = F.relu(self.expand(z)).view(-1, 64, 3, 3)
        x = F.relu(self.dec[0](x))
        x = F.relu(self.dec[1](x))
        return torch.sigmoid(self.dec[2](x))


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
    obs, act, b = 32, 3, 1024
    q1, q2 = mlp([obs + act, 400, 300, 1]), mlp([obs + act, 400, 300, 1])
    t1, t2 = mlp([obs + act, 400, 300, 1]), mlp([obs + act, 400, 300, 1])
    t1.load_state_dict(q1.state_dict())
    t2.load_state_dict(q2.state_dict())
    actor = mlp([obs, 400, 300, 2 * act])
    log_alpha = torch.zeros(1, requires_grad=True)
    q_opt = torch.optim.Adam(list(q1.parameters()) + list(q2.parameters()), lr=3e-4)
    a_opt = torch.optim.Adam(actor.parameters(), lr=3e-4)
    al_opt = torch.optim.Adam([log_alpha], lr=3e-4)

    def sample(o):
        out = actor(o)
        mean, log_std = out[:, :act], out[:, act:]
        log_std = -5 + 0.5 * 7 * (torch.tanh(log_std) + 1)
        eps = torch.randn_like(mean)
        a = torch.tanh(mean + log_std.exp() * eps)
        logp = (-0.5 * eps ** 2 - log_std - 0.5 * math.log(2 * math.pi)).sum(1, keepdim=True)
        logp = logp - torch.log(1 - a ** 2 + 1e-6).sum(1, keepdim=True)
        return a, logp

    def sac_update():
        o, a, r = torch.randn(b, obs), torch.rand(b, act) * 2 - 1, torch.randn(b, 1)
        o2, d = torch.randn(b, obs), torch.zeros(b, 1)
        alpha = log_alpha.exp().detach()
        with torch.no_grad():
            a2, logp2 = sample(o2)
            x2 = torch.cat([o2, a2], 1)
            y = r + 0.99 * (1 - d) * (torch.min(t1(x2), t2(x2)) - alpha * logp2)
        x = torch.cat([o, a], 1)
        q_loss = F.mse_loss(q1(x), y) + F.mse_loss(q2(x), y)
        q_opt.zero_grad()
        q_loss.backward()
        q_opt.step()
        a_new, logp = sample(o)
        xn = torch.cat([o, a_new], 1)
        pi_loss = (alpha * logp - torch.min(q1(xn), q2(xn))).mean()
        a_opt.zero_grad()
        pi_loss.backward()
        a_opt.step()
        al_loss = -(log_alpha * (logp.detach() - act)).mean()
        al_opt.zero_grad()
        al_loss.backward()
        al_opt.step()
        with torch.no_grad():
            for net, tgt in ((q1, t1), (q2, t2)):
                for p, tp in zip(net.parameters(), tgt.parameters()):
                    tp.mul_(1 - 1e-3).add_(1e-3 * p)

    vae = Vae()
    v_opt = torch.optim.Adam(vae.parameters(), lr=1e-3)
    vb = 128

    def vae_update():
        x = torch.rand(vb, 3, 48, 48)
        mean, log_var = vae.encode(x)
        z = mean + (0.5 * log_var).exp() * torch.randn_like(mean)
        recon = 0.5 * ((vae.decode(z) - x) ** 2).sum() / vb
        kl = 0.5 * (mean ** 2 + log_var.exp() - log_var - 1).sum() / vb
        loss = recon + 20 * kl
        v_opt.zero_grad()
        loss.backward()
        v_opt.step()

    def density():
        with torch.no_grad():
            x = torch.rand(vb, 3, 48, 48)
            mean, log_var = vae.encode(x)
            k = 10
            mean, log_var = mean.repeat_interleave(k, 0), log_var.repeat_interleave(k, 0)
            eps = torch.randn_like(mean)
            z = mean + (0.5 * log_var).exp() * eps
            xr = x.repeat_interleave(k, 0)
            log_px = -0.5 * ((vae.decode(z) - xr) ** 2).flatten(1).sum(1)
            terms = log_px - 0.5 * (z ** 2).sum(1) + 0.5 * (eps ** 2 + log_var).sum(1)
            torch.logsumexp(terms.view(vb, k), 1)

    print(json.dumps({
        "peer": "PyTorch %s CPU" % torch.__version__, "threads": threads,
        "sac_update_s": median_time(sac_update, 20),
        "vae_update_s": median_time(vae_update, 20),
        "density_per_image_s": median_time(density, 3) / vb,
    }))


if __name__ == "__main__":
    main()
