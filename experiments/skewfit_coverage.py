"""Does the skew matter? Skew-Fit (alpha = -0.5) against RIG (alpha = 0) on the reset-free door,
the same schedule and seeds, compared by how evenly the door angles reached are spread
(entropy of a 20-bin histogram over 0-1.05 rad, divided by log 20) at equal environment steps.

    python experiments/skewfit_coverage.py OUT [--env-steps 10000] [--seeds 0 1 2] [--jobs 2]
                                            [--paper] [--svg docs/skewfit-coverage.svg] [--at STEPS]

Two coverages are reported per run: over every step, and over the steps the policy chose
(after the random warm-up, which is the same for both alphas at a given seed, so only this
part can differ), with the share of steps the door stood past 0.1 rad, also over the run's
second half alone, and how many of the policy's epochs left the door shut throughout (with the
coverage of the epochs that moved it). The alphas are compared seed by seed (mean difference,
its standard error, and in how many seeds Skew-Fit is ahead). Each run also ends with an
evaluation on 10 goal images, to show whether its policy had learned to reach goals at all.

Without --paper the schedule is shrunk to fit a 2-core CPU (2500 random warm-up steps, SAC
batch 256 and 500 updates per epoch, VAE 300 then 100 batches, the skew from epoch 5); --paper
uses the paper's door settings (~1 hour per run to SAC's start on that CPU). Runs go --jobs at
a time, one thread each; running the command again resumes unfinished runs and skips
finished ones (with a larger --env-steps it carries them on from their checkpoints). --at STEPS
starts nothing and compares the runs as their logs stood at STEPS environment steps, finished or
still going (its evaluation is the one the run logged at that epoch, on the same 10 goals). Needs
nothing beyond the Python standard library and byfeel.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BINS, RANGE = 20, 1.05
SHRUNK = dict(
    warmup_steps=2500, updates_per_epoch=500, vae_batches_early=300, vae_batches_late=100,
    skew_after_epoch=5, eval_goals=0, sac={"batch": 256},
)
ALPHAS = (-0.5, 0.0)


def evenness(counts):
    total = sum(counts)
    if total == 0:
        return 0.0
    h = -sum(c / total * math.log(c / total) for c in counts if c)
    # max() keeps a single filled bin from printing as -0.000.
    return max(0.0, h / math.log(len(counts)))


def run_one(run, alpha, seed, env_steps, paper):
    from byfeel.agents import SkewFit
    settings = {} if paper else dict(SHRUNK)
    agent = SkewFit.train(run, env_steps=env_steps, alpha=alpha, seed=seed, progress=False, **settings)
    report = agent.evaluate(goals=10)
    (Path(run) / "final_eval.json").write_text(json.dumps(report))


def shut_epochs(rows, warmup_steps):
    """How the policy's epochs split between those that left the door shut throughout (every
    step in the first bin, below 0.0525 rad) and those that moved it, with the coverage of the
    latter alone. A reset-free hand that has lost the bar leaves the door shut for whole epochs,
    and such stretches weigh on a run's coverage whatever its goals were."""
    epochs, shut, moved, before = 0, 0, [0] * BINS, None
    for r in rows:
        counts = r["angle_counts"]
        if before is not None:
            step = [a - b for a, b in zip(counts, before)]
            epochs += 1
            if sum(step[1:]) == 0:
                shut += 1
            else:
                moved = [m + d for m, d in zip(moved, step)]
        # The first epoch end at or past the warm-up's end starts the policy's part.
        if r["env_steps"] >= warmup_steps:
            before = counts
    return dict(shut_share=shut / max(1, epochs), moving_coverage=evenness(moved))


