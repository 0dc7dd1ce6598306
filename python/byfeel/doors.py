"""The door family and its fixed held-out split.

Door ``N`` is ``assets/scenes/door-family.toml`` built with seed ``N``: a bar, lever or knob
handle, hinged on the left or right, with its size, hinge damping, friction and spring, colours
and key light drawn from ``N``. Seeds below :data:`HELD_OUT_FROM` are training doors; seeds from
it on are held out: evaluation only, refused by training entry points such as the fleet.

    import gymnasium as gym, byfeel
    env = gym.make("byfeel/DoorOpen-v0", door=17)                  # a training door
    test = gym.make("byfeel/DoorOpen-v0", door=held_out_doors(1)[0])  # never trained on
"""

from __future__ import annotations

from . import _native

HELD_OUT_FROM: int = _native.HELD_OUT_FROM
"""The first held-out door (the Rust side's ``door_family::HELD_OUT_FROM``)."""


def is_held_out(door: int) -> bool:
    """Whether door ``door`` is held out from training."""
    return door >= HELD_OUT_FROM


def training_doors(count: int) -> list[int]:
    """The first ``count`` training doors: 0, 1, 2, …"""
    return list(range(count))


def held_out_doors(count: int) -> list[int]:
    """The first ``count`` held-out doors: 1 000 000, 1 000 001, …"""
    return list(range(HELD_OUT_FROM, HELD_OUT_FROM + count))


def check_training_doors(doors) -> None:
    """Raises ValueError naming any held-out door in ``doors``."""
    held = [d for d in doors if is_held_out(d)]
    if held:
        raise ValueError(
            f"doors {held} are held out (doors from {HELD_OUT_FROM} on are for evaluation only): "
            f"train on doors below {HELD_OUT_FROM}"
        )
