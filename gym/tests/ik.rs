//! End-effector control: the hand reaches targets across the workspace to within 2 mm.

mod common;
use byfeel_gym::{Robot, SafetyLayer, SimRobot};
use byfeel_sim::{Randomization, SceneConfig, World, scene_path};
use common::*;
use glam::DVec3;

/// The cup scene's arm and workspace with the cup taken off the table, so nothing blocks the hand.
fn empty_table() -> Arm {
    let path = scene_path("cup");
    let (mut config, dir) = SceneConfig::from_file(&path).unwrap();
    config.cup = None;
    let world = World::from_config(config, &dir, &path, Randomization::Nominal).unwrap();
    SafetyLayer::new(SimRobot::new(world))
}

#[test]
fn hand_reaches_targets_across_the_workspace_within_2mm() {
    let mut arm = empty_table();
    let ws = arm.spec().workspace;
    // A 3 x 3 x 3 grid spanning the box, 2 cm in from its faces.
    let inset = DVec3::splat(0.02);
    let (lo, hi) = (ws.min + inset, ws.max - inset);
    let mut worst: f64 = 0.0;
    for i in 0..3 {
        for j in 0..3 {
            for k in 0..3 {
                let f = DVec3::new(i as f64, j as f64, k as f64) / 2.0;
                let target = lo + (hi - lo) * f;
                let s = go_to(&mut arm, target, 0.0005, 120);
                let err = (s.ee_position - target).length();
                worst = worst.max(err);
                assert!(
                    err < 0.002,
                    "missed {target:?} by {:.2} mm: hand at {:?}, joints {:?}",
                    err * 1e3,
                    s.ee_position,
                    s.joint_positions
                );
            }
        }
    }
    eprintln!("worst miss over 27 targets: {:.3} mm", worst * 1e3);
}

#[test]
fn hand_keeps_the_tool_pointing_down() {
    let mut arm = robot("door");
    let s = go_to(&mut arm, DVec3::new(0.6, -0.1, 0.15), 0.0005, 120);
    let down = s.ee_orientation * DVec3::Z;
    assert!(
        down.dot(-DVec3::Z) > 0.999,
        "gel normal {down:?} should point down"
    );
}
