"""The experience store from Python: every step of every episode, on disk, as Zarr v3.

A store is a directory that ``zarr.open(path)`` also reads (layout: docs/guide/store.md).
``Store`` gives episodes and training batches as numpy arrays::

    import byfeel

    byfeel.collect("door-open", "runs/door.zarr", episodes=20, robots=4)
    store = byfeel.Store("runs/door.zarr")
    len(store)                      # episodes
    ep = store[0]                   # dict: "camera" (T, 48, 48, 3) uint8, "action" (T, 3), ...
    batch = store.sample(1024, ["camera", "tactile", "action"])
    batch = store.sample(1024, ["camera"], weights=w)   # w: one weight per step (Skew-Fit)

A reader may share the store with the process that is writing it: ``refresh()`` picks up the
episodes committed since.
"""

from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Sequence

import numpy as np

from byfeel import _native

__all__ = ["Store", "collect"]


class Store:
    """Reads a byfeel experience store. Memory stays within ``cache_mib`` of decoded chunks
    (plus the batch being returned) whatever the store's size."""

    def __init__(self, path, cache_mib: int = 256):
        self._native = _native.Store(str(path), cache_mib)

    @property
    def path(self) -> str:
        return str(self._native.path)

    @property
    def num_steps(self) -> int:
        """Committed steps."""
        return self._native.num_steps

    @property
    def num_episodes(self) -> int:
        return self._native.num_episodes

    @property
    def episode_ends(self) -> np.ndarray:
        """Episode e is steps ``episode_ends[e-1]:episode_ends[e]``."""
        return self._native.episode_ends()

    @property
    def fields(self) -> Dict[str, dict]:
        """Every field: ``kind`` ("step" or "episode"), ``dtype``, per-row ``shape``, and
        ``columns`` (names of a vector's entries, if any)."""
        return {
            name: {"kind": kind, "dtype": dtype, "shape": tuple(shape), "columns": list(columns)}
            for name, kind, dtype, shape, columns in self._native.fields()
        }

    def refresh(self) -> int:
        """Reads episodes committed since; returns how many are new."""
        return self._native.refresh()

    def __len__(self) -> int:
        return self._native.num_episodes

    def __getitem__(self, index: int) -> Dict[str, np.ndarray]:
        """Episode ``index`` (negative counts from the end): step fields ``(T, ...)``, episode
        fields as one row."""
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"episodes are indexed by int, not {type(index).__name__}")
        return self._native.episode(int(index))

    def __iter__(self) -> Iterator[Dict[str, np.ndarray]]:
        for e in range(len(self)):
            yield self[e]

    def read(self, field: str, start: int, stop: int) -> np.ndarray:
        """Steps ``start:stop`` of one field."""
        if not 0 <= start <= stop:
            raise ValueError(f"bad step range {start}:{stop}")
        return self._native.read(field, start, stop)

    def sample(
        self,
        batch_size: int,
        fields: Sequence[str],
        weights: Optional[np.ndarray] = None,
        seed: Optional[int] = None,
    ) -> Dict[str, np.ndarray]:
        """``batch_size`` steps drawn uniformly, or with probability ``weights / weights.sum()``
        (one finite, non-negative weight per committed step). Returns each field stacked
        ``(batch_size, ...)`` plus ``index`` (step) and ``episode``."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if isinstance(fields, str):
            fields = [fields]
        w = None
        if weights is not None:
            w = np.ascontiguousarray(weights, dtype=np.float64)
            if w.ndim != 1:
                raise ValueError(f"weights must be 1-D, got shape {w.shape}")
        return self._native.sample(batch_size, list(fields), w, seed)

    def __repr__(self) -> str:
        return f"Store({self.path!r}: {self.num_episodes} episodes, {self.num_steps} steps)"


def collect(
    task: str,
    out,
    episodes: int = 10,
    robots: int = 4,
    seed: int = 0,
    width: int = 48,
    height: int = 48,
    max_episode_steps: Optional[int] = None,
    policy: str = "random",
    hold: int = 1,
    actions: str = "hand",
    door: Optional[int] = None,
) -> tuple:
    """Random play on ``robots`` simulated robots in parallel, each episode in its own
    randomised scene, appended to the store at ``out`` (created, or reopened). Returns
    ``(episodes, steps)`` added. ``policy="pressing"`` never lifts the hand (the die's
    planner searches the same box); ``policy="play"`` (die-roll only) pushes the die in
    random directions and returns over its top face between pushes, as the goal pictures
    show it; ``hold`` repeats each random action that many steps. ``actions="roll"``
    (die-roll, random policy) records roll actions: each a push direction, the gel finding the
    die's top again after it. ``door=N`` (door-open) plays every episode on door ``N`` of the
    door family (:mod:`byfeel.doors`) instead of a freshly drawn door each episode."""
    return _native.collect(
        task, str(out), episodes, robots, seed, width, height, max_episode_steps, policy, hold, actions,
        door,
    )
