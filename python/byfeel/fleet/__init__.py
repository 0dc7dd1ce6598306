"""The fleet: many robots on Ray, each practising on its own door of the door family, each
writing its experience to its own store, and one learner (Skew-Fit) training on all of it and
sending its policy back.

    python -m byfeel.fleet --robots 4 --doors train --out RUN --env-steps 20000
    python -m byfeel.fleet --robots 4 --out RUN --address ray://head:10001   # an existing cluster

Robots are Ray actors (:class:`PracticeRobot`) that step a byfeel environment in Rust (the GIL
is released while Rust steps) and append each finished episode to ``RUN/robots/robot-K``, a
store of their own: one writer per store needs no locking across processes or machines, a
store commits whole episodes (a robot killed mid-episode loses only that episode), and a
reader (the learner, ``byfeel.Store``) sees committed episodes while the writer goes on.
Actors that die are restarted by Ray and carry on appending; the driver counts what the
stores hold, so running the same command again after the driver itself died continues the
run. The learner (:class:`Learner`) reads every store as it grows, runs Skew-Fit's learning
epoch once an epoch's worth of steps has come in, and hands each robot the policy with goal
pictures of its own door; its run (``RUN/learner``) evaluates like any Skew-Fit run
(``byfeel eval RUN/learner --door 1000000``). Ray is an optional extra:
``pip install byfeel[fleet]``.
"""

from .run import FleetConfig, fleet_status, run_fleet
from .actor import Learner, PracticeRobot

__all__ = ["FleetConfig", "Learner", "PracticeRobot", "fleet_status", "run_fleet"]
