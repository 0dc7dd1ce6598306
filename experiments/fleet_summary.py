"""Held-out doors: tabulate `byfeel eval RUN --door …` reports of door policy runs.

    python experiments/fleet_summary.py LABEL=RUN [LABEL=RUN ...]

RUN is a run directory holding `eval-door-N/report.json` files (a fleet's `OUT/learner`, or any
Skew-Fit run). For each run: the share of episodes whose door ended within 0.1 rad of the goal
image's angle (the fleet issue's success), the task's own success (within 0.02 rad and the hand
within 3 cm), the mean final angle error, over every held-out door's episodes; then per label
(seeds of one condition) the mean and range of each, and per held-out door each label's 0.1-rad
success over all its runs. Standard library only.
"""

import json
import sys
from pathlib import Path


def run_summary(run: Path) -> dict:
    goals, doors, per_door = [], 0, {}
    for report in sorted(run.glob("eval-door-*/report.json")):
        door = int(report.parent.name.rsplit("-", 1)[1])
        if door < 1_000_000:
            continue  # training doors are not the question here
        doors += 1
        mine = json.loads(report.read_text())["goals"]
        goals += mine
        per_door[door] = [g["angle_error"] < 0.1 for g in mine]
    n = max(1, len(goals))
    return {
        "doors": doors,
        "episodes": len(goals),
        "within_0.1_rad": sum(g["angle_error"] < 0.1 for g in goals) / n,
        "task_success": sum(bool(g.get("success")) for g in goals) / n,
        "mean_angle_error": sum(g["angle_error"] for g in goals) / n,
        "per_door": per_door,
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
        by_label.setdefault(label or path, []).append(s)
        print(f"| {label} {path} | {s['doors']} | {s['episodes']} | {100 * s['within_0.1_rad']:.0f} % "
              f"| {100 * s['task_success']:.0f} % | {s['mean_angle_error']:.3f} |")
    print("\n| condition | runs | within 0.1 rad: mean (range) | task success: mean (range) | mean angle error: mean (range) |")
    print("|---|---|---|---|---|")
    for label, runs in by_label.items():
        cells = []
        for key, scale, fmt in (("within_0.1_rad", 100, ".0f"), ("task_success", 100, ".0f"),
                                ("mean_angle_error", 1, ".3f")):
            v = [scale * r[key] for r in runs]
            unit = " %" if scale == 100 else ""
            cells.append(f"{sum(v) / len(v):{fmt}}{unit} ({min(v):{fmt}}–{max(v):{fmt}}{unit})")
        print(f"| {label} | {len(runs)} | " + " | ".join(cells) + " |")
    doors = sorted({d for runs in by_label.values() for r in runs for d in r["per_door"]})
    print("\n| held-out door | " + " | ".join(by_label) + " |")
    print("|---|" + "---|" * len(by_label))
    for door in doors:
        cells = []
        for runs in by_label.values():
            hits = [h for r in runs for h in r["per_door"].get(door, [])]
            cells.append(f"{100 * sum(hits) / len(hits):.0f} %" if hits else "–")
        print(f"| {door} | " + " | ".join(cells) + " |")

if __name__ == "__main__":
    main()
