"""byfeel's Gymnasium environments as Gymnasium's own checker and a user see them."""
import os

# render_mode="human" opens a pygame window; tests draw it on SDL's off-screen driver.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AutoresetMode

import byfeel

MODES = {
    "Reach": ["state", "image", "tactile", "goal"],
    "DoorOpen": ["image", "state", "tactile", "goal"],
    "CupPush": ["image", "state", "tactile", "goal"],
    "DieRoll": ["tactile", "state", "image", "goal"],
}
CASES = [(task, mode) for task, modes in MODES.items() for mode in modes]


@pytest.mark.parametrize("task,mode", CASES)
def test_check_env_passes_without_warnings(task, mode):
    env = gym.make(f"byfeel/{task}-v0", obs_mode=mode)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env.unwrapped, skip_render_check=False)
    assert [str(w.message) for w in caught] == []


def test_every_task_is_registered_with_its_episode_length():
    for task, steps in byfeel.TASKS.items():
        spec = gym.spec(f"byfeel/{task}-v0")
        assert spec.max_episode_steps == steps
        assert spec.vector_entry_point == "byfeel.vector:ByfeelVectorEnv"


def test_bad_actions_raise_value_error_and_change_nothing():
    env = gym.make("byfeel/Reach-v0").unwrapped
    obs, _ = env.reset(seed=0)
    bad = [
        (np.zeros(2, dtype=np.float32), "shape (2,)"),
        (np.zeros((1, 3), dtype=np.float32), "shape (1, 3)"),
        (np.array(["a", "b", "c"]), "dtype"),
        (np.array([np.nan, 0, 0], dtype=np.float32), "NaN"),
        (np.array([0, 2.0, 0], dtype=np.float32), "outside [-1, 1]"),
        (np.array([0, 0, np.inf]), "not finite"),
    ]
    for action, says in bad:
        with pytest.raises(ValueError, match=says.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
            env.step(action)
    again, *_ = env.step(np.zeros(3, dtype=np.float32))
    assert np.allclose(again, obs, atol=2e-3), "the arm did not move on refused actions"


def test_observations_are_fresh_arrays():
    env = gym.make("byfeel/DoorOpen-v0").unwrapped
    a, _ = env.reset(seed=0)
    b, *_ = env.step(np.zeros(3, dtype=np.float32))
    assert a.flags.owndata or a.base is not None
    a[:] = 0
    assert b.any(), "writing one observation does not touch another"
    assert a.dtype == np.uint8 and a.shape == (48, 48, 3)


def test_goal_envs_compute_reward_like_step():
    env = gym.make("byfeel/Reach-v0", obs_mode="goal").unwrapped
    obs, _ = env.reset(seed=3)
    rewards = []
    for _ in range(5):
        obs, r, *_ = env.step(env.action_space.sample())
        rewards.append((obs["achieved_goal"], obs["desired_goal"], r))
    achieved = np.stack([a for a, _, _ in rewards])
    desired = np.stack([d for _, d, _ in rewards])
    batch = env.compute_reward(achieved, desired, [{}] * 5)
    assert batch.shape == (5,)
    assert list(batch) == [r for *_, r in rewards]
    assert env.compute_reward(desired, desired, None).tolist() == [0.0] * 5


def test_make_vec_uses_native_batching_with_next_step_autoreset():
    envs = gym.make_vec("byfeel/Reach-v0", num_envs=4, max_episode_steps=2)
    assert isinstance(envs, byfeel.ByfeelVectorEnv)
    assert envs.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    obs, info = envs.reset(seed=0)
    assert obs.shape == (4, 6) and info["_step"].all()
    actions = np.zeros((4, 3), dtype=np.float32)
    envs.step(actions)
    _, _, _, truncated, _ = envs.step(actions)
    assert truncated.all()
    _, rewards, terminated, truncated, info = envs.step(actions)
    assert (rewards == 0).all() and not terminated.any() and not truncated.any()
    assert (info["step"] == 0).all()
    with pytest.raises(ValueError, match="shape"):
        envs.step(np.zeros((3, 3), dtype=np.float32))


def test_vector_image_observations_stack():
    envs = gym.make_vec("byfeel/DieRoll-v0", num_envs=3)
    obs, _ = envs.reset(seed=1)
    assert obs.shape == (3, 48, 64, 3) and obs.dtype == np.uint8
    assert envs.observation_space.contains(obs)


def test_reset_free_door_and_hard_reset():
    env = gym.make("byfeel/DoorOpen-v0", obs_mode="state").unwrapped
    obs, _ = env.reset(seed=0)
    for _ in range(5):
        obs, *_ = env.step(np.array([0.5, 0.5, -0.5], dtype=np.float32))
    kept, _ = env.reset()
    assert np.allclose(kept[:4], obs[:4], atol=1e-3), "reset only proposes a new goal (hand, door)"
    hard, _ = env.reset(options={"hard_reset": True})
    assert not np.allclose(hard[:3], obs[:3], atol=1e-3)
    with pytest.raises(ValueError, match="unknown reset options"):
        env.reset(options={"hard": True})


def test_learned_reward_hook():
    env = gym.make("byfeel/Reach-v0").unwrapped
    env.reset(seed=0)
    env.set_reward_fn(lambda obs, info: float(obs[2]) * 100)
    obs, r, *_ = env.step(np.zeros(3, dtype=np.float32))
    assert r == pytest.approx(obs[2] * 100, rel=1e-5)
    env.set_reward_fn(None)
    assert env.step(np.zeros(3, dtype=np.float32))[1] in (0.0, -1.0)


def test_a_reward_function_that_raises_raises_from_step():
    env = gym.make("byfeel/Reach-v0").unwrapped
    env.reset(seed=0)

    def broken(obs, info):
        raise KeyError("no such sensor")

    env.set_reward_fn(broken)
    with pytest.raises(KeyError, match="no such sensor"):
        env.step(np.zeros(3, dtype=np.float32))
    env.set_reward_fn(lambda obs, info: "not a number")
    with pytest.raises(TypeError):
        env.step(np.zeros(3, dtype=np.float32))
    # The error is raised once; a working function afterwards is used as usual.
    env.set_reward_fn(lambda obs, info: 2.5)
    assert env.step(np.zeros(3, dtype=np.float32))[1] == 2.5


def test_rgb_array_render_and_goal_image():
    env = gym.make("byfeel/CupPush-v0", render_mode="rgb_array").unwrapped
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (240, 320, 3) and frame.dtype == np.uint8
    goal = env.goal_image()
    assert goal.shape == (48, 64, 3)


def test_bad_kwargs_are_explained():
    with pytest.raises(ValueError, match="unknown obs_mode"):
        gym.make("byfeel/Reach-v0", obs_mode="pixels")
    with pytest.raises(ValueError, match="unknown reward"):
        gym.make("byfeel/Reach-v0", reward="shaped")
    with pytest.raises(ValueError, match="render_mode"):
        byfeel.ByfeelEnv(render_mode="ansi")


def test_typing_files_ship():
    from importlib import resources

    files = {p.name for p in resources.files("byfeel").iterdir()}
    assert {"py.typed", "_native.pyi"} <= files


def test_die_roll_actions_push_the_die_over():
    env = gym.make("byfeel/DieRoll-v0", actions="roll").unwrapped
    assert env.action_space.shape == (2,)
    check_env(env, skip_render_check=True)
    _, info = env.reset(seed=3)
    faces = [info["oracle_die_face"]]
    for _ in range(3):
        obs, _, _, truncated, info = env.step(np.array([0.0, 1.0], dtype=np.float32))
        assert info["hand_steps"] > 3, "a roll is many hand steps"
        faces.append(info["oracle_die_face"])
    assert truncated, "one-roll goals get 3 roll actions"
    assert len(set(faces)) > 1, f"pushes rolled the die: {faces}"
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match="unknown actions"):
        gym.make("byfeel/DieRoll-v0", actions="kick")
    with pytest.raises(ValueError, match="roll"):
        gym.make("byfeel/CupPush-v0", actions="roll")
    vec = gym.make_vec("byfeel/DieRoll-v0", num_envs=2, actions="roll", goal_rolls=2)
    assert vec.single_action_space.shape == (2,)
    vec.reset(seed=0)
    vec.step(np.zeros((2, 2), dtype=np.float32))
    vec.close()


