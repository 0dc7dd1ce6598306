"""``python -m byfeel.fleet``: a fleet of robots on Ray, each practising on its own door."""

from __future__ import annotations

import argparse
import json
import sys

from byfeel.doors import training_doors

from .run import FleetConfig, fleet_status, run_fleet


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m byfeel.fleet",
        description="Robots as Ray actors, each practising on its own door of the door family "
        "and writing its own store under OUT/robots/. Running the same command again "
        "continues the run from what the stores hold.",
    )
    p.add_argument("--robots", type=int, default=2, help="robots (Ray actors), default 2")
    p.add_argument("--doors", default="train",
                   help="'train' (robot K on training door K) or a comma list of door numbers; "
                        "held-out doors (from 1 000 000) are refused")
    p.add_argument("--out", required=True, help="the run directory")
    p.add_argument("--env-steps", type=int, default=10_000,
                   help="environment steps the stores hold at the end, all robots together")
    p.add_argument("--address", default=None,
                   help="a Ray cluster's address (ray://HOST:10001, or HOST:6379 on a node); "
                        "default: RAY_ADDRESS, else a local Ray started here")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--watch", default=None, metavar="HOST:PORT",
                   help="serve a live page of every robot's latest pictures and the progress")
    p.add_argument("--status", action="store_true", help="print what the stores hold and exit")
    args = p.parse_args(argv)
    if args.robots < 1:
        p.error("--robots must be at least 1")
    if args.status:
        print(json.dumps(fleet_status(args.out), indent=2))
        return 0
    try:
        doors = training_doors(args.robots) if args.doors == "train" else [
            int(d) for d in args.doors.split(",")
        ]
    except ValueError:
        p.error(f"--doors {args.doors!r}: 'train' or door numbers separated by commas")
    config = FleetConfig(robots=args.robots, doors=doors, env_steps=args.env_steps, seed=args.seed)

    def report(r):
        print(f"robot {r['robot']} (door {r['door']}): +{r['episodes']} episodes, "
              f"+{r['steps']} steps in {r['seconds']:.1f} s", file=sys.stderr)

    try:
        status = run_fleet(config, args.out, address=args.address, on_report=report,
                           watch=args.watch)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{args.out}: {status['episodes']} episodes, {status['steps']} steps in the stores; "
          f"{status['steps_per_s']:.0f} steps/s this time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
