//! DieRoll's roll actions: a push toward the goal's side rolls the goal face up and the gel
//! finds the die again by touch, centred as in the goal picture; a short action rolls nothing;
//! bad actions change nothing.

use byfeel_gym::Oracle as _;
use byfeel_gym::collect::{CollectConfig, Policy, collect};
use byfeel_gym::store::StoreReader;
use byfeel_gym::{ActionMode, Env, EnvConfig, InfoValue, ObsMode, ResetOptions, Task, TaskEnv};

fn roll_env(rolls: u8) -> TaskEnv {
    let config = EnvConfig::new(Task::DieRoll)
        .obs_mode(ObsMode::Tactile)
        .die_goal_rolls(rolls)
        .action_mode(ActionMode::Roll);
    TaskEnv::new(config).unwrap()
}

fn face_up(env: &TaskEnv) -> u8 {
    env.robot().inner().world().die_readout().unwrap().face_up
}

fn goal_face(env: &TaskEnv) -> u8 {
    env.goal().unwrap().iter().position(|g| *g > 0.5).unwrap() as u8 + 1
}

/// How far (mm) the gel's centre is from over the die's centre.
fn off_centre(env: &TaskEnv) -> f64 {
    let world = env.robot().inner().world();
    let (die, hand) = (
        world.die_pose().unwrap().translation,
        world.ee_frame().translation,
    );
    (die - hand).truncate().length() * 1000.0
}

#[test]
fn a_push_toward_the_goal_rolls_it_up_and_the_gel_finds_it_centred() {
    let mut env = roll_env(1);
    assert_eq!(env.spec().action_space.shape, vec![2]);
    assert_eq!(env.config().max_episode_steps, 3);
    let (mut reached, mut centred, mut rolled) = (0, 0, 0);
    for seed in 0..20 {
        env.reset(Some(seed), &ResetOptions::default()).unwrap();
        let (start, goal) = (face_up(&env), goal_face(&env));
        let push = byfeel_gym::scripted::roll_toward(env.oracle().die_orientation.unwrap(), goal).unwrap();
        let t = env.step(&push).unwrap();
        let now = face_up(&env);
        rolled += (now != start) as usize;
        reached += (now == goal) as usize;
        centred += (off_centre(&env) < 1.5) as usize;
        assert!(matches!(t.info.get("hand_steps"), Some(InfoValue::Int(n)) if *n >= 12));
        assert_eq!(
            t.info.get("is_success"),
            Some(&InfoValue::Bool(now == goal))
        );
    }
    eprintln!("{rolled} rolled, {reached} reached the goal, {centred} centred");
    assert!(rolled >= 16, "{rolled} of 20 pushes rolled the die");
    assert!(
        reached >= 15,
        "{reached} of 20 pushes rolled the goal face up"
    );
    assert!(
        centred >= 15,
        "the gel was back over the die after {centred} of 20"
    );
}

#[test]
fn two_scripted_rolls_reach_a_face_two_away() {
    let mut env = roll_env(2);
    assert_eq!(env.config().max_episode_steps, 5);
    let mut reached = 0;
    for seed in 0..8 {
        env.reset(Some(seed), &ResetOptions::default()).unwrap();
        let goal = goal_face(&env);
        for _ in 0..5 {
            let push = byfeel_gym::scripted::roll_toward(env.oracle().die_orientation.unwrap(), goal);
            let t = env.step(&push.unwrap()).unwrap();
            if t.truncated {
                reached += (face_up(&env) == goal) as usize;
            }
        }
    }
    eprintln!("{reached} of 8 reached");
    assert!(
        reached >= 5,
        "{reached} of 8 scripted episodes ended on the face two rolls away"
    );
}

#[test]
fn a_short_action_rolls_nothing_and_bad_ones_change_nothing() {
    let mut env = roll_env(1);
    env.reset(Some(4), &ResetOptions::default()).unwrap();
    let start = face_up(&env);
    let t = env.step(&[0.1, -0.1]).unwrap();
    assert_eq!(face_up(&env), start, "shorter than STAY: no push");
    assert!(off_centre(&env) < 1.5);
    assert!(matches!(t.info.get("hand_steps"), Some(InfoValue::Int(n)) if *n >= 3));
    let before = env.robot().inner().world().ee_frame().translation;
    for bad in [&[f32::NAN, 0.0][..], &[1.5, 0.0], &[0.5, 0.5, 0.0], &[0.5]] {
        assert!(env.step(bad).is_err(), "{bad:?} is refused");
    }
    assert_eq!(env.robot().inner().world().ee_frame().translation, before);
    assert_eq!(face_up(&env), start);
    // The defaults follow whichever is set last, and a set length stays.
    let c = EnvConfig::new(Task::DieRoll)
        .action_mode(ActionMode::Roll)
        .die_goal_rolls(2);
    assert_eq!(c.max_episode_steps, 5);
    let c = EnvConfig::new(Task::DieRoll)
        .max_episode_steps(7)
        .action_mode(ActionMode::Roll);
    assert_eq!(c.max_episode_steps, 7);
    let cup = EnvConfig::new(Task::CupPush).action_mode(ActionMode::Roll);
    let err = TaskEnv::new(cup)
        .err()
        .expect("roll actions on the cup are refused");
    assert!(err.to_string().contains("roll"), "{err}");
}

#[test]
fn random_roll_actions_are_collected_two_numbers_each() {
    // A path inside a fresh directory, not yet created: a refused collection must leave it so.
    let tmp = tempfile::Builder::new()
        .prefix("byfeel-roll-")
        .tempdir()
        .unwrap();
    let out = tmp.path().join("store");
    let mut config = CollectConfig::new(Task::DieRoll, 3, 1, &out);
    config.action_mode = ActionMode::Roll;
    config.max_episode_steps = Some(2);
    config.policy = Policy::Play;
    assert!(
        collect(&config, |_| {}).is_err(),
        "play's hand moves are no roll actions"
    );
    assert!(!out.exists(), "nothing written for a refused collection");
    config.policy = Policy::Random;
    collect(&config, |_| {}).unwrap();
    let reader = StoreReader::open(&out).unwrap();
    assert_eq!(reader.attributes()["action_mode"], "roll");
    assert_eq!(reader.num_episodes(), 3);
    let actions = reader.read_steps("action", 0..3).unwrap();
    let actions = actions.as_f32().unwrap();
    assert_eq!(actions.len(), 3 * 2);
    assert!(actions[..4].iter().all(|a| a.abs() <= 1.0) && actions[..4].iter().any(|a| *a != 0.0));
    // The first episode's pushes rolled the die: its face changed between stored steps.
    let oracle = reader.read_steps("oracle", 0..3).unwrap();
    let columns = &reader.schema().step_field("oracle").unwrap().columns;
    let up = columns.iter().position(|c| c == "die_face_up").unwrap();
    let faces: Vec<f32> = oracle
        .as_f32()
        .unwrap()
        .chunks(columns.len())
        .map(|r| r[up])
        .collect();
    assert!(faces.iter().all(|f| (1.0..=20.0).contains(f)), "{faces:?}");
    assert!(faces[0] != faces[1] || faces[1] != faces[2], "{faces:?}");
}
