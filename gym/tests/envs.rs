//! The gym API: every task and observation mode keeps Gymnasium's contract, bad actions change
//! nothing, goals are shown as pictures of the goal state, and batches behave as documented.

use byfeel_gym::*;

fn env(task: Task, mode: ObsMode) -> TaskEnv {
    TaskEnv::new(EnvConfig::new(task).obs_mode(mode)).unwrap()
}

/// Checks an observation against a space: keys, shapes, dtypes, bounds.
fn assert_in_space(obs: &Observation, space: &Space) {
    let check = |a: &Array, b: &BoxSpace, key: &str| {
        assert_eq!(a.shape, b.shape, "{key}: shape");
        match (&a.data, b.dtype) {
            (ArrayData::F32(v), Dtype::F32) => b.check(key, v).unwrap(),
            (ArrayData::U8(v), Dtype::U8) => assert_eq!(v.len(), b.len(), "{key}: length"),
            _ => panic!("{key}: dtype differs from the space"),
        }
    };
    match (obs, space) {
        (Observation::Array(a), Space::Box(b)) => check(a, b, "obs"),
        (Observation::Dict(items), Space::Dict(spaces)) => {
            let keys: Vec<_> = items.iter().map(|(k, _)| k).collect();
            let want: Vec<_> = spaces.iter().map(|(k, _)| k).collect();
            assert_eq!(keys, want);
            for ((k, a), (_, b)) in items.iter().zip(spaces) {
                check(a, b, k);
            }
        }
        _ => panic!("observation kind differs from the space"),
    }
}

fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (*x as f64 - *y as f64).abs())
        .sum::<f64>()
        / a.len() as f64
}

#[test]
fn every_task_and_mode_keeps_the_contract() {
    let modes = [
        ObsMode::State,
        ObsMode::Image,
        ObsMode::Tactile,
        ObsMode::Goal,
    ];
    for task in [Task::Reach, Task::DoorOpen, Task::CupPush, Task::DieRoll] {
        for mode in modes {
            let mut e = env(task, mode);
            let space = e.spec().observation_space.clone();
            let (obs, info) = e.reset(Some(1), &ResetOptions::default()).unwrap();
            assert_in_space(&obs, &space);
            assert!(
                info.contains_key("is_success"),
                "{task:?} {mode:?}: {info:?}"
            );
            for k in 0..3 {
                let t = e.step(&[0.3, -0.2 + 0.2 * k as f32, -0.1]).unwrap();
                assert_in_space(&t.observation, &space);
                assert!(t.reward.is_finite());
                assert!(
                    t.info.keys().any(|k| k.starts_with("oracle_")),
                    "{task:?}: metrics in info"
                );
            }
        }
    }
}

#[test]
fn bad_actions_are_refused_and_change_nothing() {
    let mut e = env(Task::Reach, ObsMode::State);
    assert!(matches!(e.step(&[0.0; 3]), Err(EnvError::NotReset)));
    e.reset(Some(0), &ResetOptions::default()).unwrap();
    let before = (
        e.robot().inner().world().state_vector(),
        e.robot().inner().world().time(),
    );
    for (action, says) in [
        (vec![0.0, 0.0], "2 values"),
        (vec![f32::NAN, 0.0, 0.0], "action[0] = NaN is not finite"),
        (vec![0.0, 1.5, 0.0], "action[1] = 1.5 is outside [-1, 1]"),
        (vec![0.0, 0.0, f32::INFINITY], "action[2] = inf"),
    ] {
        let err = e.step(&action).unwrap_err();
        assert!(matches!(err, EnvError::BadAction(_)));
        assert!(err.to_string().contains(says), "{err}");
    }
    let after = (
        e.robot().inner().world().state_vector(),
        e.robot().inner().world().time(),
    );
    assert_eq!(before, after, "refused actions change nothing");
    assert!(e.step(&[0.1, 0.0, 0.0]).is_ok(), "still usable");
}

#[test]
fn reach_succeeds_when_the_hand_gets_there() {
    let mut e = TaskEnv::new(EnvConfig::new(Task::Reach).reward(RewardType::Sparse)).unwrap();
    let (obs, _) = e.reset(Some(3), &ResetOptions::default()).unwrap();
    let goal = e.goal().unwrap().to_vec();
    let mut hand = match obs {
        Observation::Array(a) => a.as_f32().unwrap()[..3].to_vec(),
        _ => unreachable!(),
    };
    let mut last = None;
    for _ in 0..50 {
        let a: Vec<f32> = (0..3)
            .map(|i| ((goal[i] - hand[i]) / 0.02).clamp(-1.0, 1.0))
            .collect();
        let t = e.step(&a).unwrap();
        hand = match &t.observation {
            Observation::Array(a) => a.as_f32().unwrap()[..3].to_vec(),
            _ => unreachable!(),
        };
        let done = t.terminated;
        last = Some(t);
        if done {
            break;
        }
    }
    let t = last.unwrap();
    assert!(t.terminated, "reached within 50 steps: {:?}", t.info);
    assert_eq!(t.reward, 0.0);
    assert_eq!(t.info["is_success"], InfoValue::Bool(true));
    assert_eq!(e.compute_reward(&hand, &goal), 0.0);
    assert_eq!(e.compute_reward(&[0.0, 0.0, 0.0], &goal), -1.0);
}

