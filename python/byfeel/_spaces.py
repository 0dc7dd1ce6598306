"""Gymnasium spaces from the native environment's description."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces


def box(desc: dict[str, Any]) -> spaces.Box:
    dtype = np.uint8 if desc["dtype"] == "uint8" else np.float32
    return spaces.Box(low=desc["low"], high=desc["high"], shape=tuple(desc["shape"]), dtype=dtype)


def observation_space(desc: dict[str, dict[str, Any]]) -> spaces.Space:
    if list(desc) == [""]:
        return box(desc[""])
    return spaces.Dict({key: box(d) for key, d in desc.items()})


def check_actions(action: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A float32 array of `shape`, or a ValueError naming what is wrong."""
    arr = np.asarray(action)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"action dtype {arr.dtype} is not a number type; give floats in [-1, 1]")
    if arr.shape != shape:
        raise ValueError(f"action shape {arr.shape} is not {shape}")
    return np.ascontiguousarray(arr, dtype=np.float32)
