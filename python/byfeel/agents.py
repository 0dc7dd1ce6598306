"""byfeel's agents from Python.

``Predictive`` is the predictive agent of "Manipulation by Feel" and "Visual Foresight": a
model trained on an experience store's play that predicts what the sensor will see after a
sequence of actions, and CEM planning through it toward a goal image (200 samples, 10 elites,
3 iterations, actions held 3 steps). By default the model is a latent world model (an encoder
to a short vector, dynamics on that vector, a decoder back to images) planned in its latent
space; ``model="pixel"`` trains the older pixel-space frame predictor, and ``model="memory"``
(for a die store of roll actions) builds a replay memory of the store's rolls, searched a few
rolls ahead for the one whose stored outcome lies nearest the goal::

    import numpy as np
    import byfeel
    from byfeel.agents import Predictive

    byfeel.collect("die-roll", "die.zarr", episodes=200)
    agent = Predictive.train("die.zarr", "die-run")   # or Predictive.load("die-run")

    env = byfeel.ByfeelEnv("DieRoll")                 # tactile observations
    obs, info = env.reset(seed=7)
    goal = env.goal_image()
    frames = [obs] * agent.context_len
    for _ in range(20):
        actions = agent.plan(np.stack(frames[-agent.context_len:]), goal)
        obs, reward, terminated, truncated, info = env.step(actions[0])
        frames.append(obs)
        if terminated or truncated:
            break

The model runs on burn's CPU backend. The latent model plans a step in tens of milliseconds
there; the pixel model takes seconds (``score_every=3`` scores only the frames where held
actions change, about 2x faster).
"""

from __future__ import annotations

import json
import os
from typing import Optional

import numpy as np

from byfeel import _native