def summarise(run, at=None):
    rows = [json.loads(l) for l in open(Path(run) / "log.jsonl") if l.strip()]
    config = json.load(open(Path(run) / "skewfit.json"))
    if at is not None:
        if not rows or rows[-1]["env_steps"] < at:
            sys.exit(f"{run} has reached {rows[-1]['env_steps'] if rows else 0} steps, not {at}")
        rows = [r for r in rows if r["env_steps"] <= at]
    last = rows[-1]
    # The policy's steps: from the first epoch end at or past the warm-up's end (never counting
    # a random step as the policy's).
    warm = [r for r in rows if r["env_steps"] >= config["warmup_steps"]]
    before = warm[0]["angle_counts"] if warm else last["angle_counts"]
    policy = [a - b for a, b in zip(last["angle_counts"], before)]
    # The run's second half: what the most-trained policy did with the door.
    half = [r for r in rows if r["env_steps"] <= last["env_steps"] // 2]
    late = [a - b for a, b in zip(last["angle_counts"], half[-1]["angle_counts"] if half else [0] * BINS)]
    # Read at a step count, a run's evaluation is the one it logged then (the same 10 goals).
    ev = Path(run) / "final_eval.json"
    if at is not None:
        evaluation = rows[-1]["eval"]
    elif ev.exists():
        evaluation = json.loads(ev.read_text())
    else:
        evaluation = None
    return dict(
        env_steps=last["env_steps"],
        coverage=last["angle_coverage"],
        policy_coverage=evenness(policy),
        policy_counts=policy,
        # Bins from 0.105 rad up: the door clearly open.
        policy_open=sum(policy[2:]) / max(1, sum(policy)),
        late_open=sum(late[2:]) / max(1, sum(late)),
        max_angle=last["max_angle"],
        **shut_epochs(rows, config["warmup_steps"]),
        curve=[(r["env_steps"], r["angle_coverage"]) for r in rows],
        eval=evaluation,
    )


def compare(results, seeds, key):
    """Skew-Fit minus RIG in `key`, seed by seed: each seed's pair shares its warm-up, so the
    pairs are compared rather than two pooled means."""
    d = [results[(-0.5, s)][key] - results[(0.0, s)][key] for s in seeds]
    sd = statistics.stdev(d) if len(d) > 1 else 0.0
    return dict(differences=d, mean=statistics.mean(d), sd=sd, se=sd / math.sqrt(len(d)),
                ahead=sum(x > 0 for x in d))


def finished(run, env_steps):
    log = Path(run) / "log.jsonl"
    if not (Path(run) / "final_eval.json").exists() or not log.exists():
        return False
    lines = [l for l in open(log) if l.strip()]
    return bool(lines) and json.loads(lines[-1])["env_steps"] >= env_steps


def svg(path, results):
    colours = {-0.5: "#d62728", 0.0: "#1f77b4"}
    names = {-0.5: "Skew-Fit (α −0.5)", 0.0: "RIG (α 0)"}
    w, h, pad = 440, 280, 52
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * w}" height="{h + 30}" '
           'font-family="sans-serif" font-size="11">', '<rect width="100%" height="100%" fill="white"/>']
    # Left: coverage over all steps against environment steps, one line per run.
    xmax = max(s for r in results.values() for s, _ in r["curve"])
    ymax = max(0.05, max(c for r in results.values() for _, c in r["curve"])) * 1.1
    fx = lambda x: pad + (w - 1.5 * pad) * x / xmax
    fy = lambda y: h - pad + 10 - (h - 1.5 * pad) * y / ymax
    out.append(f'<text x="{pad}" y="16" font-size="13">door-angle coverage, all steps (entropy / log 20)</text>')
    out.append(f'<line x1="{pad}" y1="{fy(0)}" x2="{fx(xmax)}" y2="{fy(0)}" stroke="black"/>')
    out.append(f'<line x1="{pad}" y1="{fy(0)}" x2="{pad}" y2="{fy(ymax)}" stroke="black"/>')
    for t in range(5):
        y = ymax * t / 4
        out.append(f'<text x="{pad - 6}" y="{fy(y) + 4}" text-anchor="end">{y:.2f}</text>')
        x = xmax * t / 4
        out.append(f'<text x="{fx(x)}" y="{fy(0) + 16}" text-anchor="middle">{x:.0f}</text>')
    out.append(f'<text x="{fx(xmax / 2)}" y="{h + 4}" text-anchor="middle">environment steps</text>')
    for (alpha, seed), r in sorted(results.items()):
        pts = " ".join(f"{fx(s):.1f},{fy(c):.1f}" for s, c in r["curve"])
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colours[alpha]}" stroke-width="1.5"/>')
    for i, alpha in enumerate(ALPHAS):
        out.append(f'<text x="{fx(xmax) - 4}" y="{36 + 14 * i}" text-anchor="end" fill="{colours[alpha]}">{names[alpha]}</text>')
    # Right: where the policy took the door, summed over seeds (share of steps, log scale).
    x0 = w
    out.append(f'<text x="{x0 + pad}" y="16" font-size="13">share of policy steps per door angle (all seeds)</text>')
    lo = 1e-4
    gy = lambda v: h - pad + 10 - (h - 1.5 * pad) * (math.log10(max(v, lo)) - math.log10(lo)) / -math.log10(lo)
    bw = (w - 1.5 * pad) / BINS
    out.append(f'<line x1="{x0 + pad}" y1="{gy(lo)}" x2="{x0 + pad + bw * BINS}" y2="{gy(lo)}" stroke="black"/>')
    for e in range(-4, 1):
        out.append(f'<text x="{x0 + pad - 6}" y="{gy(10 ** e) + 4}" text-anchor="end">1e{e}</text>')
    for k in range(0, BINS + 1, 5):
        out.append(f'<text x="{x0 + pad + bw * k}" y="{gy(lo) + 16}" text-anchor="middle">{RANGE * k / BINS:.2f}</text>')
    out.append(f'<text x="{x0 + w / 2}" y="{h + 4}" text-anchor="middle">door angle (rad)</text>')
    for i, alpha in enumerate(ALPHAS):
        counts = [sum(r["policy_counts"][b] for (a, _), r in results.items() if a == alpha) for b in range(BINS)]
        total = max(1, sum(counts))
        for b, c in enumerate(counts):
            if c:
                x = x0 + pad + bw * b + i * bw / 2
                out.append(f'<rect x="{x:.1f}" y="{gy(c / total):.1f}" width="{bw / 2 - 1:.1f}" '
                           f'height="{gy(lo) - gy(c / total):.1f}" fill="{colours[alpha]}"/>')
        out.append(f'<text x="{x0 + w - pad}" y="{36 + 14 * i}" text-anchor="end" fill="{colours[alpha]}">{names[alpha]}</text>')
    out.append("</svg>")
    Path(path).write_text("\n".join(out))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out")
    p.add_argument("--env-steps", type=int, default=10000)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--jobs", type=int, default=2, help="runs at once, one thread each")
    p.add_argument("--paper", action="store_true")
    p.add_argument("--svg", help="also draw the coverage curves and angle histograms here")
    p.add_argument("--at", type=int, help="start nothing; compare the runs as they stood at this many steps")
    p.add_argument("--child", nargs=2, type=float, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        alpha, seed = args.child
        run_one(os.path.join(args.out, f"alpha{alpha}-seed{int(seed)}"), alpha, int(seed), args.env_steps, args.paper)
        return

    todo = [(a, s) for s in args.seeds for a in ALPHAS]
    running = []
    env = dict(os.environ, RAYON_NUM_THREADS="1", LP_NUM_THREADS="1") if args.jobs > 1 else os.environ
    for alpha, seed in todo if args.at is None else []:
        run = os.path.join(args.out, f"alpha{alpha}-seed{seed}")
        if finished(run, args.env_steps):
            continue
        while len(running) >= args.jobs:
            # Start the next run as soon as any one ends, not when the oldest does.
            running = [proc for proc in running if proc.poll() is None]
            if len(running) >= args.jobs:
                time.sleep(5)
        cmd = [sys.executable, __file__, args.out, "--env-steps", str(args.env_steps), "--child", str(alpha), str(seed)]
        if args.paper:
            cmd.append("--paper")
        print(f"start alpha {alpha:+.1f} seed {seed}", flush=True)
        running.append(subprocess.Popen(cmd, env=env))
    for proc in running:
        proc.wait()

    results = {}
    for alpha, seed in todo:
        run = os.path.join(args.out, f"alpha{alpha}-seed{seed}")
        if args.at is None and not finished(run, args.env_steps):
            sys.exit(f"{run} did not finish: see its log, or run this command again to resume it")
        results[(alpha, seed)] = r = summarise(run, args.at)
        e = r["eval"]
        print(f"alpha {alpha:+.1f} seed {seed}: coverage {r['coverage']:.3f} (policy's steps {r['policy_coverage']:.3f}, "
              f"door past 0.1 rad in {100 * r['policy_open']:.1f} %, in the second half "
              f"{100 * r['late_open']:.1f} %; door shut throughout {100 * r['shut_share']:.0f} % of its "
              f"epochs, coverage of the others {r['moving_coverage']:.3f}), largest angle {r['max_angle']:.2f} rad "
              f"after {r['env_steps']} steps; eval angle error {e['angle_error']:.3f} rad, "
              f"hand {e['hand_distance']:.3f} m", flush=True)
    print("\n| α | coverage, all steps (per seed) | mean | coverage, policy's steps (per seed) | mean | door past 0.1 rad, policy's steps | the same, second half | eval angle error |")
    print("|---|---|---|---|---|---|---|---|")
    for alpha in ALPHAS:
        rs = [results[(alpha, s)] for s in args.seeds]
        cov = [r["coverage"] for r in rs]
        pol = [r["policy_coverage"] for r in rs]
        print(f"| {alpha:+.1f} | {', '.join(f'{c:.3f}' for c in cov)} | {statistics.mean(cov):.3f} "
              f"| {', '.join(f'{c:.3f}' for c in pol)} | {statistics.mean(pol):.3f} "
              f"| {', '.join('%.1f %%' % (100 * r['policy_open']) for r in rs)} "
              f"| {', '.join('%.1f %%' % (100 * r['late_open']) for r in rs)} "
              f"| {', '.join('%.3f' % r['eval']['angle_error'] for r in rs)} |")
    paired = {}
    for key, name in (("coverage", "coverage over all steps"), ("policy_coverage", "coverage over the policy's steps"),
                      ("moving_coverage", "coverage over the policy's epochs that moved the door"),
                      ("shut_share", "share of the policy's epochs with the door shut throughout")):
        paired[key] = p = compare(results, args.seeds, key)
        print(f"Skew-Fit minus RIG, {name}: mean {p['mean']:+.3f} "
              f"(sd {p['sd']:.3f}; standard error {p['se']:.3f}), ahead in {p['ahead']} of {len(args.seeds)} seeds")
    summary = {f"{a}/{s}": {k: v for k, v in r.items() if k != "curve"} for (a, s), r in results.items()}
    summary["paired"] = paired
    name = "coverage.json" if args.at is None else f"coverage-at-{args.at}.json"
    json.dump(summary, open(os.path.join(args.out, name), "w"), indent=1)
    if args.svg:
        svg(args.svg, results)
        print(f"drew {args.svg}")


if __name__ == "__main__":
    main()
