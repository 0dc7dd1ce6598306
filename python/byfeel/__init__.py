"""byfeel: a robot simulator and learning gym (arm, door, cup, 20-sided die, gel fingertip).

Importing the package registers the Gymnasium environments::

    import gymnasium as gym
    import byfeel  # noqa: F401  (registers byfeel/*)

    env = gym.make("byfeel/DoorOpen-v0")                      # 48x48 door camera
    env = gym.make("byfeel/Reach-v0", obs_mode="goal")        # goal dict for HER
    envs = gym.make_vec("byfeel/DieRoll-v0", num_envs=8)     # native Rust batching

Keyword arguments: ``obs_mode`` ("state", "image", "tactile", "goal"), ``width``/``height``
(camera images), ``reward`` ("sparse", "dense"), ``max_episode_steps``, ``randomize_scene``,
``render_mode`` ("rgb_array", "human"), ``robot`` ("HOST:PORT" of a robot server).

An arm on the network: ``byfeel serve`` (or :func:`serve` in Python) serves one, and
:class:`RemoteRobot` or ``gym.make(..., robot="HOST:PORT")`` drive it::

    server = byfeel.serve("door")                             # a simulated door arm, any port
    env = gym.make("byfeel/DoorOpen-v0", robot=server.address)
"""

import os as _os

from byfeel import _native
from byfeel._native import RemoteRobot, Server, StoreLocked, Watch, __version__, serve

# The wheel carries byfeel's robots, scenes and shipped models; byfeel reads them from there
# (BYFEEL_ASSETS, when set, still wins).
_native.set_assets_dir(_os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "assets"))

from byfeel.envs import ByfeelEnv, TASKS  # noqa: E402
from byfeel.vector import ByfeelVectorEnv  # noqa: E402
from byfeel.store import Store, collect  # noqa: E402

__all__ = [
    "Watch",
    "ByfeelEnv",
    "ByfeelVectorEnv",
    "RemoteRobot",
    "Server",
    "Store",
    "StoreLocked",
    "TASKS",
    "__version__",
    "assets_dir",
    "collect",
    "model_path",
    "register_envs",
    "serve",
]


def assets_dir() -> str:
    """The folder byfeel reads its robots, scenes and shipped models from."""
    return _os.fspath(_native.assets_dir())


def model_path(name: str) -> str:
    """The folder of a shipped agent: ``"die-roll"``, ``"cup-push"``; load it with
    ``byfeel.agents.Predictive.load(byfeel.model_path("die-roll"))``."""
    path = _os.path.join(assets_dir(), "models", name)
    if not _os.path.isdir(path):
        shipped = sorted(_os.listdir(_os.path.join(assets_dir(), "models")))
        raise ValueError(f"no shipped model {name!r}; shipped: {[s for s in shipped if not s.endswith('.md')]}")
    return path


def register_envs() -> None:
    """Registers byfeel/{Reach,DoorOpen,CupPush,DieRoll}-v0 with Gymnasium (done on import)."""
    import gymnasium

    for task, steps in TASKS.items():
        env_id = f"byfeel/{task}-v0"
        if env_id in gymnasium.registry:
            continue
        gymnasium.register(
            id=env_id,
            entry_point="byfeel.envs:ByfeelEnv",
            vector_entry_point="byfeel.vector:ByfeelVectorEnv",
            kwargs={"task": task},
            max_episode_steps=steps,
        )


register_envs()