class Predictive:
    """A trained frame predictor and its CEM planner."""

    def __init__(self, native: _native.Predictive, run: str):
        self._native = native
        self.run = run

    @classmethod
    def load(cls, run, samples: int = 200, score_every: int = 1, seed: int = 0) -> "Predictive":
        """Loads the model of a run directory (from ``train`` or ``byfeel train predictive``)."""
        return cls(_native.Predictive.load(os.fspath(run), samples, score_every, seed), os.fspath(run))

    @classmethod
    def train(
        cls,
        data,
        out,
        task: Optional[str] = None,
        steps: int = 2000,
        batch: int = 16,
        horizon: Optional[int] = None,
        context: Optional[int] = None,
        lr: float = 1e-3,
        seed: int = 0,
        progress: bool = True,
        samples: int = 200,
        latent: int = 0,
        model: str = "latent",
        ae_steps: Optional[int] = None,
        dynamics_steps: Optional[int] = None,
        latent_size: Optional[int] = None,
    ) -> "Predictive":
        """Trains a model on the store ``data`` into the run directory ``out`` (resuming it if
        it holds the same run), then loads it. The die learns the gel's images, other tasks
        the camera's; every 10th episode is held out for validation, logged to
        ``out/log.jsonl``.

        ``model="latent"`` (the default): the autoencoder for ``ae_steps`` batches of single
        frames, then multi-step prediction for ``dynamics_steps`` batches of windows of
        ``horizon`` steps (18 by default), in a latent of ``latent_size`` numbers. The task
        sets the rest as ``byfeel train predictive`` does (on the die: 2 000 + 2 000 steps,
        the encoder trained through the prediction).

        ``model="pixel"``: the pixel-space predictor for ``steps`` batches of ``batch``
        sequences (``horizon`` 15 by default, ``context`` frames: 3 for the die, else 2);
        ``latent`` > 0 adds SV2P's stochastic latent of that many numbers.

        ``model="memory"`` (a ``die-roll`` store collected with ``actions="roll"``): no
        training; every press is embedded (centred on the contact, pooled, principal
        components) and every roll between two presses kept, in seconds. Its ``plan`` answers
        one roll, ``[0, 0]`` when the press felt now is nearer the goal than any stored
        outcome; call ``begin_episode(steps)`` at each reset so it never plans past the
        episode's last roll::

            byfeel.collect("die-roll", "rolls.zarr", episodes=3000, max_episode_steps=6, actions="roll")
            agent = Predictive.train("rolls.zarr", "die-memory", model="memory")
            env = byfeel.ByfeelEnv("DieRoll", actions="roll")
            obs, _ = env.reset(seed=1_000_000)
            agent.begin_episode(1)
            obs, reward, *_ = env.step(agent.plan(obs[None], env.goal_image())[0])"""
        _native.Predictive.train(
            os.fspath(data),
            os.fspath(out),
            task,
            steps,
            batch,
            horizon,
            context,
            lr,
            seed,
            progress,
            latent,
            model,
            ae_steps,
            dynamics_steps,
            latent_size,
        )
        return cls.load(out, samples=samples, seed=seed)

    def begin_episode(self, steps: Optional[int] = None) -> None:
        """Tells the model an episode of ``steps`` actions has begun (``None``: unknown). A
        memory then plans no further than the rolls left; the other models ignore it."""
        self._native.begin_episode(steps)

    @property
    def context_len(self) -> int:
        """Frames the model needs before it can plan."""
        return self._native.context_len

    @property
    def image_shape(self) -> tuple:
        """(height, width, 3) of the images it takes."""
        return self._native.image_shape

    @property
    def task(self) -> str:
        return self._native.task

    @property
    def actions(self) -> str:
        """What one of its actions does: ``"hand"`` (Δxyz) or, for a die model, ``"roll"`` (a
        push direction; make the env with ``actions="roll"``)."""
        return self._native.actions

    @property
    def action_dim(self) -> int:
        return self._native.action_dim

    def plan(self, context: np.ndarray, goal: np.ndarray) -> np.ndarray:
        """The best action sequence toward ``goal`` from the last ``context_len`` frames
        (uint8, shape (K, H, W, 3), oldest first): float32 (horizon, action_dim). Execute row 0,
        then plan again."""
        return self._native.plan(np.ascontiguousarray(context, dtype=np.uint8),
                                 np.ascontiguousarray(goal, dtype=np.uint8))

    def predict(self, context: np.ndarray, actions: np.ndarray) -> np.ndarray:
        """The frames the model expects after ``actions`` (float32 (T, action_dim)) from ``context``:
        uint8 (T, H, W, 3)."""
        return self._native.predict(np.ascontiguousarray(context, dtype=np.uint8),
                                    np.ascontiguousarray(actions, dtype=np.float32))

    def __repr__(self) -> str:
        return f"Predictive(run={self.run!r}, task={self.task!r}, image_shape={self.image_shape})"


