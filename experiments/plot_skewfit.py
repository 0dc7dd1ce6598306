"""Plot Skew-Fit runs (their scalars.csv) against environment steps, as one SVG.

Needs nothing beyond the Python standard library, so it runs wherever a run was trained.

    python experiments/plot_skewfit.py docs/skewfit-door.svg "Skew-Fit=runs/door-a" "RIG=runs/door-rig"

Panels: the evaluation's door-angle error (with the paper's 0.05 rad target line), the hand's
distance to its goal, the coverage of door angles reached while exploring, and the evenness
of the skewed weights. A run is LABEL=DIR or just DIR. Where DIR also holds
`eval-50-goals.jsonl` (one `byfeel eval RUN --episodes 50` report per line, with `env_steps`
added), the two evaluation panels show those as dots: the per-epoch evaluation uses only 10
goals, and on 50 its mean moves less from one evaluation to the next.
"""

import csv
import json
import math
import sys
from pathlib import Path

PANELS = [
    ("eval_angle_error", "final door-angle error (rad)", 0.05),
    ("eval_hand_distance", "final hand distance (m)", 0.03),
    ("angle_coverage", "door-angle coverage (entropy / log 20)", None),
    ("skew_evenness", "evenness of the skewed weights", None),
]
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
W, H, PAD = 420, 260, 48


def read(run_dir):
    rows = list(csv.DictReader(open(Path(run_dir) / "scalars.csv")))
    if not rows:
        sys.exit(f"{run_dir}/scalars.csv has no epochs yet")
    return rows


# The 50-goal reports' fields for the per-epoch evaluation's columns.
WIDE_EVAL = {"eval_angle_error": "angle_error", "eval_hand_distance": "hand_distance"}


def read_wide_eval(run_dir):
    path = Path(run_dir) / "eval-50-goals.jsonl"
    if not path.exists():
        return []
    return sorted((json.loads(line) for line in open(path) if line.strip()), key=lambda r: r["env_steps"])


def series(rows, key):
    out = []
    for r in rows:
        v = r.get(key, "")
        if v not in ("", None):
            out.append((float(r["env_steps"]), float(v)))
    return out


def panel(x0, y0, title, runs, key, target, dots=()):
    lines = [run[1] for run in runs] + [d for d in dots]
    pts = [p for s in lines for p in s]
    parts = [
        f'<rect x="{x0}" y="{y0}" width="{W}" height="{H}" fill="white" stroke="#ccc"/>',
        f'<text x="{x0 + W / 2}" y="{y0 + 16}" text-anchor="middle" font-size="13">{title}</text>',
    ]
    if not pts:
        parts.append(f'<text x="{x0 + W / 2}" y="{y0 + H / 2}" text-anchor="middle" font-size="12">no data yet</text>')
        return parts
    xmax = max(p[0] for p in pts) or 1.0
    ymax = max([p[1] for p in pts] + ([target] if target else []))
    ymax = ymax * 1.05 if ymax > 0 else 1.0
    ymin = min([0.0] + [p[1] for p in pts])
    ymin = ymin * 1.05
    sx = lambda x: x0 + PAD + (W - PAD - 12) * x / xmax
    sy = lambda y: y0 + H - 28 - (H - 28 - 28) * (y - ymin) / (ymax - ymin)
    for i in range(5):
        y = ymin + (ymax - ymin) * i / 4
        parts.append(f'<line x1="{sx(0)}" y1="{sy(y)}" x2="{sx(xmax)}" y2="{sy(y)}" stroke="#eee"/>')
        parts.append(f'<text x="{sx(0) - 4}" y="{sy(y) + 4}" text-anchor="end" font-size="10">{y:.3g}</text>')
    for i in range(5):
        x = xmax * i / 4
        parts.append(f'<text x="{sx(x)}" y="{y0 + H - 12}" text-anchor="middle" font-size="10">{x / 1000:.0f}k</text>')
    if target is not None:
        parts.append(
            f'<line x1="{sx(0)}" y1="{sy(target)}" x2="{sx(xmax)}" y2="{sy(target)}" '
            f'stroke="#999" stroke-dasharray="5,4"/>'
        )
    for i, run in enumerate(runs):
        s = run[1]
        if not s:
            continue
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in s)
        # A third element picks the colour, so that seeds of one method share it.
        c = COLOURS[(run[2] if len(run) > 2 else i) % len(COLOURS)]
        parts.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="1.8"/>')
    for i, d in enumerate(dots):
        c = COLOURS[i % len(COLOURS)]
        parts += [f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{c}" stroke="black" stroke-width="0.6"/>' for x, y in d]
    return parts


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    runs, wide = [], []
    for arg in sys.argv[2:]:
        label, _, path = arg.rpartition("=")
        runs.append((label or Path(path).name, read(path)))
        wide.append(read_wide_eval(path))
    cols = 2
    rows_n = math.ceil(len(PANELS) / cols)
    width, height = cols * (W + 10) + 10, rows_n * (H + 10) + 40
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for k, (key, title, target) in enumerate(PANELS):
        x0 = 10 + (k % cols) * (W + 10)
        y0 = 10 + (k // cols) * (H + 10)
        dots = [[(r["env_steps"], r[WIDE_EVAL[key]]) for r in w] if key in WIDE_EVAL else [] for w in wide]
        svg += panel(x0, y0, title, [(l, series(r, key)) for l, r in runs], key, target, dots)
    # Legend, with the x axis's meaning.
    y = height - 18
    x = 14
    for i, (label, rows) in enumerate(runs):
        c = COLOURS[i % len(COLOURS)]
        svg.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 22}" y2="{y - 4}" stroke="{c}" stroke-width="3"/>')
        svg.append(f'<text x="{x + 28}" y="{y}" font-size="12">{label} ({rows[-1]["env_steps"]} steps)</text>')
        x += 40 + 8 * (len(label) + 14)
    svg.append(f'<text x="{width - 12}" y="{y}" text-anchor="end" font-size="11">x: environment steps; dashed: the success target'
               f'{"; dots: 50 goal images" if any(wide) else ""}</text>')
    svg.append("</svg>")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(svg))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