#[test]
fn the_door_is_reset_free_unless_asked() {
    let mut e = env(Task::DoorOpen, ObsMode::Goal);
    e.reset(Some(0), &ResetOptions::default()).unwrap();
    // The hand starts hooked on the bar: lift the hook out and draw back before swinging the
    // door, so that the door swings clear of it.
    for _ in 0..4 {
        e.step(&[0.0, 0.0, 1.0]).unwrap();
    }
    for _ in 0..8 {
        e.step(&[-1.0, 0.0, 0.0]).unwrap();
    }
    e.robot_mut_for_tests()
        .inner_mut()
        .world_mut()
        .set_door_angle(0.4)
        .unwrap();
    for _ in 0..3 {
        e.step(&[0.0, 0.5, 0.0]).unwrap();
    }
    let hand = e.robot().inner().world().ee_frame().translation;
    let angle = e.robot().inner().world().door_angle().unwrap();
    assert!(angle > 0.3);
    e.reset(None, &ResetOptions::default()).unwrap();
    assert_eq!(
        e.robot().inner().world().door_angle().unwrap(),
        angle,
        "reset only proposes a goal"
    );
    assert_eq!(e.robot().inner().world().ee_frame().translation, hand);
    e.reset(None, &ResetOptions { hard_reset: true }).unwrap();
    assert!(
        e.robot().inner().world().door_angle().unwrap().abs() < 1e-6,
        "hard reset shuts the door"
    );
}

#[test]
fn goal_images_show_the_goal_state() {
    for (task, mode) in [
        (Task::DoorOpen, ObsMode::Goal),
        (Task::CupPush, ObsMode::Goal),
        (Task::DieRoll, ObsMode::Goal),
    ] {
        let mut e = env(task, mode);
        let (obs, _) = e.reset(Some(5), &ResetOptions::default()).unwrap();
        let now = obs
            .get("image_observation")
            .unwrap()
            .as_u8()
            .unwrap()
            .to_vec();
        let goal = obs
            .get("image_desired_goal")
            .unwrap()
            .as_u8()
            .unwrap()
            .to_vec();
        assert_eq!(goal, e.goal_image().unwrap());
        let far = mean_abs_diff(&now, &goal);
        // The goal where things already are: its picture is the observation (the die's is
        // pressed, so compare the cup and the door only).
        if task != Task::DieRoll {
            let here = obs.get("achieved_goal").unwrap().as_f32().unwrap().to_vec();
            e.set_goal(&here).unwrap();
            let same = mean_abs_diff(&now, e.goal_image().unwrap());
            eprintln!(
                "{task:?}: goal picture differs by {far:.2} from now; the picture of now by {same:.2}"
            );
            assert!(
                same < 0.5 && far > 2.0 * same + 0.3,
                "{task:?}: {same} vs {far}"
            );
        } else {
            eprintln!("{task:?}: goal picture differs by {far:.2} from now");
            assert!(far > 1.0, "the goal face is pressed into the gel");
        }
        // Drawing a goal's picture leaves the world as it was.
        let before = e.robot().inner().world().state_vector();
        let goal_now = e.goal().unwrap().to_vec();
        e.set_goal(&goal_now).unwrap();
        assert_eq!(e.robot().inner().world().state_vector(), before);
    }
}

#[test]
fn same_seed_same_episode() {
    let run = || {
        let mut e = env(Task::CupPush, ObsMode::State);
        let (o, _) = e.reset(Some(11), &ResetOptions::default()).unwrap();
        let mut all = vec![o];
        for k in 0..5 {
            all.push(
                e.step(&[0.2 * k as f32 - 0.4, 0.5, -0.3])
                    .unwrap()
                    .observation,
            );
        }
        (all, e.goal().unwrap().to_vec())
    };
    assert_eq!(run(), run());
}

#[test]
fn learned_rewards_replace_the_task_reward() {
    let mut e = env(Task::Reach, ObsMode::State);
    e.reset(Some(0), &ResetOptions::default()).unwrap();
    e.set_reward_fn(Some(Box::new(|_obs, info| match info.get("step") {
        Some(InfoValue::Int(s)) => *s as f64 * 10.0,
        _ => -5.0,
    })));
    assert_eq!(e.step(&[0.0; 3]).unwrap().reward, 10.0);
    assert_eq!(e.step(&[0.0; 3]).unwrap().reward, 20.0);
    e.set_reward_fn(None);
    assert!(e.step(&[0.0; 3]).unwrap().reward <= 0.0);
}

