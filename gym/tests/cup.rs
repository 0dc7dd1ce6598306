//! The cup: the fingertip pushes it a measured distance; a hard, high hit knocks it over.

mod common;
use byfeel_gym::Oracle;
use common::*;
use glam::DVec3;

#[test]
fn fingertip_pushes_cup_a_measured_distance() {
    let mut arm = robot("cup");
    let start = arm.oracle().cup_position.unwrap();
    // Finger beside the cup, low, then a slow straight push along +y.
    go_to(
        &mut arm,
        DVec3::new(start.x, start.y - 0.15, 0.10),
        0.003,
        60,
    );
    go_to(
        &mut arm,
        DVec3::new(start.x, start.y - 0.15, 0.03),
        0.002,
        40,
    );
    let end_y = start.y + 0.05;
    sweep(&mut arm, DVec3::new(start.x, end_y, 0.03), 0.1);
    hold(&mut arm, 10);
    let o = arm.oracle();
    let moved = o.cup_position.unwrap() - start;
    // Contact starts when the finger's +y face (15 mm from its centre) meets the cup wall.
    let expected = (end_y + 0.015) - (start.y - 0.04);
    eprintln!(
        "cup moved {moved:?}, expected {expected:.3} along y, tilt {:.3}",
        o.cup_tilt.unwrap()
    );
    assert!(
        (moved.y - expected).abs() < 0.015,
        "cup moved {:.3} m, expected {expected:.3}",
        moved.y
    );
    assert!(
        moved.x.abs() < 0.02,
        "cup drifted sideways {:.3} m",
        moved.x
    );
    assert!(
        o.cup_tilt.unwrap() < 0.15,
        "a low push must not tip the cup"
    );
}

#[test]
fn hard_hit_near_the_rim_tips_cup_over() {
    let mut arm = robot("cup");
    let start = arm.oracle().cup_position.unwrap();
    go_to(
        &mut arm,
        DVec3::new(start.x, start.y - 0.12, 0.16),
        0.003,
        60,
    );
    go_to(
        &mut arm,
        DVec3::new(start.x, start.y - 0.12, 0.08),
        0.002,
        40,
    );
    assert!(
        arm.oracle().cup_tilt.unwrap() < 0.01,
        "the cup stands before the hit"
    );
    // Bypass the safety layer's speed limit on purpose: a hit at 0.6 m/s, not a push.
    sweep(
        arm.inner_mut(),
        DVec3::new(start.x, start.y + 0.12, 0.08),
        0.6,
    );
    hold(&mut arm, 20);
    let tilt = arm.oracle().cup_tilt.unwrap();
    eprintln!("cup tilt after hit {tilt:.3}");
    assert!(
        tilt > 1.2,
        "a hard hit at the rim should knock the cup over (tilt {tilt:.3} rad)"
    );
}

/// Camera-driven agents (Visual Foresight) only work if the task camera sees the cup: at the
/// start of every episode the cup, and the cup where the goal puts it, must each show. Two
/// earlier cameras failed this (one behind the arm, one above it, where the forearm covered the
/// cup: as few as 0 pixels changed between the start picture and the goal picture).
#[test]
fn the_task_camera_sees_the_cup_at_the_start_and_at_the_goal() {
    use byfeel_gym::{Env, EnvConfig, Observation, ResetOptions, Task, TaskEnv};
    let mut env = TaskEnv::new(EnvConfig::new(Task::CupPush)).unwrap();
    let mut fewest = usize::MAX;
    for seed in 0..24 {
        let (obs, _) = env.reset(Some(seed), &ResetOptions::default()).unwrap();
        let Observation::Array(now) = obs else {
            panic!("CupPush observes a camera image")
        };
        let now = now.as_u8().unwrap().to_vec();
        let goal = env.goal_image().unwrap();
        // Pixels that change clearly (the cup is blue on a grey table) between the two pictures.
        let changed = now
            .chunks(3)
            .zip(goal.chunks(3))
            .filter(|(a, b)| a.iter().zip(*b).any(|(x, y)| x.abs_diff(*y) > 40))
            .count();
        fewest = fewest.min(changed);
    }
    // A fully seen cup covers ~100 pixels at 64 x 48; the start and goal cups together ~200.
    eprintln!("fewest changed pixels between start and goal pictures: {fewest}");
    assert!(fewest >= 40, "the camera lost the cup: {fewest} pixels");
}

/// The goal picture can be matched by doing the task: a scripted push that brings the cup to
/// the goal also brings the camera's picture close to the goal picture (which shows the finger
/// where such a push ends). With the arm drawn where the episode started instead, the picture
/// followed the hand, not the cup, and a planner matching it learned to keep still.
#[test]
fn pushing_the_cup_to_its_goal_matches_the_goal_picture() {
    use byfeel_gym::{Env, EnvConfig, ResetOptions, Task, TaskEnv};
    let mse = |a: &[u8], b: &[u8]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
            .sum::<f64>()
            / a.len() as f64
    };
    let mut env = TaskEnv::new(EnvConfig::new(Task::CupPush)).unwrap();
    let mut ratios = Vec::new();
    for seed in 0..4 {
        env.reset(Some(seed), &ResetOptions::default()).unwrap();
        let goal_picture = env.goal_image().unwrap().to_vec();
        let goal = env.goal().unwrap().to_vec();
        let cup = |e: &TaskEnv| e.robot().inner().world().cup_pose().unwrap().translation;
        let hand = |e: &TaskEnv| e.robot().inner().world().ee_frame().translation;
        let toward_goal = |e: &TaskEnv| {
            let c = cup(e);
            let d = DVec3::new(goal[0] as f64 - c.x, goal[1] as f64 - c.y, 0.0);
            (d.length(), d / d.length().max(1e-9))
        };
        // Start the finger 2 cm behind the cup, on the side away from the goal.
        let (_, u) = toward_goal(&env);
        let behind = cup(&env) - u * 0.075;
        env.robot_mut_for_tests()
            .inner_mut()
            .teleport_hand(DVec3::new(behind.x, behind.y, 0.03))
            .unwrap();
        let before = mse(&env.camera_image().unwrap(), &goal_picture);
        // Push along the goal line, 1 cm a step; where the cup has slid off the line, first
        // step back behind it (lined up again) before pushing on.
        for _ in 0..60 {
            let (left, u) = toward_goal(&env);
            if left < 0.01 {
                break;
            }
            let (c, h) = (cup(&env), hand(&env));
            let off = h - c;
            let lateral = (off - u * off.dot(u)).truncate().length();
            let aim = if lateral > 0.006 || off.dot(u) > -0.05 {
                c - u * 0.075
            } else {
                h + u * left.min(0.01)
            };
            let step = (aim - h) / 0.02;
            let step = step.truncate().clamp_length_max(0.5);
            if env
                .step(&[step.x as f32, step.y as f32, 0.0])
                .unwrap()
                .terminated
            {
                break;
            }
        }
        let (left, _) = toward_goal(&env);
        let after = mse(&env.camera_image().unwrap(), &goal_picture);
        eprintln!(
            "seed {seed}: cup {left:.3} m from the goal; picture error {before:.0} -> {after:.0}"
        );
        assert!(
            left < 0.03,
            "the scripted push missed the goal by {left:.3} m"
        );
        ratios.push(after / before);
    }
    assert!(
        ratios.iter().all(|r| *r < 0.6),
        "reaching the goal should bring the picture close to the goal picture: {ratios:?}"
    );
}
