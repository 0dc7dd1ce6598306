//! The die: pressing and sliding the gel over it rolls it to another face, and the readout
//! names the faces.

mod common;
use byfeel_gym::Oracle;
use byfeel_sim::D20;
use common::*;
use glam::DVec3;

#[test]
fn pressing_and_sliding_rolls_die_to_another_face() {
    let mut arm = robot("die");
    let o = arm.oracle();
    let die = o.die_position.unwrap();
    let first = o.die_face_up.unwrap();
    let start = arm.inner().world().die_pose().unwrap().rotation;
    assert_eq!(o.die_face_on_gel, None, "the gel starts off the die");
    let r = arm.inner().world().die.as_ref().unwrap().circumradius;
    let top = 2.0 * r * D20::INRADIUS_RATIO;

    go_to(&mut arm, DVec3::new(die.x, die.y, top + 0.03), 0.002, 60);
    // Press 3 mm into the die's top face.
    go_to(&mut arm, DVec3::new(die.x, die.y, top - 0.003), 0.0005, 20);
    let pressed = arm.oracle();
    eprintln!("pressed: {pressed:?}");
    assert_eq!(
        pressed.die_face_on_gel,
        Some(first),
        "the gel presses on the face that is up"
    );

    // Slide 4 cm along x while pressing, then lift away.
    sweep(&mut arm, DVec3::new(die.x + 0.04, die.y, top - 0.003), 0.02);
    sweep(&mut arm, DVec3::new(die.x + 0.04, die.y, top + 0.05), 0.05);
    hold(&mut arm, 10);
    let after = arm.oracle();
    eprintln!("after: {after:?}");
    let now = after.die_face_up.unwrap();
    assert_ne!(now, first, "the die should have rolled off face {first}");
    assert!((1..=20).contains(&now));
    // One roll, over an edge: the die lies as DieRoll's goal picture shows it (the least
    // turn bringing the new face up), not at some other turn about the vertical.
    let d20 = D20::new();
    assert!(
        d20.neighbours(first).unwrap().contains(&now),
        "{first} -> {now}"
    );
    let lies = arm.inner().world().die_pose().unwrap().rotation;
    let expected = d20.rolled_up(start, now).unwrap();
    let off = (lies * expected.inverse()).to_axis_angle().1.to_degrees();
    eprintln!("rolled {first} -> {now}: {off:.1} degrees from the goal picture's turn");
    assert!(off.min(360.0 - off) < 10.0, "{off} degrees");
    assert_eq!(after.die_face_on_gel, None, "lifted gel touches nothing");
    assert!(
        after.die_position.unwrap().z < top,
        "the die lies on the table"
    );
}

/// Every face of the die feels different under the gel (its raised marks), so a goal face can
/// be recognised by touch alone.
#[test]
fn every_face_feels_different() {
    use byfeel_gym::{Env, EnvConfig, ObsMode, ResetOptions, Task, TaskEnv};
    let mut env = TaskEnv::new(EnvConfig::new(Task::DieRoll).obs_mode(ObsMode::Tactile)).unwrap();
    env.reset(Some(0), &ResetOptions::default()).unwrap();
    let pictures: Vec<Vec<f32>> = (0..20)
        .map(|f| {
            let mut goal = vec![0.0; 20];
            goal[f] = 1.0;
            env.set_goal(&goal).unwrap();
            env.goal_image()
                .unwrap()
                .iter()
                .map(|&p| p as f32)
                .collect()
        })
        .collect();
    let mut closest = f32::INFINITY;
    for i in 0..20 {
        for j in i + 1..20 {
            let mse = pictures[i]
                .iter()
                .zip(&pictures[j])
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f32>()
                / pictures[i].len() as f32;
            closest = closest.min(mse);
            assert!(
                mse > 2.0,
                "faces {} and {} feel alike (MSE {mse})",
                i + 1,
                j + 1
            );
        }
    }
    eprintln!("closest pair of faces: MSE {closest}");
}