fn reach_envs(n: usize, steps: usize) -> Vec<TaskEnv> {
    (0..n)
        .map(|_| TaskEnv::new(EnvConfig::new(Task::Reach).max_episode_steps(steps)).unwrap())
        .collect()
}

#[test]
fn vec_env_batches_and_autoresets_as_documented() {
    let mut v = VecEnv::new(reach_envs(4, 2), AutoReset::NextStep).unwrap();
    let (obs, infos) = v.reset(Some(0), &ResetOptions::default()).unwrap();
    let Observation::Array(a) = &obs else {
        panic!()
    };
    assert_eq!(
        a.shape,
        vec![4, 6],
        "hand xyz and goal xyz for each of 4 envs"
    );
    assert_eq!(infos.len(), 4);
    // The same as four envs stepped one by one with seeds 0..4.
    let mut single = reach_envs(4, 2);
    let actions: Vec<f32> = (0..12).map(|i| (i as f32 / 12.0) - 0.5).collect();
    for (i, e) in single.iter_mut().enumerate() {
        e.reset(Some(i as u64), &ResetOptions::default()).unwrap();
    }
    let t1 = v.step(&actions).unwrap();
    let one: Vec<Observation> = single
        .iter_mut()
        .zip(actions.chunks(3))
        .map(|(e, a)| e.step(a).unwrap().observation)
        .collect();
    assert_eq!(
        t1.observations,
        stack(&one),
        "parallel stepping equals one by one"
    );
    let t2 = v.step(&actions).unwrap();
    assert!(
        t2.truncated.iter().all(|t| *t),
        "episodes of 2 steps end at step 2"
    );
    let t3 = v.step(&actions).unwrap();
    assert!(
        t3.rewards.iter().all(|r| *r == 0.0) && t3.truncated.iter().all(|t| !*t),
        "next step resets"
    );
    assert!(t3.infos.iter().all(|i| i["step"] == InfoValue::Int(0)));

    let mut same = VecEnv::new(reach_envs(2, 1), AutoReset::SameStep).unwrap();
    same.reset(Some(0), &ResetOptions::default()).unwrap();
    let t = same.step(&[0.0; 6]).unwrap();
    assert!(t.truncated.iter().all(|x| *x) && t.final_observations.iter().all(Option::is_some));

    let mut off = VecEnv::new(reach_envs(2, 1), AutoReset::Disabled).unwrap();
    off.reset(Some(0), &ResetOptions::default()).unwrap();
    off.step(&[0.0; 6]).unwrap();
    assert!(
        off.step(&[0.0; 6]).is_err(),
        "no autoreset: stepping an ended episode is an error"
    );
    off.reset_one(0, None, &ResetOptions::default()).unwrap();
    off.reset_one(1, None, &ResetOptions::default()).unwrap();
    assert!(off.step(&[0.0; 6]).is_ok());
}

#[test]
fn vec_env_refuses_a_bad_row_and_moves_nothing() {
    let mut v = VecEnv::new(reach_envs(3, 10), AutoReset::NextStep).unwrap();
    v.reset(Some(0), &ResetOptions::default()).unwrap();
    let before: Vec<_> = v
        .envs()
        .iter()
        .map(|e| e.robot().inner().world().state_vector())
        .collect();
    let mut actions = vec![0.2; 9];
    actions[5] = f32::NAN;
    let err = v.step(&actions).unwrap_err().to_string();
    assert!(err.contains("action of environment 1[2]"), "{err}");
    assert!(v.step(&[0.0; 8]).is_err());
    let after: Vec<_> = v
        .envs()
        .iter()
        .map(|e| e.robot().inner().world().state_vector())
        .collect();
    assert_eq!(before, after);
}

/// A loose name must not pick a task the user did not mean: `cup` is two tasks (Reach and
/// CupPush run in the cup scene), so it names neither.
#[test]
fn task_names_are_exact_and_cup_alone_is_refused() {
    assert_eq!(Task::from_name("cup"), None);
    assert_eq!(Task::from_name("cup-push"), Some(Task::CupPush));
    assert_eq!(Task::from_name("CupPush"), Some(Task::CupPush));
    assert_eq!(Task::from_name("reach"), Some(Task::Reach));
    assert_eq!(Task::from_name("door"), Some(Task::DoorOpen));
    assert_eq!(Task::from_name("die_roll"), Some(Task::DieRoll));
    assert_eq!(Task::from_name("dice"), None);
    for t in Task::ALL {
        assert_eq!(Task::from_name(t.name()), Some(t));
    }
}
