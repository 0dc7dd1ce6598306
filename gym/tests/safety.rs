//! The safety layer: workspace clipping, per-step limits, deadlines, stop, and refusals that
//! leave the world untouched.

mod common;
use byfeel_gym::{Command, CommandMode, Robot, RobotError};
use common::*;
use glam::DVec3;

fn world_state(arm: &Arm) -> (Vec<f32>, f64) {
    let w = arm.inner().world();
    (w.state_vector(), w.time())
}

#[test]
fn targets_outside_the_workspace_are_clipped_to_its_box() {
    let mut arm = robot("cup");
    let ws = arm.spec().workspace;
    let s = go_to(&mut arm, DVec3::new(5.0, 0.0, -3.0), 1e-4, 150);
    let corner = DVec3::new(ws.max.x, 0.0, ws.min.z);
    assert!(
        (s.ee_position - corner).length() < 0.003,
        "hand at {:?}, box edge {corner:?}",
        s.ee_position
    );
}

#[test]
fn each_step_moves_the_hand_at_most_the_step_limit() {
    let mut arm = robot("cup");
    let limit = arm.spec().max_ee_step;
    let mut prev = arm.state().ee_position;
    arm.command(Command::new(CommandMode::EndEffectorPosition(
        prev + DVec3::new(0.2, 0.0, 0.0),
    )))
    .unwrap();
    for _ in 0..15 {
        let p = arm.step().unwrap().ee_position;
        assert!(
            (p - prev).abs().max_element() < limit + 0.004,
            "moved {:?} in one step",
            p - prev
        );
        prev = p;
    }
}

#[test]
fn a_command_past_its_deadline_holds_the_arm_still() {
    let mut arm = robot("cup");
    let t0 = arm.state().time;
    arm.command(Command::ee_delta(0.0, 0.02, 0.0).with_deadline(t0 + 0.25))
        .unwrap();
    let moving: Vec<_> = (0..3).map(|_| arm.step().unwrap()).collect();
    assert!(moving.iter().all(|s| !s.holding));
    assert!(
        moving[2].ee_position.y - moving[0].ee_position.y > 0.02,
        "the arm moved before the deadline"
    );
    let held_from = arm.step().unwrap();
    assert!(held_from.holding, "the step after the deadline holds");
    let later = (0..10).map(|_| arm.step().unwrap()).last().unwrap();
    assert!(later.holding);
    assert!(
        (later.ee_position - held_from.ee_position).length() < 0.005,
        "the arm kept moving after its deadline"
    );
}

#[test]
fn stop_refuses_motion_until_home() {
    let mut arm = robot("door");
    arm.stop();
    assert_eq!(
        arm.command(Command::ee_delta(0.01, 0.0, 0.0)),
        Err(RobotError::Stopped)
    );
    let before = arm.state().ee_position;
    arm.step().unwrap();
    assert!((arm.state().ee_position - before).length() < 1e-3);
    arm.home().unwrap();
    arm.command(Command::ee_delta(0.01, 0.0, 0.0)).unwrap();
}

