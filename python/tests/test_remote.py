"""An arm on the network: a task on a served arm plays as it does in process, one client
controls while others watch, and bad commands or addresses are named."""

import gymnasium as gym
import numpy as np
import pytest

import byfeel


@pytest.fixture(scope="module")
def door_server():
    server = byfeel.serve("door")
    yield server
    server.close()


def test_a_task_on_a_served_arm_plays_as_in_process(door_server):
    there = gym.make("byfeel/DoorOpen-v0", obs_mode="goal", robot=door_server.address)
    here = gym.make("byfeel/DoorOpen-v0", obs_mode="goal")
    a, ia = there.reset(seed=4)
    b, ib = here.reset(seed=4)
    for key in b:
        np.testing.assert_array_equal(a[key], b[key])
    for _ in range(3):
        action = np.array([-0.6, 0.3, 0.1], dtype=np.float32)
        ta, tb = there.step(action), here.step(action)
        np.testing.assert_array_equal(ta[0]["image_observation"], tb[0]["image_observation"])
        assert ta[1] == tb[1] and ta[4]["oracle_door_angle"] == tb[4]["oracle_door_angle"]
    there.close()  # lets go of the arm


def test_one_client_controls_and_others_watch(door_server):
    robot = byfeel.RemoteRobot(door_server.address)
    assert robot.spec["simulated"] and robot.spec["joints"]
    with pytest.raises(ValueError, match="another client controls"):
        byfeel.RemoteRobot(door_server.address)
    watcher = byfeel.RemoteRobot(door_server.address, watch=True)
    z = robot.state()["ee_position"][2]
    robot.move_hand(0.0, 0.0, 0.01)
    robot.step()
    assert robot.state()["ee_position"][2] > z + 0.005
    np.testing.assert_array_equal(watcher.state()["ee_position"], robot.state()["ee_position"])
    camera = watcher.spec["sensors"][0][0]
    assert watcher.read_sensor(camera).dtype == np.uint8
    with pytest.raises(ValueError, match="only watches"):
        watcher.move_hand(0.0, 0.0, 0.01)
    with pytest.raises(ValueError, match="not finite"):
        robot.move_hand(float("nan"), 0.0, 0.0)
    del robot


def test_no_server_is_a_clear_error():
    with pytest.raises(ConnectionError, match="cannot reach a robot server"):
        byfeel.RemoteRobot("127.0.0.1:1")


def test_a_served_arm_across_a_reality_gap_says_so_and_looks_different():
    server = byfeel.serve("cup", gap="mild")
    try:
        assert 'name = "mild"' in byfeel.RemoteRobot(server.address, watch=True).gap
        there = gym.make("byfeel/CupPush-v0", robot=server.address)
        here = gym.make("byfeel/CupPush-v0")
        a, _ = there.reset(seed=2)
        b, _ = here.reset(seed=2)
        assert a.shape == b.shape and not np.array_equal(a, b)
        there.close()
    finally:
        server.close()
    with pytest.raises(ValueError, match="none, mild, hard"):
        byfeel.serve("cup", gap="medium")


def test_skewfit_explores_with_a_served_arm_as_in_process(door_server, tmp_path):
    from test_agents import _shrunk_skewfit

    here = _shrunk_skewfit(tmp_path / "here")
    there = _shrunk_skewfit(tmp_path / "there", robot=door_server.address)
    image = np.zeros((48, 48, 3), np.uint8)
    goal = np.full((48, 48, 3), 200, np.uint8)
    np.testing.assert_array_equal(here.act(image, goal), there.act(image, goal))