class SkewFit:
    """Skew-Fit on the reset-free door: a VAE of the images seen proposes goals, skewed toward
    the rare ones, and goal-conditioned SAC learns to reach them in the VAE's latent space.
    Later, shown a goal image, it reaches for it::

        from byfeel.agents import SkewFit
        agent = SkewFit.train("door-run")                 # the paper's door settings (hours on a CPU)
        agent = SkewFit.train("rig-run", alpha=0.0)       # RIG: no skew
        print(agent.evaluate(goals=10))                   # {'angle_error': ..., 'hand_distance': ..., 'success': ...}
        action = agent.act(image, goal_image)             # uint8 (48, 48, 3) each

    Any field of the configuration can be changed by keyword (``SkewFit.default_config()``
    lists them; nested ones take dicts, e.g. ``sac={"batch": 256}``). Running ``train`` again
    on the same ``out`` resumes the run exactly where its last checkpoint left it.
    """

    def __init__(self, native: _native.SkewFit, run: str):
        self._native = native
        self.run = run

    @staticmethod
    def default_config() -> dict:
        """The paper's door settings."""
        return json.loads(_native.SkewFit.default_config())

    @classmethod
    def train(cls, out, progress: bool = True, robot: str | None = None, **overrides) -> "SkewFit":
        """Trains into the run directory ``out`` (logs in ``out/scalars.csv``), then loads it.

        ``robot="HOST:PORT"`` explores with the arm of a robot server (``byfeel serve``)
        instead of a simulator in this process."""
        config = cls.default_config()
        for key, value in overrides.items():
            if key not in config:
                raise ValueError(f"unknown Skew-Fit setting {key!r}; known: {sorted(config)}")
            if isinstance(config[key], dict):
                if not isinstance(value, dict):
                    raise ValueError(f"{key} takes a dict of its settings, e.g. {config[key]}")
                unknown = set(value) - set(config[key])
                if unknown:
                    raise ValueError(f"unknown {key} settings {sorted(unknown)}; known: {sorted(config[key])}")
                config[key].update(value)
            else:
                config[key] = value
        _native.SkewFit.train(os.fspath(out), json.dumps(config), progress, robot)
        return cls.load(out)

    @classmethod
    def load(cls, run) -> "SkewFit":
        """Loads the latest networks of a run directory."""
        return cls(_native.SkewFit.load(os.fspath(run)), os.fspath(run))

    @property
    def config(self) -> dict:
        return json.loads(self._native.config)

    def act(self, image: np.ndarray, goal: np.ndarray, explore_seed: Optional[int] = None) -> np.ndarray:
        """The action (float32 (3,)) toward ``goal`` from ``image`` (uint8 (48, 48, 3) each)."""
        return self._native.act(np.ascontiguousarray(image, dtype=np.uint8),
                                np.ascontiguousarray(goal, dtype=np.uint8), explore_seed)

    def evaluate(self, goals: int = 10, seed: int = 1_000_000, report=None, strips: int = 10) -> dict:
        """Mean final door angle error (rad), hand distance (m) and success rate (within
        0.02 rad and 0.03 m) toward ``goals`` goal images, each from a shut door; also the
        median angle error and, under ``"goals"``, each goal's door angle, the angle reached, the
        angle error and the hand distance. With ``report`` (a directory), also writes the report
        ``byfeel eval`` writes (``report.md``, ``report.json`` and ``strips`` goal strips)."""
        return json.loads(self._native.evaluate(goals, seed, None if report is None else os.fspath(report), strips))

    def __repr__(self) -> str:
        return f"SkewFit(run={self.run!r})"


class Vice:
    """Reward from examples (VICE, Singh et al. 2019): a classifier of pictures of success,
    trained against everything the robot does, is SAC's reward.

    Example::

        from byfeel.agents import Vice
        # pictures: a folder of PNGs of success (``byfeel examples`` makes one from the simulator)
        agent = Vice.train("door-vice", "pictures", env_steps=30_000)
        agent = Vice.train("door-raq", "pictures", labeller=lambda image: ask_me(image),
                           query_every=10)
        agent.reward(image)                     # the classifier's logit for a (48, 48, 3) picture
        agent.evaluate(episodes=20)             # success by the simulator's truth, and the logit

    ``labeller``: ``None``; ``"oracle"`` (the simulator's truth, by the folder's
    ``examples.toml``: a stand-in for a person, for benchmarks); or a callable that takes a
    uint8 (48, 48, 3) picture and returns True where it shows success. Settings are those of
    ``vice.json`` (``Vice.default_config()``); an unknown one is refused by name.
    """

    def __init__(self, native: _native.Vice, run: str):
        self._native = native
        self.run = run

    @staticmethod
    def default_config() -> dict:
        """The reference's settings."""
        return json.loads(_native.Vice.default_config())

    @classmethod
    def train(cls, out, examples, labeller=None, **overrides) -> "Vice":
        """Trains (or resumes) the run ``out`` from the pictures in ``examples``, then loads it.
        Returns the loaded run; its epochs' logs are in ``out/log.jsonl``. The task is the one
        the folder's ``examples.toml`` says the pictures show, unless ``task`` is given."""
        config = cls.default_config()
        shown = _native.Vice.examples_task(os.fspath(examples))
        if shown is not None:
            config["task"] = shown
        for key, value in overrides.items():
            if key not in config:
                raise ValueError(f"unknown VICE setting {key!r}; known: {sorted(config)}")
            if isinstance(config[key], dict):
                if not isinstance(value, dict):
                    raise ValueError(f"{key} takes a dict of its settings, e.g. {config[key]}")
                config[key].update(value)
            else:
                config[key] = value
        _native.Vice.train(os.fspath(out), os.fspath(examples), json.dumps(config), labeller)
        return cls.load(out)

    @classmethod
    def load(cls, run) -> "Vice":
        """A run's settings and latest classifier."""
        return cls(_native.Vice.load(os.fspath(run)), os.fspath(run))

    @staticmethod
    def make_examples(out, task: str = "door-open", angle: float = 0.6, tolerance: float = 0.05,
                      cup=(0.62, 0.0), radius: float = 0.02, count: int = 20, size: int = 48,
                      seed: int = 0) -> None:
        """Writes ``count`` pictures of success from the simulator into the folder ``out`` (as
        ``byfeel examples``): the door at ``angle`` (rad, give or take ``tolerance``), or the
        cup within ``radius`` m of ``cup``."""
        _native.Vice.make_examples(os.fspath(out), task, angle, tolerance, tuple(cup), radius,
                                   count, size, seed)

    @property
    def config(self) -> dict:
        return json.loads(self._native.config)

    def evaluate(self, episodes: int = 20, seed: int = 1_000_000) -> dict:
        """Runs the trained policy for ``episodes`` episodes from fresh scenes and judges each
        by the simulator's truth and by the classifier (as ``byfeel eval``): ``{"report": path,
        "vice": {"success", "median_distance", "final_logit", "finals", ...}}``; the report and
        ``final-states.png`` (every episode's last picture) go into ``run/eval``."""
        path, result = _native.Vice.evaluate(self.run, episodes, seed)
        return {"report": os.fspath(path), "vice": json.loads(result)}

    def reward(self, image: np.ndarray) -> float:
        """The classifier's logit for a uint8 (48, 48, 3) picture: the reward there."""
        return self._native.reward(np.ascontiguousarray(image, dtype=np.uint8))

    def __repr__(self) -> str:
        return f"Vice(run={self.run!r})"


