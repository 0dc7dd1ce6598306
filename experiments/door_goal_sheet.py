"""A row of the door task's goal images from shut to fully open, as the door camera sees them.

Run: ``python experiments/door_goal_sheet.py OUT.png [--goals 40] [--shown 8] [--scale 3]``
(needs ``pip install ./python``; ``BYFEEL_ASSETS`` picks another scene folder). Prints the door
angle of each image shown. Needs only numpy beyond byfeel: the PNG is written by hand.
"""

import argparse
import struct
import zlib

import numpy as np

from byfeel.envs import ByfeelEnv


def write_png(path: str, rgb: np.ndarray) -> None:
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--goals", type=int, default=40, help="goal images drawn")
    parser.add_argument("--shown", type=int, default=8, help="of which this many are shown")
    parser.add_argument("--scale", type=int, default=3, help="pixels per image pixel")
    args = parser.parse_args()
    env = ByfeelEnv("DoorOpen", obs_mode="goal", width=48, height=48)
    obs, _ = env.reset(seed=0, options={"hard_reset": True})
    frames = [(0.0, obs["image_observation"])]
    for _ in range(args.goals):
        # The reset-free door: a reset without a seed only proposes a new goal.
        obs, _ = env.reset()
        frames.append((float(obs["desired_goal"][0]), obs["image_desired_goal"]))
    frames.sort(key=lambda f: f[0])
    shown = [frames[round(i * (len(frames) - 1) / (args.shown - 1))] for i in range(args.shown)]
    print("door angles (rad):", " ".join(f"{a:.2f}" for a, _ in shown))
    row = np.concatenate([np.asarray(im, dtype=np.uint8).reshape(48, 48, 3) for _, im in shown], axis=1)
    write_png(args.out, row.repeat(args.scale, 0).repeat(args.scale, 1))


if __name__ == "__main__":
    main()
