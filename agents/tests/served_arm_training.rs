//! The SAC trainers explore with a served arm exactly as with one in process, and a stopped run
//! resumes over the network where it stopped. In its own test binary: burn draws initial
//! weights from one process-wide generator.

mod common;

use byfeel_agents::her::{HerConfig, train_her, train_her_on};
use byfeel_agents::skewfit::{SkewFitConfig, train, train_on};
use byfeel_gym::SimRobot;
use byfeel_remote::{ServeOptions, ServerHandle, spawn};
use byfeel_sim::Randomization;
use common::{her_shrunk, shrunk};

fn serve_door() -> ServerHandle {
    let arm = SimRobot::from_scene("door", Randomization::Nominal).unwrap();
    spawn(
        Box::new(arm),
        "127.0.0.1:0".parse().unwrap(),
        ServeOptions::default(),
    )
    .unwrap()
}

#[test]
fn skewfit_on_a_served_arm_trains_and_resumes_as_in_process() {
    let server = serve_door();
    let addr = server.addr.to_string();
    let base = tempfile::tempdir().unwrap();
    let (here, there) = (base.path().join("here"), base.path().join("there"));
    let config = SkewFitConfig {
        checkpoint_every: 1,
        ..shrunk()
    };
    let mut local = vec![];
    let (_, sac_a) = train(&config, &here, |e| local.push(e.clone())).unwrap();

    // Over the network, stopped after two epochs and resumed there.
    let first_part = SkewFitConfig {
        env_steps: 200,
        ..config.clone()
    };
    let mut served = vec![];
    train_on(&first_part, &there, Some(&addr), |e| served.push(e.clone())).unwrap();
    let (_, sac_b) = train_on(&config, &there, Some(&addr), |e| served.push(e.clone())).unwrap();
    assert_eq!(served.len(), 3);
    for (a, b) in local.iter().zip(&served) {
        assert_eq!((a.epoch, a.env_steps), (b.epoch, b.env_steps));
        assert_eq!(
            a.vae_reconstruction, b.vae_reconstruction,
            "epoch {}",
            a.epoch
        );
        assert_eq!(a.angle_counts, b.angle_counts, "epoch {}", a.epoch);
    }
    let probe: Vec<f32> = (0..64).map(|i| (i as f32 * 0.37).sin()).collect();
    assert_eq!(sac_a.act(&probe, None), sac_b.act(&probe, None));
}

#[test]
fn her_on_a_served_arm_trains_as_in_process() {
    let server = serve_door();
    let base = tempfile::tempdir().unwrap();
    let config = HerConfig { ..her_shrunk() };
    let mut local = vec![];
    let sac_a = train_her(&config, &base.path().join("here"), |e| {
        local.push(e.clone())
    })
    .unwrap();
    let mut served = vec![];
    let there = base.path().join("there");
    let sac_b = train_her_on(&config, &there, Some(&server.addr.to_string()), |e| {
        served.push(e.clone())
    })
    .unwrap();
    let probe: Vec<f32> = (0..8).map(|i| (i as f32 * 0.37).sin()).collect();
    assert_eq!(sac_a.act(&probe, None), sac_b.act(&probe, None));
    assert_eq!(local.len(), served.len());
}
