"""byfeel: a robot simulator and learning gym (arm, door, cup, 20-sided die, gel fingertip).

Importing the package registers the Gymnasium environments::

    import gymnasium as gym
    import byfeel  # noqa: F401  (registers byfeel/*)

    env = gym.make("byfeel/DoorOpen-v0")                      # 48x48 door camera
    env = gym.make("byfeel/Reach-v0", obs_mode="goal")        # goal dict for HER
    envs = gym.make_vec("byfeel/DieRoll-v0", num_envs=8)     # native Rust batching

Keyword arguments: ``obs_mode`` ("state", "image", "tactile", "goal"), ``width``/``height``
(camera images), ``reward`` ("sparse", "dense"), ``max_episode_steps``, ``randomize_scene``,
``render_mode`` ("rgb_array", "human").
"""

from byfeel._native import __version__
from byfeel.envs import ByfeelEnv, TASKS
from byfeel.vector import ByfeelVectorEnv
from byfeel.store import Store, collect

__all__ = ["ByfeelEnv", "ByfeelVectorEnv", "Store", "TASKS", "__version__", "collect", "register_envs"]


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
