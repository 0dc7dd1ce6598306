"""byfeel.agents.Predictive from Python: train on a store, load, plan and predict."""

import json

import numpy as np
import pytest

import byfeel
from byfeel.agents import Predictive


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("predictive")
    byfeel.collect("die-roll", root / "die.zarr", episodes=6, robots=2, seed=3)
    out = root / "run"
    agent = Predictive.train(root / "die.zarr", out, steps=6, batch=2, horizon=4, progress=False, samples=16)
    assert agent.task == "DieRoll" and agent.context_len == 3
    return out


def test_training_writes_a_run_that_resumes(run):
    spec = json.loads((run / "run.json").read_text())
    assert spec["task"] == "DieRoll" and spec["field"] == "tactile"
    assert json.loads((run / "progress.json").read_text())["step"] == 6
    # Asking for more steps continues the same run.
    Predictive.train(spec["store"], run, steps=8, batch=2, horizon=4, progress=False)
    assert json.loads((run / "progress.json").read_text())["step"] == 8


def test_plans_and_predictions_have_the_right_shapes(run):
    agent = Predictive.load(run, samples=16, score_every=3)
    h, w, c = agent.image_shape
    store = byfeel.Store(json.loads((run / "run.json").read_text())["store"])
    frames = store[0]["tactile"]
    context, goal = frames[:3], frames[-1]
    plan = agent.plan(context, goal)
    assert plan.shape == (18, 3) and plan.dtype == np.float32
    assert np.all(np.abs(plan) <= 1)
    foreseen = agent.predict(context, plan)
    assert foreseen.shape == (18, h, w, c) and foreseen.dtype == np.uint8


def test_bad_input_is_refused_with_the_reason(run, tmp_path):
    agent = Predictive.load(run, samples=16)
    context = np.zeros((3, 48, 64, 3), np.uint8)
    with pytest.raises(ValueError, match="context"):
        agent.plan(context[:2, :10], context[0])
    with pytest.raises(ValueError, match="goal"):
        agent.plan(context, np.zeros((48, 48, 3), np.uint8))
    with pytest.raises(ValueError, match="actions"):
        agent.predict(context, np.zeros((4, 2), np.float32))
    with pytest.raises(ValueError, match="action is NaN"):
        agent.predict(context, np.full((2, 3), np.nan, np.float32))
    with pytest.raises(OSError):
        Predictive.load(tmp_path / "nothing-here")


def test_a_model_with_a_stochastic_latent_trains_and_plans(run, tmp_path):
    store = json.loads((run / "run.json").read_text())["store"]
    agent = Predictive.train(
        store, tmp_path / "latent", steps=3, batch=2, horizon=4, progress=False, samples=16, latent=4
    )
    assert json.loads((tmp_path / "latent" / "run.json").read_text())["model"]["latent"] == 4
    frames = byfeel.Store(store)[0]["tactile"]
    assert agent.plan(frames[:3], frames[-1]).shape == (18, 3)
