"""One robot of the fleet: a Ray actor that practises on its door and appends to its store."""

from __future__ import annotations

import time

try:
    import ray
except ImportError as e:  # pragma: no cover - the message is the point
    raise ImportError("the fleet runs on Ray: pip install 'byfeel[fleet]'") from e


@ray.remote(max_restarts=-1, max_task_retries=-1)
class PracticeRobot:
    """A robot on door ``door`` of the family, appending episodes to the store at ``store``.

    Restarted by Ray when its process dies; a restarted robot reopens its store (a
    half-written episode is dropped there) and carries on.
    """

    def __init__(self, task: str, door: int, store: str, seed: int, width: int = 48,
                 height: int = 48):
        self.task, self.door, self.store, self.seed = task, door, store, seed
        self.size = (width, height)

    def practise(self, episodes: int) -> dict:
        """Plays ``episodes`` episodes (random actions) and commits each to the store; returns
        what was added and how long it took."""
        from byfeel.store import collect

        start = time.perf_counter()
        added_episodes, added_steps = collect(
            self.task, self.store, episodes=episodes, robots=1, seed=self.seed,
            width=self.size[0], height=self.size[1], door=self.door,
        )
        return {
            "door": self.door,
            "episodes": added_episodes,
            "steps": added_steps,
            "seconds": time.perf_counter() - start,
        }

    def pid(self) -> int:
        """The actor's process id (tests kill it to see the fleet carry on)."""
        import os

        return os.getpid()