def evaluate(run, episodes: int = 50, seed: int = 1_000_000, controllers: Optional[list] = None,
             samples: int = 200, strips: int = 10, held_out: int = 128, goal_rolls: int = 1,
             robot: Optional[str] = None, door: Optional[int] = None) -> dict:
    """Evaluates a run directory as ``byfeel eval`` does and writes the same report into
    ``run/eval`` (``report.md``, ``report.json``, strips). A predictive run (from
    ``Predictive.train``, ``byfeel train predictive`` or a shipped model) is compared with its
    baselines on the same goals (``controllers``: ``"predictive"``, ``"random"``,
    ``"random-held"``, ``"centroid"``, ``"scripted"``; default: those that apply), and the
    result is ``{"report": path, "controllers": [...]}``, each entry with ``success_rate``,
    ``success_ci95``, ``mean_final_distance`` and every episode. A Skew-Fit or HER run is
    evaluated on ``episodes`` door goals (``{"report": path, "door": {...}}``, as
    ``SkewFit.evaluate``). With ``robot`` (``"HOST:PORT"`` of ``byfeel serve``), the episodes
    run on that server's arm instead of a simulated arm in this process. With ``door``, a door
    policy is evaluated on that door of the door family (``byfeel.doors``; held-out doors are
    1 000 000 on) and the report goes to ``run/eval-door-N``::

        import shutil
        import byfeel
        from byfeel.agents import evaluate

        shutil.copytree(byfeel.model_path("die-roll"), "die-agent")   # the report goes inside
        result = evaluate("die-agent", episodes=20)
    """
    run = os.fspath(run)
    door_run = any(os.path.exists(os.path.join(run, f)) for f in ("skewfit.json", "her.json"))
    if door is not None and not door_run:
        raise ValueError(f"door={door}: {run} is not a door policy run (Skew-Fit, HER or a "
                         "fleet's learner)")
    if os.path.exists(os.path.join(run, "vice.json")):
        return Vice.load(run).evaluate(episodes, seed)
    if door_run:
        path, result = _native.evaluate_door_run(run, episodes, seed, strips, robot, door)
        return {"report": os.fspath(path), "door": json.loads(result)}
    path, reports = _native.evaluate_run(run, episodes, seed, samples, 1, strips, held_out,
                                         goal_rolls, controllers, robot)
    return {"report": os.fspath(path), "controllers": json.loads(reports)}
