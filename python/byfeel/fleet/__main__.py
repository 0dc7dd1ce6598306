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
        "and writing its own store under OUT/robots/, and a learner (Skew-Fit, OUT/learner) "
        "training on every store and sending its policy back. Running the same command again "
        "continues the run from what the stores and the learner's checkpoint hold.",
    )
    p.add_argument("--robots", type=int, default=2, help="robots (Ray actors), default 2")
    p.add_argument("--doors", default="train",
                   help="'train' (robot K on training door K) or a comma list of door numbers; "
                        "held-out doors (from 1 000 000) are refused")
    p.add_argument("--out", required=True, help="the run directory")
    p.add_argument("--env-steps", type=int, default=10_000,
                   help="environment steps (actions) the stores hold at the end, all robots "
                        "together")
    p.add_argument("--no-learn", action="store_true",
                   help="no learner: the robots act at random (collection only)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a Skew-Fit setting for the learner, e.g. --set warmup_steps=2000 "
                        "--set sac.batch=256 (values in JSON)")
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
    try:
        skewfit = _settings(args.set)
    except ValueError as e:
        p.error(str(e))
    config = FleetConfig(robots=args.robots, doors=doors, env_steps=args.env_steps,
                         seed=args.seed, learn=not args.no_learn, skewfit=skewfit)

    def report(r):
        policy = "random" if r["version"] is None else f"policy of epoch {r['version']}"
        print(f"robot {r['robot']} (door {r['door']}): +{r['episodes']} episodes, "
              f"+{r['actions']} steps in {r['seconds']:.1f} s ({policy})", file=sys.stderr)

    try:
        status = run_fleet(config, args.out, address=args.address, on_report=report,
                           watch=args.watch, stop_on_sigterm=True)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        held = fleet_status(args.out)
        print(f"stopped: {args.out} holds {held['episodes']} episodes, {held['actions']} steps; "
              "the same command continues the run", file=sys.stderr)
        return 130
    print(f"{args.out}: {status['episodes']} episodes, {status['actions']} steps in the stores; "
          f"{status['steps_per_s']:.0f} steps/s this time")
    if "learner" in status:
        print(f"learner: {status['learner']['epochs']} epochs; its run is {args.out}/learner "
              f"(byfeel eval {args.out}/learner --door 1000000)")
    return 0


def _settings(pairs: list) -> dict:
    """``KEY=VALUE`` pairs (dotted keys, JSON values) as a nested dict."""
    out: dict = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--set {pair!r}: use KEY=VALUE")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            raise ValueError(f"--set {pair!r}: the value is not JSON (numbers, true, \"text\")")
        node = out
        *parents, last = key.split(".")
        for name in parents:
            node = node.setdefault(name, {})
        node[last] = parsed
    return out


if __name__ == "__main__":
    sys.exit(main())
