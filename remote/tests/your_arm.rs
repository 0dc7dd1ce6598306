//! The guide's own-arm example (`examples/serve_your_arm.rs`) is a working `Robot`: served,
//! byfeel's client drives it, and its safety layer keeps joint targets inside the box.

#[allow(dead_code)]
#[path = "../examples/serve_your_arm.rs"]
mod example;

use byfeel_gym::{Command, CommandMode, Robot};
use byfeel_remote::{RemoteRobot, ServeOptions, spawn};

#[test]
fn the_example_arm_is_driven_over_the_network_and_kept_in_its_box() {
    let arm = example::YourArm::connect();
    let server = spawn(
        Box::new(arm),
        "127.0.0.1:0".parse().unwrap(),
        ServeOptions::default(),
    )
    .unwrap();
    let mut robot = RemoteRobot::connect(&server.addr.to_string()).unwrap();
    assert!(
        robot.simulator().is_none(),
        "a real arm offers no simulator"
    );
    let start = robot.state().ee_position;
    robot.command(Command::ee_delta(0.0, 0.0, 0.02)).unwrap();
    let moved = robot.step().unwrap().ee_position;
    assert!((moved.z - start.z - 0.02).abs() < 1e-9, "{start} → {moved}");
    let image = robot.read_sensor("wrist").unwrap();
    assert_eq!(image.rgb.len(), 64 * 48 * 3);
    // A joint target past the box's top (within the joint's own limit) stops at the box.
    let ws = robot.spec().workspace;
    robot
        .command(Command::new(CommandMode::JointPositions(vec![
            0.55, 0.0, 0.5,
        ])))
        .unwrap();
    for _ in 0..20 {
        let p = robot.step().unwrap().ee_position;
        assert!(ws.contains(p), "the hand at {p} left {ws:?}");
    }
    let top = robot.state().ee_position.z;
    assert!(
        top > ws.max.z - 1e-3,
        "it went as far as the box allows: {top}"
    );
}