/// A DieRoll goal is one roll away: a face sharing an edge with the face up at the start.
#[test]
fn the_goal_face_is_one_roll_away() {
    use byfeel_gym::{Env, EnvConfig, InfoValue, ObsMode, ResetOptions, Task, TaskEnv};
    let mut env = TaskEnv::new(EnvConfig::new(Task::DieRoll).obs_mode(ObsMode::Tactile)).unwrap();
    let d20 = D20::new();
    let mut goals = std::collections::BTreeSet::new();
    for seed in 0..12 {
        let (_, info) = env.reset(Some(seed), &ResetOptions::default()).unwrap();
        let face = |key: &str| match info.get(key) {
            Some(InfoValue::Int(f)) => *f as u8,
            other => panic!("{key}: {other:?}"),
        };
        let (up, goal) = (face("oracle_die_face"), face("oracle_die_goal_face"));
        assert!(
            d20.neighbours(up).unwrap().contains(&goal),
            "seed {seed}: goal {goal} is not next to {up}"
        );
        goals.insert(goal);
    }
    assert!(goals.len() > 3, "goals vary with the seed: {goals:?}");
}

/// With `die_goal_rolls(2)` the goal is two rolls away: no neighbour of the face up, but a
/// neighbour of one of them; such episodes get 40 steps. Three rolls are refused.
#[test]
fn a_goal_two_rolls_away_is_no_neighbour_of_the_face_up() {
    use byfeel_gym::{Env, EnvConfig, InfoValue, ObsMode, ResetOptions, Task, TaskEnv};
    let config = EnvConfig::new(Task::DieRoll)
        .obs_mode(ObsMode::Tactile)
        .die_goal_rolls(2);
    assert_eq!(config.max_episode_steps, 40);
    let mut env = TaskEnv::new(config.clone()).unwrap();
    let d20 = D20::new();
    let mut goals = std::collections::BTreeSet::new();
    for seed in 0..12 {
        let (_, info) = env.reset(Some(seed), &ResetOptions::default()).unwrap();
        let face = |key: &str| match info.get(key) {
            Some(InfoValue::Int(f)) => *f as u8,
            other => panic!("{key}: {other:?}"),
        };
        let (up, goal) = (face("oracle_die_face"), face("oracle_die_goal_face"));
        let first = d20.neighbours(up).unwrap();
        assert!(goal != up && !first.contains(&goal), "seed {seed}: {up} -> {goal}");
        assert!(
            first.iter().any(|m| d20.neighbours(*m).unwrap().contains(&goal)),
            "seed {seed}: {goal} is not two rolls from {up}"
        );
        goals.insert(goal);
    }
    assert!(goals.len() > 3, "goals vary with the seed: {goals:?}");
    let mut three = config;
    three.die_goal_rolls = 3;
    assert!(TaskEnv::new(three).is_err());
}

/// Success is judged when the episode ends: holding the die on the goal face keeps the
/// episode going to its last step, and counts there; the goal face passing by does not end it.
#[test]
fn an_episode_is_judged_at_its_end() {
    use byfeel_gym::{Env, EnvConfig, InfoValue, ObsMode, ResetOptions, Task, TaskEnv};
    let mut env = TaskEnv::new(
        EnvConfig::new(Task::DieRoll)
            .obs_mode(ObsMode::Tactile)
            .max_episode_steps(6),
    )
    .unwrap();
    let (_, info) = env.reset(Some(5), &ResetOptions::default()).unwrap();
    let up = match info.get("oracle_die_face") {
        Some(InfoValue::Int(f)) => *f as usize,
        other => panic!("{other:?}"),
    };
    let mut goal = vec![0.0; 20];
    goal[up - 1] = 1.0;
    env.set_goal(&goal).unwrap();
    for step in 1..=6 {
        let t = env.step(&[0.0, 0.0, 0.0]).unwrap();
        assert_eq!(t.info["is_success"], InfoValue::Bool(true), "step {step}");
        assert!(
            !t.terminated,
            "step {step}: the episode goes on while on the goal"
        );
        assert_eq!(t.truncated, step == 6, "step {step}");
    }
}

