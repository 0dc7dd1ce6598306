"""The experience store from Python: byfeel.Store and zarr-python read what Rust wrote."""

import gc

import numpy as np
import pytest

import byfeel


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "door.zarr"
    added = byfeel.collect("door-open", path, episodes=4, robots=2, max_episode_steps=6)
    assert added == (4, 4 * 7)
    return path


def test_store_gives_episodes_as_numpy(store_path):
    store = byfeel.Store(store_path)
    assert len(store) == 4 and store.num_steps == 28
    ep = store[1]
    assert ep["camera"].shape == (7, 48, 48, 3) and ep["camera"].dtype == np.uint8
    assert ep["tactile"].shape == (7, 48, 64, 3)
    assert ep["action"].shape == (7, 3) and ep["action"].dtype == np.float32
    assert ep["reward"].shape == (7,)
    assert ep["is_first"][0] == 1 and ep["is_last"][-1] == 1
    assert np.all(np.abs(ep["action"][:-1]) <= 1) and np.all(ep["action"][-1] == 0)
    assert ep["robot"].shape == () and ep["seed"].dtype == np.uint64
    assert ep["goal_image"].shape == (48, 48, 3)
    fields = store.fields
    assert fields["oracle"]["columns"][:3] == ["time", "gel_in_contact", "door_angle"]
    assert fields["scene"]["kind"] == "episode"
    assert "door.damping" in fields["scene"]["columns"]
    np.testing.assert_array_equal(store[-1]["camera"], store[3]["camera"])
    np.testing.assert_array_equal(store.read("camera", 7, 14), ep["camera"])
    with pytest.raises(IndexError):
        store[4]
    with pytest.raises(KeyError):
        store.read("nope", 0, 1)


def test_zarr_python_reads_what_rust_wrote(store_path):
    zarr = pytest.importorskip("zarr")
    store = byfeel.Store(store_path)
    root = zarr.open_group(str(store_path), mode="r")
    assert root.attrs["task"] == "DoorOpen"
    assert root.attrs["byfeel"]["format"] == 1
    ends = root["episode_ends"][:]
    np.testing.assert_array_equal(ends, store.episode_ends)
    assert root["camera"].shape == (28, 48, 48, 3)
    assert root["camera"].dtype == np.uint8
    for e in range(len(store)):
        ep = store[e]
        start = 0 if e == 0 else int(ends[e - 1])
        for name in ["camera", "tactile", "proprio", "action", "reward", "oracle", "goal"]:
            np.testing.assert_array_equal(root[name][start : ends[e]], ep[name], err_msg=name)
        for name in ["scene", "goal_image", "seed"]:
            np.testing.assert_array_equal(root[name][e], ep[name], err_msg=name)
    assert root["oracle"].attrs["columns"][2] == "door_angle"


def test_weighted_sampling_from_python(store_path):
    store = byfeel.Store(store_path)
    w = np.zeros(store.num_steps)
    w[[3, 10]] = [1.0, 3.0]
    batch = store.sample(4000, ["camera", "action"], weights=w, seed=0)
    assert batch["camera"].shape == (4000, 48, 48, 3)
    assert set(np.unique(batch["index"])) == {3, 10}
    share = np.mean(batch["index"] == 10)
    assert 0.72 < share < 0.78, share
    np.testing.assert_array_equal(batch["episode"], np.where(batch["index"] == 3, 0, 1))
    cams = store.read("camera", 0, store.num_steps)
    np.testing.assert_array_equal(batch["camera"], cams[batch["index"]])
    again = store.sample(16, ["action"], seed=5)
    np.testing.assert_array_equal(again["index"], store.sample(16, ["action"], seed=5)["index"])
    with pytest.raises(ValueError, match="entries"):
        store.sample(8, ["camera"], weights=np.ones(3))
    with pytest.raises(ValueError, match="finite"):
        store.sample(8, ["camera"], weights=np.full(store.num_steps, np.nan))


def test_refresh_sees_appended_episodes(store_path, tmp_path):
    path = tmp_path / "grow.zarr"
    byfeel.collect("die-roll", path, episodes=1, robots=1, max_episode_steps=3)
    store = byfeel.Store(path)
    assert len(store) == 1
    byfeel.collect("die-roll", path, episodes=2, robots=2, max_episode_steps=3)
    assert store.refresh() == 2 and len(store) == 3
    with pytest.raises(OSError, match="no byfeel store"):
        byfeel.Store(tmp_path)
    with pytest.raises(ValueError, match="task"):
        byfeel.collect("juggle", tmp_path / "x.zarr")


def test_pressing_play_held_three_steps(tmp_path):
    path = tmp_path / "held.zarr"
    byfeel.collect("die-roll", path, episodes=1, robots=1, max_episode_steps=6, policy="pressing", hold=3)
    actions = byfeel.Store(path)[0]["action"][:-1]
    assert np.all(actions[:, 2] <= 0), "pressing never lifts the hand"
    assert np.all(actions[:3] == actions[0]) and np.all(actions[3:] == actions[3])
    assert not np.all(actions[0] == actions[3])
    with pytest.raises(ValueError, match="policy"):
        byfeel.collect("die-roll", tmp_path / "y.zarr", policy="clever")
    with pytest.raises(ValueError, match="hold"):
        byfeel.collect("die-roll", tmp_path / "z.zarr", hold=0)
    assert not (tmp_path / "y.zarr").exists() and not (tmp_path / "z.zarr").exists()


def test_a_loose_task_name_is_refused_with_the_valid_ones(tmp_path):
    # "cup" is two tasks (Reach and CupPush share the cup scene): neither is guessed.
    with pytest.raises(ValueError, match="cup-push"):
        byfeel.collect("cup", tmp_path / "x.zarr", episodes=1)
    with pytest.raises(ValueError, match="DoorOpen"):
        byfeel.ByfeelEnv("cup")
    assert not (tmp_path / "x.zarr").exists()


def test_collecting_on_a_family_door_records_that_door(tmp_path):
    from byfeel.store import Store, collect

    scenes = []
    for name, door in [("a", 5), ("b", 5), ("c", 6)]:
        assert collect("door-open", tmp_path / name, episodes=1, robots=1, door=door) == (1, 101)
        scenes.append(Store(tmp_path / name)[0]["scene"])
    # The same door is drawn the same; another door differs.
    assert np.array_equal(scenes[0], scenes[1]) and not np.array_equal(scenes[0], scenes[2])
    with pytest.raises(ValueError, match="DoorOpen"):
        collect("cup-push", tmp_path / "d", episodes=1, robots=1, door=5)


def test_a_second_writer_is_refused_until_the_first_closes(tmp_path):
    from byfeel import _native

    path = str(tmp_path / "robot.zarr")
    first = _native.Practice(0, 0, path)
    with pytest.raises(byfeel.StoreLocked, match="another writer"):
        _native.Practice(0, 1, path)
    del first
    gc.collect()
    assert _native.Practice(0, 1, path) is not None
