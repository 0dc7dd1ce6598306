"""The fleet's actors: a robot practising on its door and appending to its own store, and the
learner training on every robot's store."""

from __future__ import annotations

import json
import time

try:
    import ray
except ImportError as e:  # pragma: no cover - the message is the point
    raise ImportError("the fleet runs on Ray: pip install 'byfeel[fleet]'") from e


@ray.remote(max_restarts=-1, max_task_retries=-1)
class PracticeRobot:
    """Robot ``robot`` on door ``door`` of the family, appending episodes to the store at
    ``store``. Its scene, renderer and store are set up once, when the actor starts.

    Restarted by Ray when its process dies; a restarted robot reopens its store (a
    half-written episode is dropped there) and carries on from a fresh world.
    """

    def __init__(self, door: int, robot: int, store: str, seed: int, width: int = 48,
                 height: int = 48):
        from byfeel import _native

        self.door = door
        # A robot of a run that just ended (or whose driver died) may still be closing this
        # store: its lock goes with its process, so wait for that a while.
        deadline = time.monotonic() + 60
        while True:
            try:
                self.practice = _native.Practice(door, robot, store, seed=seed, width=width,
                                                 height=height)
                break
            except _native.StoreLocked:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def practise(self, episodes: int, bundle: bytes | None = None) -> dict:
        """Plays ``episodes`` episodes and commits each to the store: with the policy of
        ``bundle`` (from the learner) toward its goals, else at random. Returns what was added,
        the policy's version and how long it took."""
        start = time.perf_counter()
        report = self.practice.run(episodes, bundle)
        return report | {"door": self.door, "seconds": time.perf_counter() - start}

    def close(self) -> None:
        """Closes the store (and its writer's lock) before the actor goes."""
        self.practice = None

    def pid(self) -> int:
        """The actor's process id (tests kill it to see the fleet carry on)."""
        import os

        return os.getpid()


@ray.remote(max_restarts=-1, max_task_retries=-1)
class Learner:
    """Skew-Fit on every robot's store (``byfeel._native.FleetLearner``), writing its run to
    ``run``. Restarted by Ray when its process dies: it resumes from its checkpoint and reads
    the stores again."""

    def __init__(self, run: str, config: str, stores: list, eval_door: int, goals: int):
        from byfeel import _native

        self.learner = _native.FleetLearner(run, config, stores, eval_door)
        self.steps_per_epoch = json.loads(config)["steps_per_epoch"]
        self.goals = goals
        self.sent = False

    @ray.method(num_returns=2)
    def step(self, final: bool = False):
        """Reads the stores' new episodes; once an epoch's worth of steps has come (or, with
        ``final``, any), runs a learning epoch. Returns ``(progress, bundle)``: the bundle
        (bytes for the robots) only when a new one was made."""
        self.learner.ingest()
        if not self.sent and self.learner.warm:
            # A resumed learner hands out its policy at once, not after its next epoch.
            self.sent = True
            return self._progress(None, True), self.learner.bundle(self.goals)
        unlearned = self.learner.unlearned_steps
        if not (unlearned >= self.steps_per_epoch or (final and unlearned > 0)):
            time.sleep(0.2)  # waiting for the robots
            return self._progress(None, False), None
        log = json.loads(self.learner.epoch())
        bundle = self.learner.bundle(self.goals)
        self.sent = self.sent or bundle is not None
        return self._progress(log, bundle is not None), bundle

    def finish(self) -> dict:
        """Writes the checkpoint (what was learned from every store so far)."""
        self.learner.save_checkpoint()
        return self._progress(None, False)

    def _progress(self, log, bundle: bool) -> dict:
        return {
            "epochs": self.learner.epochs,
            "env_steps": self.learner.env_steps,
            "unlearned": self.learner.unlearned_steps,
            "epoch": log,
            "bundle": bundle,
        }

    def pid(self) -> int:
        import os

        return os.getpid()