/// DieRoll can be done by touch within its 20 steps, and done, it looks like its goal picture:
/// a scripted roller that knows the die's pose (the simulator's privilege) pushes the top away
/// from the goal face's side, slowly (2 mm a step for 8 steps: the die tips over its far
/// bottom edge and the goal face, which leaned toward the hand, comes up; faster pushes roll
/// it less cleanly), follows the die back to centre the gel over it, then presses in as deep
/// as the goal picture. It reaches the goal face in most episodes,
/// and the gel picture it ends on is much closer to the goal picture than where it failed.
#[test]
fn a_scripted_roll_reaches_the_goal_face_and_matches_its_picture() {
    use byfeel_gym::{
        Env, EnvConfig, InfoValue, ObsMode, Observation, ResetOptions, Task, TaskEnv,
    };
    let d20 = D20::new();
    let mut env = TaskEnv::new(EnvConfig::new(Task::DieRoll).obs_mode(ObsMode::Tactile)).unwrap();
    let mse = |a: &[u8], b: &[u8]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| ((*x as f64 - *y as f64) / 255.0).powi(2))
            .sum::<f64>()
            / a.len() as f64
    };
    let (mut reached, mut missed) = (Vec::new(), Vec::new());
    for seed in 0..16 {
        env.reset(Some(seed), &ResetOptions::default()).unwrap();
        let goal_picture = env.goal_image().unwrap().to_vec();
        let goal = env.goal().unwrap().iter().position(|g| *g > 0.5).unwrap() + 1;
        let world = env.robot().inner().world();
        let pose = world.die_pose().unwrap();
        let normal = pose.rotation * d20.normals[d20.face_index(goal as u8).unwrap()];
        let push = -DVec3::new(normal.x, normal.y, 0.0).normalize();
        // The goal picture's press: 1 mm into the top face of a die resting on the table.
        let pressed = 2.0 * world.die.as_ref().unwrap().circumradius * D20::INRADIUS_RATIO - 0.001;
        let (mut last, mut info) = (Vec::new(), Default::default());
        for step in 0..20 {
            let world = env.robot().inner().world();
            let (die, hand) = (
                world.die_pose().unwrap().translation,
                world.ee_frame().translation,
            );
            let action = if step < 8 {
                [0.5 * push.x as f32, 0.5 * push.y as f32, 0.0]
            } else if step < 16 {
                let to =
                    (DVec3::new(die.x - hand.x, die.y - hand.y, 0.0) / 0.004).clamp_length_max(1.0);
                [to.x as f32, to.y as f32, 0.0]
            } else {
                [
                    0.0,
                    0.0,
                    ((pressed - hand.z) / 0.002).clamp(-1.0, 1.0) as f32,
                ]
            };
            let t = env.step(&action).unwrap();
            let Observation::Array(image) = &t.observation else {
                panic!("DieRoll observes the gel")
            };
            last = image.as_u8().unwrap().to_vec();
            info = t.info;
        }
        let error = mse(&last, &goal_picture);
        if info["is_success"] == InfoValue::Bool(true) {
            reached.push(error);
        } else {
            missed.push(error);
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    eprintln!(
        "reached the goal face in {} of 16; picture error {:.4} where reached, {:.4} where missed",
        reached.len(),
        mean(&reached),
        mean(&missed)
    );
    // Measured: 10 of 16 here, 25 of 30 on eval's seeds 1000000…; pushing the other way
    // (toward the goal face's side) reached it in 3 of those 30.
    assert!(reached.len() >= 8, "reached {} of 16", reached.len());
    assert!(
        mean(&reached) < 0.6 * mean(&missed),
        "the goal face settled under the gel should look like the goal picture: {:.4} vs {:.4}",
        mean(&reached),
        mean(&missed)
    );
}

/// A gel pressed 1 mm into the die's top face shows that face, whatever face and turn: no
/// stray pixel of the height map (a mark's sliver seen edge-on) may set the imprint's depth
/// for the whole frame and leave it blank.
#[test]
fn a_settled_press_always_shows_the_face() {
    use rand::{Rng, SeedableRng};
    let mut robot =
        byfeel_gym::SimRobot::from_scene("die", byfeel_sim::Randomization::Seeded(12)).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(12);
    let r = robot.world().die.as_ref().unwrap().circumradius;
    let top = robot.world().table.top + 2.0 * r * D20::INRADIUS_RATIO;
    let mut blank = Vec::new();
    for i in 0..300 {
        let (x, y) = (rng.random_range(0.58..0.62), rng.random_range(-0.02..0.02));
        let face = rng.random_range(1..=20u8);
        let yaw = rng.random_range(0.0..std::f64::consts::TAU);
        robot.world_mut().place_die(x, y, face, yaw).unwrap();
        robot.teleport_hand(DVec3::new(x, y, top - 0.001)).unwrap();
        let t = robot.render_tactile().unwrap();
        let contact: usize = t.contact.iter().map(|&c| c as usize).sum();
        if contact < 300 {
            blank.push((i, face, contact));
        }
    }
    assert!(blank.is_empty(), "presses that show almost nothing: {blank:?}");
}