#[test]
fn bad_commands_are_refused_and_leave_the_world_unchanged() {
    let mut arm = robot("door");
    arm.command(Command::ee_delta(0.0, 0.0, 0.01)).unwrap();
    arm.step().unwrap();
    let before = world_state(&arm);
    let names: Vec<String> = arm.spec().joints.iter().map(|j| j.name.clone()).collect();
    let n = names.len();
    let upper = arm.spec().joints[1].upper;
    let cases: Vec<(Command, &str)> = vec![
        (Command::ee_delta(f64::NAN, 0.0, 0.0), "not finite"),
        (Command::ee_delta(0.0, f64::INFINITY, 0.0), "not finite"),
        (Command::ee_delta(0.0, 0.0, 0.5), "out of range"),
        (
            Command::new(CommandMode::EndEffectorPosition(DVec3::new(
                0.5,
                f64::NAN,
                0.2,
            ))),
            "not finite",
        ),
        (
            Command::new(CommandMode::JointPositions(vec![0.0; n - 1])),
            "expected 7 joint values, got 6",
        ),
        (
            Command::new(CommandMode::JointPositions({
                let mut q = vec![0.0; n];
                q[1] = upper + 0.5;
                q
            })),
            "right_j1",
        ),
        (
            Command::new(CommandMode::JointPositions(vec![f64::NAN; n])),
            "not finite",
        ),
        (
            Command::new(CommandMode::NamedJointPositions(vec![(
                "elbow".into(),
                0.1,
            )])),
            "unknown joint \"elbow\"",
        ),
        (
            Command::new(CommandMode::NamedJointPositions(vec![
                (names[0].clone(), 0.1),
                (names[0].clone(), 0.2),
            ])),
            "more than once",
        ),
        (
            Command::ee_delta(0.0, 0.0, 0.01).with_deadline(f64::NAN),
            "deadline",
        ),
    ];
    for (cmd, expect) in cases {
        let err = arm
            .command(cmd.clone())
            .expect_err(&format!("{cmd:?} should be refused"));
        assert!(
            err.to_string().contains(expect),
            "error for {cmd:?} was \"{err}\", expected it to mention \"{expect}\""
        );
        assert_eq!(
            world_state(&arm),
            before,
            "a refused command changed the world"
        );
    }
    // The command in force before the refusals still runs, and the world still steps.
    let z0 = arm.state().ee_position.z;
    arm.step().unwrap();
    assert!(
        arm.state().ee_position.z > z0 + 0.005,
        "the last good command is still in force"
    );
}

#[test]
fn sensors_are_listed_and_unknown_ones_named() {
    let mut arm = robot("door");
    let names: Vec<_> = arm.spec().sensors.iter().map(|s| s.name.clone()).collect();
    assert!(
        names.contains(&"door_top".to_string()) && names.contains(&"gel".to_string()),
        "{names:?}"
    );
    let err = arm.read_sensor("nope").unwrap_err();
    assert!(matches!(err, RobotError::UnknownSensor { .. }), "{err}");
}

#[test]
fn the_arm_knows_where_its_joints_put_the_hand() {
    let mut arm = robot("door");
    arm.command(Command::ee_delta(0.02, -0.01, 0.01)).unwrap();
    for _ in 0..5 {
        let s = arm.step().unwrap();
        let at = arm.hand_at(&s.joint_positions).unwrap();
        assert!(
            (at - s.ee_position).length() < 1e-4,
            "{at} vs {:?}",
            s.ee_position
        );
    }
    assert_eq!(arm.hand_at(&[0.0; 2]), None, "a wrong number of joints");
}

#[test]
fn joint_targets_never_take_the_hand_out_of_the_workspace() {
    let mut arm = robot("door");
    let (spec, start) = (arm.spec().clone(), arm.state());
    // Every joint to its upper limit: a posture whose hand lies far outside the box.
    let far: Vec<f64> = spec.joints.iter().map(|j| j.upper).collect();
    assert!(!spec.workspace.contains(arm.hand_at(&far).unwrap()));
    arm.command(Command::new(CommandMode::JointPositions(far)))
        .unwrap();
    let mut moved = 0.0f64;
    for _ in 0..60 {
        let s = arm.step().unwrap();
        let outside = (s.ee_position - spec.workspace.clamp(s.ee_position)).length();
        assert!(outside < 0.005, "the hand left the box by {outside} m");
        moved = moved.max((s.ee_position - start.ee_position).length());
    }
    assert!(
        moved > 0.02,
        "the arm moves toward the box's edge before holding: {moved} m"
    );
    // Joint targets inside the box are followed.
    let near = start.joint_positions.clone();
    arm.command(Command::new(CommandMode::JointPositions(near)))
        .unwrap();
    for _ in 0..60 {
        arm.step().unwrap();
    }
    assert!((arm.state().ee_position - start.ee_position).length() < 0.01);
}
