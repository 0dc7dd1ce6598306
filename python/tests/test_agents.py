"""byfeel.agents from Python: Predictive (train on a store, load, plan, predict) and SkewFit
(train, resume, act, evaluate)."""

import json
from pathlib import Path

import numpy as np
import pytest

import byfeel
from byfeel.agents import Predictive, SkewFit


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("predictive")
    byfeel.collect("die-roll", root / "die.zarr", episodes=6, robots=2, seed=3)
    out = root / "run"
    agent = Predictive.train(
        root / "die.zarr", out, model="pixel", steps=6, batch=2, horizon=4, progress=False, samples=16
    )
    assert agent.task == "DieRoll" and agent.context_len == 3
    return out


def test_the_latent_model_trains_resumes_and_plans_from_one_frame(run, tmp_path):
    store = json.loads((run / "run.json").read_text())["store"]
    out = tmp_path / "latent"
    agent = Predictive.train(store, out, ae_steps=4, dynamics_steps=3, horizon=4, progress=False, samples=16)
    spec = json.loads((out / "world-model.json").read_text())
    assert spec["task"] == "DieRoll" and spec["field"] == "tactile"
    assert agent.context_len == 1 and agent.image_shape == (48, 64, 3)
    assert json.loads((out / "progress.json").read_text())["step"] == 3
    Predictive.train(store, out, ae_steps=4, dynamics_steps=5, horizon=4, progress=False)
    assert json.loads((out / "progress.json").read_text())["step"] == 5
    frames = byfeel.Store(store)[0]["tactile"]
    plan = agent.plan(frames[:1], frames[-1])
    assert plan.shape == (18, 3) and np.all(plan[:, 2] <= 0), "the die's planner never lifts"
    assert agent.predict(frames[:1], plan).shape == (18, 48, 64, 3)
    with pytest.raises(ValueError, match="context"):
        agent.plan(frames[:3], frames[-1])
    with pytest.raises(ValueError, match="model"):
        Predictive.train(store, tmp_path / "x", model="clever", progress=False)


def test_training_writes_a_run_that_resumes(run):
    spec = json.loads((run / "run.json").read_text())
    assert spec["task"] == "DieRoll" and spec["field"] == "tactile"
    assert json.loads((run / "progress.json").read_text())["step"] == 6
    # Asking for more steps continues the same run.
    Predictive.train(spec["store"], run, model="pixel", steps=8, batch=2, horizon=4, progress=False)
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
        store, tmp_path / "latent", model="pixel", steps=3, batch=2, horizon=4, progress=False,
        samples=16, latent=4,
    )
    assert json.loads((tmp_path / "latent" / "run.json").read_text())["model"]["latent"] == 4
    frames = byfeel.Store(store)[0]["tactile"]
    assert agent.plan(frames[:3], frames[-1]).shape == (18, 3)


def _shrunk_skewfit(out, **more):
    from byfeel.agents import SkewFit

    settings = dict(
        env_steps=200,
        warmup_steps=150,
        steps_per_epoch=100,
        updates_per_epoch=5,
        vae_batches_early=10,
        vae_batches_late=5,
        vae_batch=16,
        skew_after_epoch=1,
        density_samples=2,
        eval_goals=0,
        sac={"hidden": [32, 32], "batch": 32},
    )
    return SkewFit.train(out, progress=False, **{**settings, **more})


def test_skewfit_trains_acts_and_evaluates_from_python(tmp_path):
    from byfeel.agents import SkewFit

    agent = _shrunk_skewfit(tmp_path / "run")
    assert agent.config["env_steps"] == 200 and agent.config["sac"]["batch"] == 32
    lines = (tmp_path / "run" / "scalars.csv").read_text().splitlines()
    assert len(lines) == 3  # a header and two epochs
    image = np.zeros((48, 48, 3), np.uint8)
    goal = np.full((48, 48, 3), 200, np.uint8)
    action = agent.act(image, goal)
    assert action.shape == (3,) and action.dtype == np.float32
    assert np.all(np.abs(action) <= 1.0)
    assert not np.array_equal(agent.act(image, goal, explore_seed=1), action)
    result = agent.evaluate(goals=2)
    assert set(result) == {"angle_error", "hand_distance", "success", "median_angle_error", "goals"}
    assert 0.0 <= result["angle_error"] < 1.1
    errors = [g["angle_error"] for g in result["goals"]]
    assert len(errors) == 2 and result["angle_error"] == pytest.approx(sum(errors) / 2)
    assert result["median_angle_error"] == pytest.approx(sum(errors) / 2)  # two goals: their mean
    again = SkewFit.load(tmp_path / "run")
    assert np.array_equal(again.act(image, goal), action)


