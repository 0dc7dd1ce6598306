"""The fleet on a real local Ray cluster of two nodes: robots practise on their own doors into
their own stores while a learner trains on all of them and sends its policy back; a robot and
the learner killed mid-run are restarted and nothing committed is lost, and the run continues
from its stores and the learner's checkpoint when started again."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
import ray
from ray.cluster_utils import Cluster

from byfeel.doors import held_out_doors  # noqa: E402
from byfeel.fleet import FleetConfig, fleet_status, run_fleet  # noqa: E402
from byfeel.store import Store  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    # A head and a second node on this machine, sized for a 2-core CI runner; shared by the
    # module's tests so the start-up is paid once.
    c = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "object_store_memory": 80 * 1024 * 1024},
    )
    c.add_node(num_cpus=1, object_store_memory=80 * 1024 * 1024)
    c.wait_for_nodes()
    ray.init(address=c.address, ignore_reinit_error=True)
    yield c
    ray.shutdown()
    c.shutdown()


# Skew-Fit shrunk to a test's size: epochs of 200 steps, SAC from the first.
TINY = {
    "warmup_steps": 200, "steps_per_epoch": 200, "updates_per_epoch": 5,
    "vae_batches_early": 5, "vae_batches_late": 5, "vae_batch": 16, "skew_after_epoch": 1,
    "density_samples": 2, "eval_goals": 0, "checkpoint_every": 1,
    "sac": {"hidden": [32, 32], "batch": 32},
}


def test_two_robots_on_two_nodes_learn_together_and_survive_kills(cluster, tmp_path):
    assert len([n for n in ray.nodes() if n["Alive"]]) == 2
    run = tmp_path / "run"
    config = FleetConfig(robots=2, env_steps=800, episodes_per_call=1, skewfit=TINY)
    killed, reports = [], []

    def kill_one(report):
        reports.append(report)
        # The first report's robot dies mid-run: Ray restarts it and it carries on.
        if not killed:
            pid = ray.get(report["actor"].pid.remote())
            os.kill(pid, signal.SIGKILL)
            store = run / "robots" / f"robot-{report['robot']}"
            killed.append((report["robot"], Store(store).num_steps))
        # Once it has a policy out, the learner dies too: restarted, it resumes from its
        # checkpoint and reads the stores again.
        if report["version"] is not None and len(killed) == 1:
            os.kill(ray.get(report["learner"].pid.remote()), signal.SIGKILL)
            killed.append("learner")

    status = run_fleet(config, run, on_report=kill_one)
    assert killed and status["actions"] >= 800
    # The killed robot came back and went on writing.
    robot, steps_when_killed = killed[0]
    assert Store(run / "robots" / f"robot-{robot}").num_steps > steps_when_killed
    for k, door in enumerate([0, 1]):
        s = Store(run / "robots" / f"robot-{k}")
        assert s.num_episodes >= 1, f"robot {k} wrote nothing"
        # Every episode of robot k is on its own door: the family's parameters are the door's.
        scenes = {tuple(s[e]["scene"]) for e in range(s.num_episodes)}
        assert len(scenes) == 1, f"robot {k} played more than one door"
    # Nothing committed was lost: the stores hold what the robots reported.
    reported = sum(r["steps"] for r in map(json.loads, open(run / "fleet-log.jsonl")))
    assert fleet_status(run)["steps"] == reported
    # The learner learned from every stored step, and the robots acted with its policy once
    # it had one (its first epoch comes after 200 steps).
    assert status["learner"]["env_steps"] == fleet_status(run)["actions"]
    assert status["learner"]["unlearned"] == 0 and status["learner"]["epochs"] >= 4
    assert any(r["version"] is not None for r in reports), "no robot got a policy"
    assert "learner" in killed
    assert (run / "learner" / "sac" / "actor.bpk").exists()

    # Started again with a larger budget, the run continues from its stores, watched.
    before = fleet_status(run)["actions"]
    epochs = status["learner"]["epochs"]
    more = FleetConfig(robots=2, env_steps=before + 200, episodes_per_call=1, skewfit=TINY)
    status = run_fleet(more, run, watch="127.0.0.1:0")
    assert status["actions"] >= before + 200
    assert status["learner"]["epochs"] > epochs, "the learner continues from its checkpoint"
    state = json.loads(urllib.request.urlopen(status["watch"] + "state.json").read())
    assert [r["name"] for r in state["robots"]] == ["robot 0 · door 0", "robot 1 · door 1"]
    assert f"{status['actions']:,} of {before + 200:,} steps" in state["title"]
    assert all({"camera", "gel", "goal"} <= set(r["pictures"]) for r in state["robots"])
    png = urllib.request.urlopen(status["watch"] + "picture/1/camera.png").read()
    curves = json.loads(urllib.request.urlopen(status["watch"] + "curves.json").read())
    assert curves["learner/epochs"] and curves["fleet/steps per second since start"]
    # Curves run over the steps in the stores, so the last point is at this run's total.
    assert curves["robot 0/episodes"][-1][0] <= status["actions"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # Other settings in the same directory, and held-out doors, are refused.
    with pytest.raises(ValueError, match="other settings"):
        run_fleet(FleetConfig(robots=3, env_steps=10, skewfit=TINY), run)
    with pytest.raises(ValueError, match="no such Skew-Fit setting"):
        run_fleet(FleetConfig(robots=1, skewfit={"sac": {"bach": 3}}), tmp_path / "y")
    with pytest.raises(ValueError, match="held out"):
        run_fleet(FleetConfig(robots=1, doors=held_out_doors(1)), tmp_path / "x")


def test_a_driver_stopped_with_sigterm_closes_its_stores_and_continues(cluster, tmp_path):
    run = tmp_path / "run"
    cmd = [sys.executable, "-m", "byfeel.fleet", "--address", cluster.address, "--robots", "1",
           "--no-learn", "--out", str(run)]
    driver = subprocess.Popen(cmd + ["--env-steps", "100000"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while fleet_status(run)["episodes"] < 2:
        assert driver.poll() is None and time.monotonic() < deadline, "the fleet did not start"
        time.sleep(0.5)
    driver.send_signal(signal.SIGTERM)
    _, err = driver.communicate(timeout=60)
    assert driver.returncode == 130, err
    held = fleet_status(run)
    assert f"holds {held['episodes']} episodes" in err
    # The robot closed its store (a robot still holding it would make this raise StoreLocked),
    # and the same command continues the run.
    from byfeel import _native

    _native.Practice(0, 0, str(run / "robots" / "robot-0"))
    more = subprocess.run(cmd + ["--env-steps", str(held["actions"] + 100)], capture_output=True,
                          text=True, timeout=120)
    assert more.returncode == 0, more.stderr
    assert fleet_status(run)["actions"] >= held["actions"] + 100
