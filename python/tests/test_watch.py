"""byfeel.Watch: a page of pictures and curves served from Python, as the fleet uses it."""

import json
import urllib.error
import urllib.request

import numpy as np
import pytest

import byfeel


def test_a_watch_serves_what_it_is_given_and_refuses_bad_pictures():
    watch = byfeel.Watch("127.0.0.1:0", title="a test", install=False)
    robot = watch.add_robot("robot 0")
    image = np.zeros((48, 64, 3), np.uint8)
    image[:, :, 0] = 200
    watch.picture(robot, "camera", image)
    watch.point("loss", 1.0, 0.5)
    watch.point("loss", 2.0, float("nan"))  # skipped, not an error
    state = json.loads(urllib.request.urlopen(watch.url + "state.json").read())
    assert state["title"] == "a test" and state["robots"][0]["name"] == "robot 0"
    assert "camera" in state["robots"][0]["pictures"]
    assert json.loads(urllib.request.urlopen(watch.url + "curves.json").read()) == {"loss": [[1.0, 0.5]]}
    png = urllib.request.urlopen(watch.url + "picture/0/camera.png").read()
    assert png[:4] == b"\x89PNG"
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(watch.url + "picture/0/gel.png")
    with pytest.raises(ValueError, match="camera, gel or goal"):
        watch.picture(robot, "sideways", image)
    with pytest.raises(ValueError, match="height x width x 3"):
        watch.picture(robot, "camera", np.zeros((48, 64), np.uint8))
