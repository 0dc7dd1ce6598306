"""Held-out doors: tabulate `byfeel eval RUN --door …` reports of door policy runs.

    python experiments/fleet_summary.py LABEL=RUN [LABEL=RUN ...]

RUN is a run directory holding `eval-door-N/report.json` files (a fleet's `OUT/learner`, or any
Skew-Fit run). For each run: the share of episodes whose door ended within 0.1 rad of the goal
image's angle (the fleet issue's success), the task's own success (within 0.02 rad and the hand
within 3 cm), the mean final angle error, over every held-out door's episodes; then per label
(seeds of one condition) the mean and range of the 0.1-rad success. Standard library only.
"""

import json
import sys
from pathlib import Path


def run_summary(run: Path) -> dict:
    goals, doors = [], 0
    for report in sorted(run.glob("eval-door-*/report.json")):
        door = int(report.parent.name.rsplit("-", 1)[1])
        if door < 1_000_000:
            continue  # training doors are not the question here
        doors += 1
        goals += json.loads(report.read_text())["goals"]
    n = max(1, len(goals))
    return {
        "doors": doors,
        "episodes": len(goals),
        "within_0.1_rad": sum(g["angle_error"] < 0.1 for g in goals) / n,
        "task_success": sum(bool(g.get("success")) for g in goals) / n,
        "mean_angle_error": sum(g["angle_error"] for g in goals) / n,
    }


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    by_label: dict = {}
    print("| run | held-out doors | episodes | within 0.1 rad | task success | mean angle error (rad) |")
    print("|---|---|---|---|---|---|")
    for arg in sys.argv[1:]:
        label, _, path = arg.rpartition("=")
        s = run_summary(Path(path))
        by_label.setdefault(label or path, []).append(s["within_0.1_rad"])
        print(f"| {label} {path} | {s['doors']} | {s['episodes']} | {100 * s['within_0.1_rad']:.0f} % "
              f"| {100 * s['task_success']:.0f} % | {s['mean_angle_error']:.3f} |")
    print()
    for label, rates in by_label.items():
        mean = sum(rates) / len(rates)
        print(f"{label}: within 0.1 rad {100 * mean:.0f} % over {len(rates)} runs "
              f"(range {100 * min(rates):.0f}–{100 * max(rates):.0f} %)")


if __name__ == "__main__":
    main()