def test_skewfit_refuses_bad_settings_and_images(tmp_path):
    from byfeel.agents import SkewFit

    with pytest.raises(ValueError, match="unknown Skew-Fit setting"):
        SkewFit.train(tmp_path / "x", progress=False, batchsize=3)
    with pytest.raises(ValueError, match="alpha"):
        _shrunk_skewfit(tmp_path / "y", alpha=0.5)
    agent = _shrunk_skewfit(tmp_path / "z")
    with pytest.raises(ValueError, match=r"\(48, 48, 3\)"):
        agent.act(np.zeros((64, 48, 3), np.uint8), np.zeros((48, 48, 3), np.uint8))


def test_the_coverage_comparison_counts_the_door_angles_the_policy_reached(tmp_path):
    """experiments/skewfit_coverage.py compares alphas by the angles reached after the warm-up;
    its summary must count exactly those steps."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "experiments" / "skewfit_coverage.py"
    spec = importlib.util.spec_from_file_location("skewfit_coverage", path)
    coverage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(coverage)
    assert coverage.evenness([5] * 20) == pytest.approx(1.0)
    assert coverage.evenness([7] + [0] * 19) == 0.0
    pairs = {(-0.5, 0): {"coverage": 0.3}, (0.0, 0): {"coverage": 0.1},
             (-0.5, 1): {"coverage": 0.1}, (0.0, 1): {"coverage": 0.2}}
    c = coverage.compare(pairs, [0, 1], "coverage")
    assert c["differences"] == pytest.approx([0.2, -0.1]) and c["ahead"] == 1
    assert c["mean"] == pytest.approx(0.05)

    # Warm-up ends at 100 steps; of the policy's three epochs the second leaves the door shut.
    def row(steps, counts):
        return {"env_steps": steps, "angle_counts": counts + [0] * (20 - len(counts))}

    rows = [row(50, [50]), row(100, [90, 10]), row(150, [120, 20, 0, 10]),
            row(200, [170, 20, 0, 10]), row(250, [210, 20, 0, 10, 0, 10])]
    stalls = coverage.shut_epochs(rows, warmup_steps=100)
    assert stalls["shut_share"] == pytest.approx(1 / 3)
    # The two epochs that moved it: 30 + 40 steps in bin 0, 10 each in bins 1, 3 and 5.
    moved = row(0, [70, 10, 0, 10, 0, 10])["angle_counts"]
    assert stalls["moving_coverage"] == pytest.approx(coverage.evenness(moved))
    assert 0.0 < stalls["moving_coverage"] < 1.0

    _shrunk_skewfit(tmp_path / "run", warmup_steps=100)
    s = coverage.summarise(tmp_path / "run")
    # Epochs end at 100 and 200 steps: the policy chose the second epoch's 100 steps.
    assert s["env_steps"] == 200 and sum(s["policy_counts"]) == 100
    assert 0.0 <= s["policy_coverage"] <= 1.0 and 0.0 <= s["policy_open"] <= 1.0
    assert 0.0 <= s["late_open"] <= 1.0
    assert 0.0 <= s["shut_share"] <= 1.0 and 0.0 <= s["moving_coverage"] <= 1.0
    assert s["eval"] is None


def test_a_die_model_of_roll_actions_plans_pushes(tmp_path):
    store = tmp_path / "rolls.zarr"
    byfeel.collect("die-roll", store, episodes=4, robots=2, seed=1, max_episode_steps=3, actions="roll")
    agent = Predictive.train(store, tmp_path / "run", ae_steps=4, dynamics_steps=3, progress=False, samples=16)
    assert (agent.actions, agent.action_dim) == ("roll", 2)
    frames = byfeel.Store(store)[0]["tactile"]
    plan = agent.plan(frames[:1], frames[-1])
    assert plan.shape == (2, 2) and np.all(np.abs(plan) <= 1)
    env = byfeel.ByfeelEnv("DieRoll", actions="roll")
    obs, _ = env.reset(seed=1_000_000)
    env.step(agent.plan(obs[None], env.goal_image())[0])
    with pytest.raises(ValueError, match="shape"):
        agent.predict(frames[:1], np.zeros((2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="play"):
        byfeel.collect("die-roll", tmp_path / "x.zarr", episodes=1, policy="play", actions="roll")


def test_a_replay_memory_of_rolls_plans_one_push_and_predicts_the_next_press(tmp_path):
    store = tmp_path / "rolls.zarr"
    byfeel.collect("die-roll", store, episodes=12, robots=2, seed=3, max_episode_steps=3, actions="roll")
    agent = Predictive.train(store, tmp_path / "memory", model="memory", progress=False)
    assert (agent.actions, agent.action_dim, agent.context_len) == ("roll", 2, 1)
    assert Predictive.load(tmp_path / "memory").task == "DieRoll"
    frames = byfeel.Store(store)[0]["tactile"]
    # The press it is at is the goal: staying ([0, 0]) costs nothing, any roll costs more.
    agent.begin_episode(3)
    assert np.array_equal(agent.plan(frames[:1], frames[0]), np.zeros((1, 2), dtype=np.float32))
    plan = agent.plan(frames[:1], frames[-1])
    assert plan.shape == (1, 2) and np.all(np.isfinite(plan)) and np.all(np.abs(plan) <= 1)
    predicted = agent.predict(frames[:1], np.array([[1, 0], [0, 1]], dtype=np.float32))
    assert predicted.shape == (2,) + agent.image_shape and predicted.dtype == np.uint8
    hand = tmp_path / "hand.zarr"
    byfeel.collect("die-roll", hand, episodes=2, robots=2, seed=3, max_episode_steps=3)
    with pytest.raises(ValueError, match="roll actions"):
        Predictive.train(hand, tmp_path / "m2", model="memory", progress=False)
    assert not (tmp_path / "m2" / "memory.json").exists()


def test_the_shipped_agents_load_by_name(tmp_path):
    die = Predictive.load(byfeel.model_path("die-roll"))
    assert (die.task, die.actions) == ("DieRoll", "roll")
    assert Predictive.load(byfeel.model_path("cup-push")).task == "CupPush"
    door = SkewFit.load(byfeel.model_path("door-skewfit"))
    env = byfeel.ByfeelEnv("DoorOpen", obs_mode="goal")
    obs, _ = env.reset(seed=1_000_011)
    action = door.act(obs["image_observation"], obs["image_desired_goal"])
    assert action.shape == (3,) and np.all(np.abs(action) <= 1)
    # The same report `byfeel eval` writes, from Python.
    result = door.evaluate(goals=2, report=tmp_path / "eval", strips=1)
    assert len(result["goals"]) == 2
    report = (tmp_path / "eval" / "report.md").read_text()
    assert "final angle error" in report and (tmp_path / "eval" / "goal-000.png").exists()
    with pytest.raises(ValueError, match="die-roll"):
        byfeel.model_path("die")


def test_evaluate_writes_the_report_byfeel_eval_writes(tmp_path):
    import shutil

    from byfeel.agents import evaluate

    die = tmp_path / "die"
    shutil.copytree(byfeel.model_path("die-roll"), die)
    result = evaluate(die, episodes=2, controllers=["predictive", "random"])
    names = [c["controller"] for c in result["controllers"]]
    assert names == ["predictive", "random"]
    assert all(0 <= c["success_rate"] <= 1 and len(c["episodes"]) == 2 for c in result["controllers"])
    report = (die / "eval" / "report.md").read_text()
    assert "| predictive |" in report and "Not measured" in report   # the shipped memory keeps no held-out episodes
    assert (die / "eval" / "random-episodes.jsonl").read_text().count("\n") == 2
    with pytest.raises(ValueError, match="oracle"):
        evaluate(die, episodes=1, controllers=["oracle"])
    door = tmp_path / "door"
    shutil.copytree(byfeel.model_path("door-skewfit"), door)
    result = evaluate(door, episodes=2, strips=1)
    assert len(result["door"]["goals"]) == 2 and (door / "eval" / "report.md").exists()


def test_vice_trains_from_pictures_and_asks_a_python_labeller(tmp_path):
    from byfeel.agents import Vice

    examples = tmp_path / "pictures"
    Vice.make_examples(examples, "door-open", angle=0.5, count=4)
    assert len(list(examples.glob("*.png"))) == 4
    asked = []

    def labeller(image):
        asked.append(image.shape)
        return len(asked) == 1

    small = dict(env_steps=200, warmup_steps=100, steps_per_epoch=100, classifier_batch=8,
                 classifier_updates=2, updates_per_epoch=2, vae_batches=2, vae_batch=8,
                 query_every=1, sac={"hidden": [32, 32], "batch": 16})
    agent = Vice.train(tmp_path / "run", examples, labeller=labeller, **small)
    assert asked == [(48, 48, 3), (48, 48, 3)]
    logs = [json.loads(l) for l in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [e["queries"] for e in logs] == [1, 2] and logs[-1]["yes"] == 1
    assert isinstance(agent.reward(np.zeros((48, 48, 3), np.uint8)), float)
    result = agent.evaluate(episodes=2)
    assert len(result["vice"]["finals"]) == 2 and 0.0 <= result["vice"]["success"] <= 1.0
    assert (tmp_path / "run" / "eval" / "final-states.png").exists()
    with pytest.raises(ValueError, match="unknown VICE setting"):
        Vice.train(tmp_path / "x", examples, bogus=1)
    with pytest.raises(ValueError, match="callable"):
        Vice.train(tmp_path / "y", examples, labeller=3, **small)
    # Pictures of the cup train the cup task, and are refused for the door.
    cup = tmp_path / "cup-pictures"
    Vice.make_examples(cup, "cup-push", count=2)
    briefly = dict(small, env_steps=100, query_every=0)
    assert Vice.train(tmp_path / "cup", cup, **briefly).config["task"] == "CupPush"
    with pytest.raises(ValueError, match="cup scene"):
        Vice.train(tmp_path / "door", cup, task="DoorOpen", **briefly)
    assert not (tmp_path / "door").exists()
