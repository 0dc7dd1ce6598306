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
    """Environment steps (actions) the stores hold when the run ends, all robots together."""
    episodes_per_call: int = 2
    """Episodes a robot plays between reports to the driver; a robot takes the learner's
    newest policy at the start of each call."""
    learn: bool = True
    """A learner (Skew-Fit) trains on every store and sends its policy back; without one the
    robots act at random."""
    skewfit: dict = dataclasses.field(default_factory=dict)
    """Skew-Fit settings over the paper's door defaults (any subset of ``skewfit.json``'s
    fields, nested ones as dicts); its ``env_steps`` is the fleet's."""
    goals_per_robot: int = 32
    """Goal pictures of its own door the learner sends each robot with a policy."""
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

    def skewfit_config(self) -> dict:
        """The learner's Skew-Fit settings: the defaults, then ``skewfit``, then the fleet's
        budget and seed."""
        from byfeel import _native

        config = json.loads(_native.SkewFit.default_config())
        _merge(config, self.skewfit, "skewfit")
        config["env_steps"] = self.env_steps
        config["seed"] = self.seed
        return config


def _merge(base: dict, over: dict, where: str) -> None:
    for key, value in over.items():
        if key not in base:
            raise ValueError(f"{where}.{key}: no such Skew-Fit setting")
        if isinstance(base[key], dict) and isinstance(value, dict):
            _merge(base[key], value, f"{where}.{key}")
        else:
            base[key] = value


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
                robots.append({"robot": k, "episodes": s.num_episodes, "steps": s.num_steps,
                               "actions": s.num_steps - s.num_episodes})
                continue
            except (OSError, ValueError):
                pass
        robots.append({"robot": k, "episodes": 0, "steps": 0, "actions": 0})
    return {
        "robots": robots,
        "episodes": sum(r["episodes"] for r in robots),
        "steps": sum(r["steps"] for r in robots),
        "actions": sum(r["actions"] for r in robots),
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
    stop_on_sigterm: bool = False,
) -> dict:
    """Runs the fleet into ``out`` until its stores hold ``config.env_steps`` environment steps
    and, with ``config.learn``, the learner (``out/learner``, a Skew-Fit run) has learned from
    all of them; joins the Ray cluster at ``address`` (or the one ``ray.init`` finds) or starts
    a local one. Returns the final :func:`fleet_status` with the run's throughput.
    ``on_report`` sees every robot's report as it comes (and may, for instance, kill actors to
    test restarts). ``watch`` (``HOST:PORT``) serves a live page of every robot's latest
    committed pictures and the fleet's progress (:class:`byfeel.Watch`). With
    ``stop_on_sigterm`` (the command line's driver), SIGTERM stops the run as Ctrl-C does:
    ``KeyboardInterrupt`` after the robots closed their stores."""
    import ray

    run = Path(out)
    doors = config.robot_doors()
    skewfit = json.dumps(config.skewfit_config()) if config.learn else None
    _settle_config(run, config)
    if not ray.is_initialized():
        ray.init(address=address, ignore_reinit_error=True, **(init_kwargs or {}))
    if stop_on_sigterm:
        _stop_on_sigterm()  # after ray.init, which installs a SIGTERM handler of its own
    robots = [_RobotHandle(k, doors[k], config, run) for k in range(config.robots)]
    learner = _LearnerHandle(run, skewfit, config, doors) if config.learn else None
    page = _FleetPage(watch, run, robots) if watch else None
    start = time.perf_counter()
    first = fleet_status(run)["actions"]
    held = first
    pending = {}
    log = open(run / "fleet-log.jsonl", "a")

    def more(robot) -> None:
        if held < config.env_steps and (learner is None or not learner.behind(held)):
            pending[robot.start(config.episodes_per_call, learner and learner.bundle)] = robot
        else:
            idle.append(robot)

    idle: list = []
    try:
        for robot in robots:
            more(robot)
        while pending or (learner and not learner.done(held, held >= config.env_steps)):
            if learner and learner.call is None:
                learner.start(final=held >= config.env_steps and not pending)
            waiting = list(pending) + ([learner.call] if learner else [])
            done, _ = ray.wait(waiting, num_returns=1)
            if learner and done[0] == learner.call:
                progress = learner.finish_call()
                if page and progress["epoch"]:
                    page.learned(progress)
            else:
                robot = pending.pop(done[0])
                report = ray.get(done[0]) | {"robot": robot.index, "time": time.time()}
                log.write(json.dumps(report) + "\n")
                log.flush()
                if on_report:
                    on_report(report | {"actor": robot.actor,
                                        "learner": learner.actor if learner else None})
                held = fleet_status(run)["actions"]
                if page:
                    page.show(robot.index, held, (held - first) / (time.perf_counter() - start))
                more(robot)
            # Robots held back while the learner caught up go on once it has.
            waiting_robots, idle[:] = list(idle), []
            for robot in waiting_robots:
                more(robot)
            if page:
                page.progress(held, config.env_steps, learner and learner.progress, len(idle))
        if learner:
            ray.get(learner.actor.finish.remote())
    finally:
        log.close()
        _close(robots, learner)
    status = fleet_status(run)
    seconds = time.perf_counter() - start
    status["seconds"] = seconds
    status["steps_per_s"] = (status["actions"] - first) / seconds if seconds > 0 else 0.0
    if learner:
        status["learner"] = learner.progress
    if page:
        status["watch"] = page.watch.url
    return status