def test_a_headless_start_prints_nothing(tmp_path):
    # A library prints no error that is not one: on a machine with no display and no
    # XDG_RUNTIME_DIR, making and stepping rendering envs leaves stderr empty.
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("XDG_RUNTIME_DIR", "NODEVICE_SELECT", "DISPLAY", "WAYLAND_DISPLAY")}
    code = (
        "import byfeel, gymnasium as gym\n"
        "for name in ['byfeel/DoorOpen-v0', 'byfeel/DieRoll-v0']:\n"
        "    e = gym.make(name); e.reset(seed=0); e.step(e.action_space.sample())\n"
    )
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr.decode()
    assert run.stderr == b"", run.stderr.decode()


def test_a_family_door_is_one_door_and_held_out_doors_are_named():
    from byfeel.doors import check_training_doors, held_out_doors, is_held_out, training_doors

    def first_image(door):
        env = gym.make("byfeel/DoorOpen-v0", door=door)
        obs, _ = env.reset(seed=0)
        env.close()
        return obs["image_observation"] if isinstance(obs, dict) else obs

    # The same door looks the same every time; another door looks different.
    assert np.array_equal(first_image(3), first_image(3))
    assert not np.array_equal(first_image(3), first_image(4))
    assert training_doors(2) == [0, 1] and all(is_held_out(d) for d in held_out_doors(3))
    check_training_doors(training_doors(5))
    with pytest.raises(ValueError, match="held out"):
        check_training_doors([4, held_out_doors(1)[0]])
    with pytest.raises(ValueError, match="has no door"):
        gym.make("byfeel/CupPush-v0", door=3)
