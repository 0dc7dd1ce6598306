//! Helpers shared by the behaviour tests: scripted motions through the safe robot interface.
#![allow(dead_code)]

use byfeel_gym::{Command, CommandMode, Oracle, Robot, RobotState, SafetyLayer, SimRobot};
use byfeel_sim::Randomization;
use glam::DVec3;

pub type Arm = SafetyLayer<SimRobot>;

pub fn robot(scene: &str) -> Arm {
    SafetyLayer::new(
        SimRobot::from_scene(scene, Randomization::Nominal).expect("bundled scene loads"),
    )
}

/// Commands an end-effector position and steps until the hand is within `tol` of it (or
/// `max_steps` pass). Returns the last state.
pub fn go_to(arm: &mut Arm, target: DVec3, tol: f64, max_steps: usize) -> RobotState {
    arm.command(Command::new(CommandMode::EndEffectorPosition(target)))
        .unwrap();
    let mut state = arm.state();
    for _ in 0..max_steps {
        state = arm.step().unwrap();
        if (state.ee_position - target).length() < tol
            && state.joint_velocities.iter().all(|v| v.abs() < 0.02)
        {
            break;
        }
    }
    state
}

/// Moves in a straight line to `target` at `speed` m/s, one small position target per step.
pub fn sweep(arm: &mut impl Robot, target: DVec3, speed: f64) -> RobotState {
    let dt = arm.spec().control_dt;
    let start = arm.state().ee_position;
    let dist = (target - start).length();
    let n = (dist / (speed * dt)).ceil().max(1.0) as usize;
    let mut state = arm.state();
    for k in 1..=n {
        let p = start + (target - start) * (k as f64 / n as f64);
        arm.command(Command::new(CommandMode::EndEffectorPosition(p)))
            .unwrap();
        state = arm.step().unwrap();
    }
    state
}

pub fn hold(arm: &mut Arm, steps: usize) -> RobotState {
    arm.command(Command::new(CommandMode::Hold)).unwrap();
    let mut s = arm.state();
    for _ in 0..steps {
        s = arm.step().unwrap();
    }
    s
}

pub fn door_angle(arm: &Arm) -> f64 {
    arm.oracle().door_angle.expect("scene has a door")
}
