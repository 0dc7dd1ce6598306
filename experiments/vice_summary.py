"""A table of VICE runs: when each first held success, how well it kept it, and its evaluation.

    python experiments/vice_summary.py runs/door-vice-s0 runs/door-vice-s1 ...

Per run (its log.jsonl and, if `byfeel eval` ran, eval/report.json): the first epoch in which at
least half the steps showed success by the simulator's truth, with its environment steps and
wall-clock; the share of the epochs after it that did too; the best epoch; the last epoch; and
the evaluation's success over its episodes. Standard library only.
"""

import json
import sys
from pathlib import Path


def summary(run):
    log = [json.loads(line) for line in open(Path(run) / "log.jsonl") if line.strip()]
    first = next((e for e in log if (e.get("success") or 0) >= 0.5), None)
    after = [e for e in log if first and e["epoch"] > first["epoch"]]
    kept = sum((e.get("success") or 0) >= 0.5 for e in after) / len(after) if after else None
    report = Path(run) / "eval" / "report.json"
    evaluation = json.loads(report.read_text()) if report.exists() else None
    return {
        "run": Path(run).name,
        "first": f'{first["env_steps"]:,} steps, {first["seconds"] / 60:.0f} min' if first else "never",
        "kept": f"{kept:.0%} of {len(after)}" if kept is not None else "-",
        "best": f'{max((e.get("success") or 0) for e in log):.0%}',
        "last": f'{log[-1]["env_steps"]:,} steps',
        "eval": f'{evaluation["success"]:.0%} of {evaluation["episodes"]} (median {evaluation["median_distance"]:.3f})'
        if evaluation else "-",
    }


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rows = [summary(r) for r in sys.argv[1:]]
    print("| run | first epoch ≥ 50 % success | later epochs ≥ 50 % | best epoch | trained to | eval success |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f'| {r["run"]} | {r["first"]} | {r["kept"]} | {r["best"]} | {r["last"]} | {r["eval"]} |')


if __name__ == "__main__":
    main()
