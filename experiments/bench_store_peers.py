"""Peers for `byfeel bench store`, on the same frames in the same run:

- zarr-python 3 appending the same episodes to arrays with the same chunks and codec (zstd 3 +
  checksum), and drawing the same random batches of 1024 steps (orthogonal indexing);
- a training step that consumes such a batch: Skew-Fit's 48x48 conv VAE (REFERENCES.md:
  convs 5/3/3, channels 16/32/64, strides 3/2/2, latent 16, Adam lr 1e-3) in PyTorch on the CPU,
  forward + backward + step on 1024 camera images.

Usage: python experiments/bench_store_peers.py BIG_STORE [--batch 1024]   (prints one JSON object)
Needs: numpy, zarr>=3, torch.
"""
import argparse
import json
import os
import shutil
import statistics
import tempfile
import time

import numpy as np


def median_time(fn, n):
    fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def zarr_write(src, fields, episodes):
    import zarr
    from zarr.codecs import ZstdCodec

    tmp = tempfile.mkdtemp()
    try:
        root = zarr.open_group(os.path.join(tmp, "peer.zarr"), mode="w")
        arrays = {}
        for name in fields:
            a = src[name]
            arrays[name] = root.create_array(
                name, shape=(0,) + a.shape[1:], chunks=a.chunks, dtype=a.dtype,
                compressors=[ZstdCodec(level=3, checksum=True)])
        steps = 0
        t = time.perf_counter()
        for ep in episodes:
            for name in fields:
                arrays[name].append(ep[name], axis=0)
            steps += len(ep[fields[0]])
        return steps / (time.perf_counter() - t), steps
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def vae_step_seconds(batch, threads):
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    latent = 16
    enc = nn.Sequential(
        nn.Conv2d(3, 16, 5, stride=3), nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2), nn.ReLU(),
        nn.Conv2d(32, 64, 3, stride=2), nn.ReLU(), nn.Flatten())
    heads = nn.Linear(64 * 3 * 3, 2 * latent)
    dec_in = nn.Linear(latent, 64 * 3 * 3)
    dec = nn.Sequential(
        nn.ConvTranspose2d(64, 32, 3, stride=2), nn.ReLU(),
        nn.ConvTranspose2d(32, 16, 3, stride=2), nn.ReLU(),
        nn.ConvTranspose2d(16, 3, 6, stride=3))
    params = [p for m in (enc, heads, dec_in, dec) for p in m.parameters()]
    opt = torch.optim.Adam(params, lr=1e-3)
    x = torch.rand(batch, 3, 48, 48)

    def step():
        mu, logvar = heads(enc(x)).chunk(2, dim=1)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        y = dec(dec_in(z).view(-1, 64, 3, 3))
        y = nn.functional.interpolate(y, size=(48, 48)) if y.shape[-1] != 48 else y
        rec = ((y - x) ** 2).sum(dim=(1, 2, 3)).mean()
        kl = -0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum(dim=1).mean()
        loss = rec + 20.0 * kl
        opt.zero_grad()
        loss.backward()
        opt.step()

    return median_time(step, 7)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--episodes", type=int, default=60)
    args = ap.parse_args()
    import zarr

    src = zarr.open_group(args.store, mode="r")
    fields = list(src.attrs["byfeel"]["schema"]["steps"])
    names = [f["name"] for f in fields]
    ends = src["episode_ends"][:]
    steps = int(ends[-1])
    # The first episodes, in memory, to append again.
    episodes = []
    for e in range(min(args.episodes, len(ends))):
        s, t = (0 if e == 0 else int(ends[e - 1])), int(ends[e])
        episodes.append({n: src[n][s:t] for n in names})
    write_fps, written = zarr_write(src, names, episodes)

    rng = np.random.default_rng(0)
    sample_fields = ["camera", "tactile", "proprio", "action", "reward"]

    def sample():
        idx = np.sort(rng.integers(0, steps, args.batch))
        return {n: src[n].get_orthogonal_selection((idx,)) for n in sample_fields}

    sample_s = median_time(sample, 5)
    threads = os.cpu_count() or 1
    out = {
        "peer": "zarr-python %s + torch" % zarr.__version__,
        "zarr_write_frames_per_s": write_fps,
        "zarr_written_steps": written,
        "zarr_sample_batch_s": sample_s,
        "batch": args.batch,
        "torch_threads": threads,
        "vae_train_step_s": vae_step_seconds(args.batch, threads),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
