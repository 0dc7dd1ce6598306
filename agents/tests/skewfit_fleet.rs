//! A fleet's Skew-Fit: robots on their own doors practise and store, one learner learns from
//! every store and sends back a policy with goals of each robot's own door; the learner resumes
//! from its checkpoint by reading the stores again; its run evaluates on held-out doors.

mod common;

use std::path::{Path, PathBuf};

use byfeel_agents::skewfit::SkewFitConfig;
use byfeel_agents::skewfit::fleet::{FleetLearner, PolicyBundle, SkewFitExplorer};
use byfeel_gym::collect::{Practice, PracticeConfig, RandomExplorer};
use byfeel_gym::store::{Column, StoreReader};

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("byfeel-fleet-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn config() -> SkewFitConfig {
    SkewFitConfig {
        warmup_steps: 100,
        eval_goals: 0,
        checkpoint_every: 1,
        ..common::shrunk()
    }
}

/// Every camera frame of a store, and each episode's goal picture.
fn pictures(store: &Path) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let reader = StoreReader::open(store).unwrap();
    let mut frames = Vec::new();
    let mut goals = Vec::new();
    for e in 0..reader.num_episodes() {
        for (name, column) in reader.episode(e).unwrap() {
            match (name.as_str(), column) {
                ("camera", Column::U8(v)) => frames.extend(v.chunks(48 * 48 * 3).map(<[u8]>::to_vec)),
                ("goal_image", Column::U8(v)) => goals.push(v),
                _ => {}
            }
        }
    }
    (frames, goals)
}

#[test]
fn robots_practise_on_their_doors_and_the_learner_sends_each_its_own_doors_goals() {
    let dir = tmp("learn");
    let stores: Vec<PathBuf> = (0..2).map(|k| dir.join(format!("robot-{k}"))).collect();
    let mut robots: Vec<Practice> = (0..2u64)
        .map(|k| {
            let mut c = PracticeConfig::new(k, k, &stores[k as usize]);
            c.seed = k;
            Practice::open(&c).unwrap()
        })
        .collect();
    let report = robots[0].run(2, &mut RandomExplorer).unwrap();
    assert_eq!((report.episodes, report.actions, report.steps), (2, 200, 202));
    robots[1].run(1, &mut RandomExplorer).unwrap();

    // Reset-free: robot 0's second episode starts where its first left the door and the arm.
    let (frames0, _) = pictures(&stores[0]);
    assert_eq!(frames0.len(), 202);
    assert_eq!(frames0[100], frames0[101], "the second episode starts at the first's last frame");

    // Another door's store is refused, and the refusal leaves it as it was.
    let err = Practice::open(&PracticeConfig::new(7, 0, &stores[0])).err().unwrap().to_string();
    assert!(err.contains("door 0") && err.contains("door 7"), "{err}");
    assert_eq!(pictures(&stores[0]).0.len(), 202);

    let run = dir.join("learner");
    let config = config();
    let mut learner = FleetLearner::open(&run, &config, &stores, 0).unwrap();
    assert_eq!(learner.ingest().unwrap(), 300, "every committed action of both robots");
    assert_eq!(learner.ingest().unwrap(), 0, "nothing twice");
    assert!(!learner.warm() && learner.bundle(4).unwrap().is_none(), "no policy before SAC learns");
    learner.epoch().unwrap();
    assert!(learner.warm());
    // An epoch stands for an epoch's steps (100 here): the robots being ahead, two more are owed.
    assert_eq!(learner.unlearned_steps(), 200);

    let bundle = learner.bundle(4).unwrap().expect("a policy once warm");
    let bytes = bundle.to_bytes();
    assert_eq!(PolicyBundle::from_bytes(&bytes).unwrap(), bundle);
    for bad in [&bytes[..bytes.len() - 1], &b"garbage at the door"[..], &bytes[..20]] {
        assert!(PolicyBundle::from_bytes(bad).is_err());
    }
    let (frames1, _) = pictures(&stores[1]);
    for goal in &bundle.goals[0] {
        assert!(frames0.contains(goal) && !frames1.contains(goal), "robot 0's goals are its door's");
    }
    for goal in &bundle.goals[1] {
        assert!(frames1.contains(goal) && !frames0.contains(goal), "robot 1's goals are its door's");
    }

    // Robot 0 takes the policy once, and chases one of its goals.
    let mut explorer = SkewFitExplorer::new(0);
    assert!(explorer.load(&bytes).unwrap());
    assert!(!explorer.load(&bytes).unwrap(), "a bundle no newer is ignored");
    assert!(SkewFitExplorer::new(2).load(&bytes).is_err(), "a bundle for two robots refuses a third");
    robots[0].run(1, &mut explorer).unwrap();
    let (_, goals0) = pictures(&stores[0]);
    assert!(bundle.goals[0].contains(&goals0[2]), "the episode chased a goal the learner sent");

    // The learner stops; reopened, it reads what its checkpoint learned from, then the rest.
    let (epochs, learned) = (learner.epochs(), learner.env_steps());
    drop(learner);
    let mut learner = FleetLearner::open(&run, &config, &stores, 0).unwrap();
    assert_eq!((learner.epochs(), learner.env_steps()), (epochs, learned));
    assert_eq!(learner.ingest().unwrap(), 100, "robot 0's episode since the checkpoint");
    assert_eq!(learner.epoch().unwrap().epoch, epochs, "epochs continue");
    let other = SkewFitConfig { alpha: 0.0, ..config.clone() };
    assert!(FleetLearner::open(&run, &other, &stores, 0).is_err(), "other settings are refused");
    assert!(FleetLearner::open(&run, &config, &stores[..1], 0).is_err(), "so are fewer robots");

    // Its run evaluates like any Skew-Fit run, on a door no robot practised on.
    let (md, result) =
        byfeel_agents::eval_run::evaluate_door_run(&run, 1, 5, 0, None, Some(1_000_000)).unwrap();
    assert!(md.starts_with(run.join("eval-door-1000000")));
    assert_eq!(result.goals.len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_learner_started_before_its_robots_waits_for_their_stores() {
    let dir = tmp("early");
    // Robot 0 is creating its store (the directory is there, the store not yet); robot 1's
    // directory is not there at all.
    std::fs::create_dir_all(dir.join("robot-0")).unwrap();
    let stores = [dir.join("robot-0"), dir.join("robot-1")];
    let mut learner = FleetLearner::open(&dir.join("learner"), &config(), &stores, 0).unwrap();
    assert_eq!(learner.ingest().unwrap(), 0);
    assert!(learner.epoch().is_err(), "nothing to learn from yet");
    let mut robot = Practice::open(&PracticeConfig::new(1, 1, &stores[1])).unwrap();
    robot.run(1, &mut RandomExplorer).unwrap();
    assert_eq!(learner.ingest().unwrap(), 100, "robot 1's first episode, once it is there");
    std::fs::remove_dir_all(&dir).unwrap();
}