def _stop_on_sigterm() -> None:
    """Job schedulers (Slurm, systemd, ``kill``) stop a driver with SIGTERM: it stops as on
    Ctrl-C, so the robots close their stores before the driver exits (the learner resumes from
    its last checkpoint next time).
    A driver started in the background by a script inherits SIGINT ignored; Ctrl-C is restored."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _close(robots: list, learner) -> None:
    """Closes the robots' stores and ends the actors, so that a run started next finds the
    stores free."""
    import ray

    try:
        ray.get([r.actor.close.remote() for r in robots], timeout=60)
    except Exception:  # noqa: BLE001 - a robot that cannot close dies with its process below
        pass
    for actor in [r.actor for r in robots] + ([learner.actor] if learner else []):
        ray.kill(actor, no_restart=True)


class _RobotHandle:
    """The driver's hold on one robot's actor."""

    def __init__(self, index: int, door: int, config: FleetConfig, run: Path):
        from .actor import PracticeRobot

        self.index, self.door = index, door
        self.actor = PracticeRobot.remote(
            door, index, str(store_path(run, index)), config.seed + index, config.width,
            config.height,
        )

    def start(self, episodes: int, bundle=None):
        return self.actor.practise.remote(episodes, bundle)


class _LearnerHandle:
    """The driver's hold on the learner: its call in flight, the newest policy bundle (an
    object in Ray's store, sent to each robot from there) and how far it has learned."""

    def __init__(self, run: Path, skewfit: str, config: FleetConfig, doors: list):
        from .actor import Learner

        stores = [str(store_path(run, k)) for k in range(config.robots)]
        self.steps_per_epoch = json.loads(skewfit)["steps_per_epoch"]
        self.actor = Learner.remote(str(run / "learner"), skewfit, stores, doors[0],
                                    config.goals_per_robot)
        self.call = None
        self.bundle = None
        self.progress = {"epochs": 0, "env_steps": 0, "unlearned": 0}

    def start(self, final: bool) -> None:
        self.call, self.next_bundle = self.actor.step.remote(final)

    def finish_call(self) -> dict:
        import ray

        progress = ray.get(self.call)
        if progress["bundle"]:
            self.bundle = self.next_bundle
        self.call = None
        self.progress = progress
        return progress

    def behind(self, held: int) -> bool:
        """Whether the robots are more than two epochs ahead of what the learner learned
        from: they wait, so that each epoch learns from an epoch's worth of new steps, as one
        robot's Skew-Fit does."""
        learned = self.progress["env_steps"] - self.progress["unlearned"]
        return held - learned > 2 * self.steps_per_epoch

    def done(self, held: int, stores_full: bool) -> bool:
        """Whether the learner has learned from all ``held`` steps of the full stores."""
        p = self.progress
        return stores_full and self.call is None and p["env_steps"] >= held and p["unlearned"] == 0


class _FleetPage:
    """The fleet's watch page: each robot's last committed episode (its last camera and gel
    pictures, its goal) read back from its store, and curves over the steps in the stores: the
    fleet's speed, each robot's episodes and the learner's progress."""

    def __init__(self, address: str, run: Path, robots: list):
        from byfeel import Watch

        self.watch = Watch(address, title=f"byfeel fleet: {run}", install=False)
        self.run = run
        self.pages = [self.watch.add_robot(f"robot {r.index} · door {r.door}") for r in robots]
        print(f"watch this fleet at {self.watch.url}", flush=True)

    def show(self, robot: int, steps: int, steps_per_s: float) -> None:
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
        self.watch.point("fleet/steps per second since start", steps, steps_per_s)
        self.watch.point(f"robot {robot}/episodes", steps, float(store.num_episodes))

    def progress(self, held: int, goal: int, learner: dict | None, waiting: int) -> None:
        """Heads the page with how far the run is, and says so when robots wait for the
        learner (their pictures then stop changing)."""
        line = f"byfeel fleet: {self.run} · {held:,} of {goal:,} steps"
        if learner is not None:
            line += f" · learner epoch {learner['epochs']}"
        if waiting:
            line += f" · {waiting} robot(s) waiting for the learner"
        self.watch.set_title(line)

    def learned(self, progress: dict) -> None:
        epoch, steps = progress["epoch"], progress["env_steps"]
        self.watch.point("learner/epochs", steps, float(progress["epochs"]))
        self.watch.point("learner/max door angle", steps, float(epoch["max_angle"]))
        if epoch.get("eval"):
            self.watch.point("learner/eval success (robot 0's door)", steps,
                             float(epoch["eval"]["success"]))
