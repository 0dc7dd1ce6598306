"""Does the skew matter? Skew-Fit (alpha = -0.5) against RIG (alpha = 0) on the reset-free door,
the same schedule and seeds, compared by how evenly the door angles reached are spread
(entropy of a 20-bin histogram over 0-1.05 rad, divided by log 20) at equal environment steps.

Usage: python examples/skewfit_coverage.py OUT [--env-steps 5000] [--seeds 0 1 2] [--paper]

Without --paper the schedule is shrunk to fit a CPU (SAC batch 256, 200 updates per epoch, VAE
200 then 50 batches, the skew from epoch 2); --paper uses the paper's door settings.
"""
import argparse
import csv
import os
import statistics

from byfeel.agents import SkewFit


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--env-steps", type=int, default=5000)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--paper", action="store_true")
    args = p.parse_args()
    shrunk = {} if args.paper else dict(
        warmup_steps=1000, updates_per_epoch=200, vae_batches_early=200, vae_batches_late=50,
        skew_after_epoch=2, eval_goals=0, sac={"batch": 256},
    )
    rows = {}
    for alpha in (-0.5, 0.0):
        for seed in args.seeds:
            run = os.path.join(args.out, f"alpha{alpha}-seed{seed}")
            SkewFit.train(run, env_steps=args.env_steps, alpha=alpha, seed=seed, progress=False, **shrunk)
            with open(os.path.join(run, "scalars.csv")) as f:
                last = list(csv.DictReader(f))[-1]
            rows.setdefault(alpha, []).append((seed, float(last["angle_coverage"]), float(last["max_angle"])))
            print(f"alpha {alpha:+.1f} seed {seed}: coverage {float(last['angle_coverage']):.3f}, "
                  f"max angle {float(last['max_angle']):.3f} rad after {last['env_steps']} steps", flush=True)
    print("| alpha | coverage per seed | mean |")
    print("|---|---|---|")
    for alpha, r in rows.items():
        cov = [c for _, c, _ in r]
        print(f"| {alpha:+.1f} | {', '.join(f'{c:.3f}' for c in cov)} | {statistics.mean(cov):.3f} |")


if __name__ == "__main__":
    main()
