"""The fleet's driver: starts (or joins) Ray, keeps one practising actor per robot until the
stores hold the run's environment steps, and resumes from the stores when run again."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path
from typing import Callable, Optional

from byfeel.doors import check_training_doors, training_doors


@dataclasses.dataclass
class FleetConfig:
    """A fleet run's settings (``RUN/fleet.json``)."""

    robots: int = 2
    """Robots, one Ray actor each, each on its own door."""
    doors: list = dataclasses.field(default_factory=list)
    """Robot K's door is ``doors[K]``; empty: the training doors 0, 1, …, robots − 1."""
    env_steps: int = 10_000
    """Environment steps the stores hold when the run ends (all robots together)."""
    episodes_per_call: int = 10
    """Episodes a robot plays between reports to the driver (each call sets its scene and
    store up afresh, so fewer, longer calls waste less)."""
    task: str = "door-open"
    seed: int = 0
    width: int = 48
    height: int = 48

    def robot_doors(self) -> list:
        doors = list(self.doors) or training_doors(self.robots)
        if len(doors) != self.robots:
            raise ValueError(f"{len(doors)} doors for {self.robots} robots: give one door per robot")
        check_training_doors(doors)
        return doors


def store_path(run: Path, robot: int) -> Path:
    return Path(run) / "robots" / f"robot-{robot}"


def fleet_status(run) -> dict:
    """What the run's stores hold: committed episodes and steps, per robot and in all."""
    from byfeel.store import Store

    config = _read_config(Path(run))
    robots = []
    for k in range(config.robots if config else 0):
        path = store_path(Path(run), k)
        if path.exists():
            try:
                s = Store(path)
                robots.append({"robot": k, "episodes": s.num_episodes, "steps": s.num_steps})
                continue
            except (OSError, ValueError):
                pass
        robots.append({"robot": k, "episodes": 0, "steps": 0})
    return {
        "robots": robots,
        "episodes": sum(r["episodes"] for r in robots),
        "steps": sum(r["steps"] for r in robots),
    }


def _read_config(run: Path) -> Optional[FleetConfig]:
    path = run / "fleet.json"
    if not path.exists():
        return None
    return FleetConfig(**json.loads(path.read_text()))


def _settle_config(run: Path, config: FleetConfig) -> None:
    """Writes the run's settings, or checks them against the run being resumed (only the step
    budget may change)."""
    old = _read_config(run)
    if old is not None:
        mine = dataclasses.asdict(config) | {"env_steps": 0}
        theirs = dataclasses.asdict(old) | {"env_steps": 0}
        if mine != theirs:
            changed = sorted(k for k in mine if mine[k] != theirs[k])
            raise ValueError(
                f"{run} holds a fleet run with other settings ({', '.join(changed)}): "
                "choose another --out, or the same settings to continue it"
            )
    run.mkdir(parents=True, exist_ok=True)
    tmp = run / ".fleet.json.tmp"
    tmp.write_text(json.dumps(dataclasses.asdict(config), indent=2))
    os.replace(tmp, run / "fleet.json")


def run_fleet(
    config: FleetConfig,
    out,
    address: Optional[str] = None,
    on_report: Optional[Callable[[dict], None]] = None,
    init_kwargs: Optional[dict] = None,
    watch: Optional[str] = None,
) -> dict:
    """Runs the fleet into ``out`` until its stores hold ``config.env_steps`` steps; joins the
    Ray cluster at ``address`` (or the one ``ray.init`` finds) or starts a local one. Returns
    the final :func:`fleet_status` with the run's throughput. ``on_report`` sees every robot's
    report as it comes (and may, for instance, kill actors to test restarts). ``watch``
    (``HOST:PORT``) serves a live page of every robot's latest committed pictures and the
    fleet's progress (:class:`byfeel.Watch`)."""
    import ray

    run = Path(out)
    doors = config.robot_doors()
    _settle_config(run, config)
    if not ray.is_initialized():
        ray.init(address=address, ignore_reinit_error=True, **(init_kwargs or {}))
    robots = [
        PracticeRobotHandle(k, doors[k], config, run)
        for k in range(config.robots)
    ]
    page = _FleetPage(watch, run, robots) if watch else None
    start = time.perf_counter()
    first = fleet_status(run)["steps"]
    pending = {r.start(config.episodes_per_call): r for r in robots}
    log = open(run / "fleet-log.jsonl", "a")
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            robot = pending.pop(done[0])
            report = ray.get(done[0]) | {"robot": robot.index, "time": time.time()}
            log.write(json.dumps(report) + "\n")
            log.flush()
            if on_report:
                on_report(report | {"actor": robot.actor})
            held = fleet_status(run)["steps"]
            if page:
                page.show(robot.index, time.perf_counter() - start, held)
            if held < config.env_steps:
                pending[robot.start(config.episodes_per_call)] = robot
    finally:
        log.close()
    status = fleet_status(run)
    seconds = time.perf_counter() - start
    status["seconds"] = seconds
    status["steps_per_s"] = (status["steps"] - first) / seconds if seconds > 0 else 0.0
    if page:
        status["watch"] = page.watch.url
    return status


class PracticeRobotHandle:
    """The driver's hold on one robot's actor."""

    def __init__(self, index: int, door: int, config: FleetConfig, run: Path):
        from .actor import PracticeRobot

        self.index, self.door = index, door
        self.actor = PracticeRobot.remote(
            config.task, door, str(store_path(run, index)), config.seed + index,
            config.width, config.height,
        )

    def start(self, episodes: int):
        return self.actor.practise.remote(episodes)


class _FleetPage:
    """The fleet's watch page: each robot's last committed episode (its last camera and gel
    pictures, its goal) read back from its store, and the stores' step count."""

    def __init__(self, address: str, run: Path, robots: list):
        from byfeel import Watch

        self.watch = Watch(address, title=f"byfeel fleet: {run}", install=False)
        self.run = run
        self.pages = [self.watch.add_robot(f"robot {r.index} · door {r.door}") for r in robots]
        print(f"watch this fleet at {self.watch.url}", flush=True)

    def show(self, robot: int, seconds: float, steps: int) -> None:
        import numpy as np

        from byfeel.store import Store

        store = Store(store_path(self.run, robot))
        if store.num_episodes == 0:
            return
        last = store[store.num_episodes - 1]
        page = self.pages[robot]
        for view, key, frame in (("camera", "camera", -1), ("gel", "tactile", -1), ("goal", "goal_image", None)):
            if key in last:
                image = last[key] if frame is None else last[key][frame]
                self.watch.picture(page, view, np.ascontiguousarray(image))
        self.watch.point("fleet/steps in the stores", seconds, float(steps))
        self.watch.point(f"robot {robot}/episodes", seconds, float(store.num_episodes))
