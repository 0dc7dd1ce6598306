//! The DoorOpen task as Skew-Fit practises on it: the hand kept in a box around the handle's
//! path, so that plain random actions find the handle and swing the door, as they do in the
//! paper's door; reset-free, so that what is opened stays open until the robot shuts it.

use byfeel_gym::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn door_env() -> TaskEnv {
    TaskEnv::new(EnvConfig::new(Task::DoorOpen).obs_mode(ObsMode::State)).unwrap()
}

fn hand(e: &TaskEnv) -> glam::DVec3 {
    e.robot().inner().world().ee_frame().translation
}

#[test]
fn random_actions_find_the_handle_and_swing_the_door() {
    let mut e = door_env();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    e.reset(Some(0), &ResetOptions::default()).unwrap();
    let start = hand(&e);
    let (mut lo, mut hi) = (start, start);
    let mut angles = Vec::new();
    for t in 0..4000 {
        let a: Vec<f32> = (0..3).map(|_| rng.random_range(-1.0..1.0)).collect();
        e.step(&a).unwrap();
        if t % 100 == 99 {
            // Reset-free: only a new goal.
            e.reset(None, &ResetOptions::default()).unwrap();
        }
        let h = hand(&e);
        lo = lo.min(h);
        hi = hi.max(h);
        angles.push(e.robot().inner().world().door_angle().unwrap());
    }
    let size = hi - lo;
    let widest = angles.iter().cloned().fold(0.0, f64::max);
    eprintln!(
        "hand stayed within {size:.3} m; door angle max {widest:.3} rad; past 0.1 rad in {} steps",
        angles.iter().filter(|&&a| a > 0.1).count()
    );
    // The arm's workspace is 0.43 × 0.55 × 0.40 m; the box is a fraction of it.
    assert!(
        size.x < 0.30 && size.y < 0.28 && size.z < 0.20,
        "the hand left its box around the handle: it spanned {size:?}"
    );
    let opened = angles.iter().filter(|&&a| a > 0.1).count();
    assert!(
        opened > 100 && widest > 0.3,
        "random actions opened the door past 0.1 rad in only {opened} of 4000 steps (widest {widest:.2} rad)"
    );
}

#[test]
fn a_hard_reset_starts_the_hand_above_the_shut_door_clear_of_the_handle() {
    let mut e = door_env();
    e.reset(Some(3), &ResetOptions::default()).unwrap();
    let world = e.robot().inner().world();
    assert!(world.door_angle().unwrap().abs() < 1e-6);
    let handle = world.door_handle_position().unwrap();
    let h = hand(&e);
    assert!(
        h.z > handle.z + 0.05,
        "the hand starts at {h:?}, not above the handle at {handle:?}"
    );
    // Holding still leaves the door shut: the start does not open it by itself.
    for _ in 0..20 {
        e.step(&[0.0, 0.0, 0.0]).unwrap();
    }
    assert!(e.robot().inner().world().door_angle().unwrap().abs() < 0.01);
}
