//! The door family (`assets/scenes/door-family.toml`): every door is built with its drawn
//! handle, hinge side, size and looks, and the arm can open each one.

use byfeel_gym::scripted::open_door;
use byfeel_gym::{Randomization, SimRobot};
use byfeel_sim::HandleKind;

fn door(seed: u64) -> SimRobot {
    SimRobot::from_scene("door-family", Randomization::Seeded(seed)).unwrap()
}

/// The first door of the family with a `kind` handle.
fn first_door_with(kind: HandleKind) -> u64 {
    (0..50)
        .find(|&s| door(s).world().door.as_ref().unwrap().kind == kind)
        .expect("each kind of handle among the first 50 doors")
}

fn describe(arm: &SimRobot) -> String {
    let d = arm.world().door.as_ref().unwrap();
    let side = if d.side > 0.0 { "right" } else { "left" };
    format!("{:?} handle, hinged on the {side}", d.kind)
}

#[test]
fn the_arm_opens_every_kind_of_door_on_either_hinge() {
    // The family's first 300 doors: every handle on both sides, in fair shares.
    let doors: Vec<(u64, HandleKind, bool)> = (0..300)
        .map(|seed| {
            let d = door(seed).world().door.clone().unwrap();
            (seed, d.kind, d.side > 0.0)
        })
        .collect();
    let mut seeds = Vec::new();
    for kind in [HandleKind::Bar, HandleKind::Lever, HandleKind::Knob] {
        for right in [true, false] {
            let these: Vec<u64> = doors
                .iter()
                .filter(|d| d.1 == kind && d.2 == right)
                .map(|d| d.0)
                .collect();
            assert!(
                these.len() > 30,
                "{} {kind:?} doors hinged right={right} of 300",
                these.len()
            );
            seeds.extend(&these[..2]);
        }
    }
    // Held-out doors too (seeds from 1 000 000).
    seeds.extend(1_000_000..1_000_003);
    for seed in seeds {
        let mut arm = door(seed);
        let what = describe(&arm);
        let angle = open_door(&mut arm, 0.6).unwrap().unwrap();
        assert!(
            angle > 0.45,
            "door {seed} ({what}) opened only to {angle:.3} rad of 0.6"
        );
    }
}

#[test]
fn a_lever_door_stays_latched_until_the_lever_is_pressed() {
    let seed = first_door_with(HandleKind::Lever);
    let mut arm = door(seed);
    let d = arm.world().door.clone().unwrap();
    // The prong in the lever's slot, pulled along the arc without pressing.
    let hand_at = |a: f64| d.slot_position(a) - byfeel_sim::HOOK_PRONG;
    let go = |arm: &mut SimRobot, p| byfeel_gym::scripted::move_to(arm, p, 0.004, 40).unwrap();
    go(&mut arm, hand_at(0.0) + glam::DVec3::new(-0.03, 0.0, 0.09));
    go(&mut arm, hand_at(0.0) + glam::DVec3::new(0.0, 0.0, 0.09));
    go(&mut arm, hand_at(0.0));
    for k in 1..=6 {
        go(&mut arm, hand_at(0.1 * k as f64));
    }
    let world = arm.world();
    let shut = world.door_angle().unwrap();
    assert!(
        shut < 0.03,
        "the latched door {seed} opened to {shut:.3} rad"
    );
    assert!(world.door.as_ref().unwrap().latched(world.physics()));
    // Pressed, it opens.
    let mut arm = door(seed);
    let angle = open_door(&mut arm, 0.6).unwrap().unwrap();
    assert!(
        angle > 0.45,
        "pressed, door {seed} opened only to {angle:.3} rad"
    );
}

#[test]
fn a_door_seed_always_builds_the_same_door_and_seeds_differ() {
    let drawn = |seed| door(seed).world().scene_parameters();
    assert_eq!(drawn(7), drawn(7));
    assert_ne!(drawn(7), drawn(8));
    // The family's looks are drawn too: colours and the light.
    let (a, b) = (door(7), door(8));
    assert_ne!(
        a.world().door.as_ref().unwrap().colours,
        b.world().door.as_ref().unwrap().colours
    );
    assert_ne!(a.world().light, b.world().light);
}

/// Steps the DoorOpen task on door `seed` with hand actions that follow the handle's slot
/// (pressing a lever first), as a policy would; returns the door's angle at the end.
fn pull_open_in_the_task(seed: u64) -> f64 {
    use byfeel_gym::{Env, EnvConfig, ObsMode, ResetOptions, Task, TaskEnv};
    let config = EnvConfig::new(Task::DoorOpen)
        .obs_mode(ObsMode::State)
        .door(seed);
    let mut env = TaskEnv::new(config).unwrap();
    env.reset(Some(1), &ResetOptions { hard_reset: true })
        .unwrap();
    let door = env.robot().inner().world().door.clone().unwrap();
    let press = glam::DVec3::new(0.0, 0.0, byfeel_sim::door::press_depth(door.kind));
    let hand_at = |a: f64| door.slot_position(a) - byfeel_sim::HOOK_PRONG - press;
    for k in 0..40 {
        let target = hand_at((k as f64 * 0.02).min(0.6));
        for _ in 0..2 {
            let hand = env.robot().inner().world().ee_frame().translation;
            let a =
                ((target - hand) / 0.02).clamp(glam::DVec3::splat(-1.0), glam::DVec3::splat(1.0));
            env.step(&[a.x as f32, a.y as f32, a.z as f32]).unwrap();
        }
    }
    env.robot().inner().world().door_angle().unwrap()
}

#[test]
fn the_door_task_runs_on_family_doors_and_a_policy_can_open_each_kind() {
    for kind in [HandleKind::Bar, HandleKind::Lever, HandleKind::Knob] {
        let seed = first_door_with(kind);
        let what = describe(&door(seed));
        let angle = pull_open_in_the_task(seed);
        assert!(
            angle > 0.4,
            "door {seed} ({what}) opened only to {angle:.3} rad in the task"
        );
    }
    use byfeel_gym::{EnvConfig, Task, TaskEnv};
    let err = TaskEnv::new(EnvConfig::new(Task::CupPush).door(3))
        .err()
        .unwrap();
    assert!(err.to_string().contains("has no door"), "{err}");
    let mut both = EnvConfig::new(Task::DoorOpen).door(3);
    both.randomize_scene = true;
    let err = TaskEnv::new(both).err().unwrap();
    assert!(err.to_string().contains("randomize_scene"), "{err}");
}
