"""Plot VICE runs (their scalars.csv) against environment steps, as one SVG.

    python experiments/plot_vice.py docs/vice-door.svg "VICE=runs/door-vice-s0" "VICE=runs/door-vice-s1" \\
        "true reward=runs/door-oracle-s0"

Runs given the same LABEL (seeds of one method) share a colour. Panels: the share of each
epoch's steps that showed success by the simulator's truth (what the agent never sees), the
nearest each epoch came to success, and the classifier's mean logit on the examples and on
the epoch's visited pictures (the reward where the robot went). Standard library only.
"""

import sys
from pathlib import Path

from plot_skewfit import COLOURS, H, W, panel, read, series

PANELS = [
    ("success", "share of steps showing success (truth)"),
    ("closest", "nearest to success (rad or m)"),
    ("example_logit", "classifier logit: the examples"),
    ("visited_logit", "classifier logit: where the robot went"),
]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    labels, runs = [], []
    for arg in sys.argv[2:]:
        label, _, path = arg.rpartition("=")
        label = label or Path(path).name
        if label not in labels:
            labels.append(label)
        runs.append((label, read(path)))
    width, height = 2 * (W + 10) + 10, 2 * (H + 10) + 40
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for k, (key, title) in enumerate(PANELS):
        x0, y0 = 10 + (k % 2) * (W + 10), 10 + (k // 2) * (H + 10)
        lines = [(l, series(r, key), labels.index(l)) for l, r in runs]
        svg += panel(x0, y0, title, lines, key, None)
    y, x = height - 18, 14
    for i, label in enumerate(labels):
        n = sum(1 for l, _ in runs if l == label)
        c = COLOURS[i % len(COLOURS)]
        svg.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 22}" y2="{y - 4}" stroke="{c}" stroke-width="3"/>')
        svg.append(f'<text x="{x + 28}" y="{y}" font-size="12">{label} ({n} seed{"s" if n > 1 else ""})</text>')
        x += 110 + 8 * len(label)
    svg.append(f'<text x="{width - 12}" y="{y}" text-anchor="end" font-size="11">x: environment steps</text>')
    svg.append("</svg>")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(svg))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
