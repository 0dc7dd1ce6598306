//! The door: shut unless pulled, and the hook pulls it open to a chosen angle.

mod common;
use byfeel_gym::{Command, CommandMode, Robot};
use byfeel_sim::HOOK_PRONG as PRONG;
use common::*;
use glam::{DQuat, DVec3};

#[test]
fn door_stays_shut_when_untouched() {
    let mut arm = robot("door");
    hold(&mut arm, 50);
    // The arm wanders in the half of the workspace nearest the robot, never reaching the door.
    for k in 0..150 {
        let t = k as f64 * 0.1;
        let p = DVec3::new(
            0.42 + 0.05 * (t * 0.7).sin(),
            0.1 * (t * 0.5).cos(),
            0.25 + 0.05 * t.sin(),
        );
        arm.command(Command::new(CommandMode::EndEffectorPosition(p)))
            .unwrap();
        arm.step().unwrap();
    }
    let angle = door_angle(&arm);
    assert!(
        angle.abs() < 1e-3,
        "door drifted open to {angle} rad without being touched"
    );
}

#[test]
fn hook_pulls_door_open_to_target_angle() {
    let mut arm = robot("door");
    let door = arm.inner().world().door.clone().unwrap();
    let cfg = arm.inner().world().config.door.clone().unwrap();
    let standoff = cfg.handle.standoff;
    let radius = cfg.handle.radius;
    // The middle of the gap between the handle bar and the door face, in the door's frame.
    let gap_local = DVec3::new(
        -(standoff - radius) / 2.0,
        door.handle_center.y,
        door.handle_center.z,
    );
    let gap = |angle: f64| door.hinge + DQuat::from_rotation_z(angle) * gap_local;

    // Reach above the gap, then lower the prong into it.
    go_to(
        &mut arm,
        gap(0.0) - PRONG + DVec3::new(0.0, 0.0, 0.10),
        0.003,
        60,
    );
    let s = go_to(&mut arm, gap(0.0) - PRONG, 0.002, 40);
    assert!(
        door_angle(&arm).abs() < 0.01,
        "lowering the hook must not open the door"
    );
    assert!(
        (s.ee_position - (gap(0.0) - PRONG)).length() < 0.005,
        "hook not in place: {:?}",
        s.ee_position
    );

    // Pull along the door's arc, leading the door by a little, until it reaches the target.
    // The prong pulls from the gap's middle, so the door sits ~0.08 rad behind the angle whose
    // gap the hand is at: the lead is kept up to the end rather than capped at the target.
    let target = 0.6;
    for _ in 0..300 {
        let angle = door_angle(&arm);
        if angle >= target {
            break;
        }
        let lead = angle + 0.1;
        arm.command(Command::new(CommandMode::EndEffectorPosition(
            gap(lead) - PRONG,
        )))
        .unwrap();
        arm.step().unwrap();
    }
    hold(&mut arm, 20);
    let angle = door_angle(&arm);
    eprintln!(
        "door pulled to {angle:.3} rad at t = {:.1} s",
        arm.state().time
    );
    assert!(
        (angle - target).abs() < 0.03,
        "door ended at {angle:.3} rad, wanted {target}"
    );
}
