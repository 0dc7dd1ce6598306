"""Peer for `byfeel bench vice`: VICE's reference success classifier in PyTorch (CPU), timed the
same way — one classifier update (128 positive + 128 negative 48x48 RGB images, per-sample mixup
with lambda ~ Beta(1, 1), binary cross-entropy on logit - log_pi, Adam lr 1e-4 with weight decay
1e-3) and the reward evaluation (forward only on a batch of 256 images).

Usage: python experiments/bench_vice_peer.py [--quick]   (prints one JSON object; needs torch)
  --quick   about 0.5 s per measurement instead of 3 s (a smoke test, not a number to quote)
"""
import json
import os
import statistics
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(3, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(8, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2))
        self.head = nn.Sequential(
            nn.Linear(8 * 12 * 12, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1))

    def forward(self, x):
        return self.head(self.conv(x).flatten(1)).squeeze(1)


def median_time(fn, seconds):
    # Time-based rather than a fixed count, so a slow machine still gets several samples and a
    # fast one does not stop after a handful of noisy ones.
    fn()
    fn()
    ts = []
    start = time.perf_counter()
    while len(ts) < 5 or time.perf_counter() - start < seconds:
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def images(n):
    # Camera frames are uint8, so derive the floats from bytes like the Rust side does.
    return torch.randint(0, 256, (n, 3, 48, 48), dtype=torch.uint8).float() / 255


def main():
    seconds = 0.5 if "--quick" in sys.argv[1:] else 3.0
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    half, b = 128, 256

    net = Classifier()
    opt = torch.optim.Adam(net.parameters(), lr=1e-4, weight_decay=1e-3)
    x = torch.cat([images(half), images(half)])
    y = torch.cat([torch.ones(half), torch.zeros(half)])
    # Stands in for the policy's log-probabilities of the stored actions; constant for the bench.
    log_pi = torch.randn(b) - 2.0
    beta = torch.distributions.Beta(torch.tensor(1.0), torch.tensor(1.0))

    def classifier_update():
        # Mixup is part of each update in VICE, so its sampling and blending are timed.
        lam = beta.sample((b,))
        perm = torch.randperm(b)
        xm = lam.view(b, 1, 1, 1) * x + (1 - lam.view(b, 1, 1, 1)) * x[perm]
        ym = lam * y + (1 - lam) * y[perm]
        loss = F.binary_cross_entropy_with_logits(net(xm) - log_pi, ym)
        opt.zero_grad()
        loss.backward()
        opt.step()

    reward_x = images(b)

    def reward():
        with torch.no_grad():
            net(reward_x)

    per_batch = median_time(reward, seconds)
    print(json.dumps({
        # The wheel's local tag (+cu132 etc.) names the CUDA build, not what ran: this is CPU only.
        "peer": "PyTorch %s (CPU)" % torch.__version__.split("+")[0], "threads": threads, "batch": b,
        "classifier_update_s": median_time(classifier_update, seconds),
        "reward_per_batch_s": per_batch,
        "reward_per_image_s": per_batch / b,
    }))


if __name__ == "__main__":
    main()
