//! The latent world model on real play: it learns (held-out frames predicted better than an
//! untrained model does, latents ahead better than repeating the first), a stopped run
//! resumes in either stage, and the agent plans through it inside the die's bounds.

use byfeel_agents::world_model::*;
use byfeel_gym::Task;
use byfeel_gym::collect::{CollectConfig, Policy, collect};
use byfeel_gym::store::StoreReader;

fn temp(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("byfeel-wm-{name}-"))
        .tempdir()
        .unwrap()
}

fn spec(store: &std::path::Path, reader: &StoreReader) -> WorldModelSpec {
    let train = WorldModelTrainConfig {
        ae_steps: 120,
        ae_batch: 16,
        dynamics_steps: 200,
        dynamics_batch: 32,
        horizon: 6,
        learning_rate: 2e-3,
        holdout: 6,
        valid_every: 60,
        seed: 1,
        // On 20 training episodes a full-weight InfoNCE term memorises them within a few
        // hundred steps and drags the held-out latents with it; the checks here are on the
        // latents and the frames.
        contrastive_weight: 0.1,
        ..Default::default()
    };
    let model = WorldModelConfig {
        latent: 32,
        hidden: 64,
        ..Default::default()
    };
    WorldModelSpec::for_task(Task::DieRoll, store, reader, model, train).unwrap()
}

#[test]
fn a_world_model_learns_from_play_resumes_and_plans() {
    let store = temp("store");
    // One robot: the store's episode order, and with it the held-out split, is then the same
    // on every run.
    let mut c = CollectConfig::new(Task::DieRoll, 24, 1, store.path());
    c.seed = 3;
    c.policy = Policy::Play;
    collect(&c, |_| {}).unwrap();
    let reader = StoreReader::open(store.path()).unwrap();
    let full = spec(store.path(), &reader);
    let device = byfeel_agents::default_device();
    // The untrained model is drawn from a fixed seed, so the comparison is the same every run.
    device.seed(11);
    let untrained = full.model.init(&device);
    let (before, _) = held_out(&untrained, &full, &reader, (2, 8, 6), 0).unwrap();

    // The autoencoder stage stopped halfway, then the whole run given again.
    let run = temp("run");
    let mut half = full.clone();
    half.train.ae_steps = 60;
    half.train.dynamics_steps = 0;
    let p = train(&reader, &half, run.path(), |_| {}).unwrap();
    assert_eq!((p.stage, p.step), (Stage::Autoencoder, 60));
    let mut seen = Vec::new();
    let done = train(&reader, &full, run.path(), |p| seen.push((p.stage, p.step))).unwrap();
    assert_eq!(seen.first(), Some(&(Stage::Autoencoder, 61)), "resumed where it stopped");
    assert_eq!((done.stage, done.step), (Stage::Dynamics, 200));
    // A run of another shape is refused, and nothing of the old one is lost.
    let mut other = full.clone();
    other.model.latent = 16;
    assert!(train(&reader, &other, run.path(), |_| {}).is_err());

    let log: Vec<serde_json::Value> = std::fs::read_to_string(run.path().join("log.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let stage = |s: &str| -> Vec<&serde_json::Value> {
        log.iter().filter(|l| l["stage"] == s).collect()
    };
    let ae = stage("autoencoder");
    assert_eq!(ae.len(), 2);
    assert!(
        ae[1]["valid_mse"].as_f64() < ae[0]["valid_mse"].as_f64(),
        "reconstruction improves: {ae:?}"
    );
    let last = stage("dynamics").last().copied().unwrap().clone();
    let mean = |key: &str| {
        let v: Vec<f64> = last[key].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(
        mean("valid_latent") < mean("copy_latent"),
        "held-out latents ahead are predicted better than by repeating the first: {last}"
    );

    let (_, trained) = load(run.path(), &device).unwrap();
    let (after, examples) = held_out(&trained, &full, &reader, (2, 8, 6), 2).unwrap();
    let m = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    assert!(
        m(&after.model) < 0.75 * m(&before.model),
        "held-out frames: trained {:?} vs untrained {:?}",
        after.model,
        before.model
    );
    assert_eq!(examples.len(), 2);
    assert_eq!(examples[0].predicted.len(), 6);

    // The planner: the die's box (never lifting the gel), whole plans, clear errors.
    let cem = byfeel_agents::CemConfig {
        samples: 24,
        elites: 4,
        iterations: 2,
        ..byfeel_agents::CemConfig::for_task(Task::DieRoll)
    };
    let (spec, model) = load(run.path(), &device).unwrap();
    let mut agent = LatentAgent::new(spec, model, cem, 0, device).unwrap();
    let frames = reader.read_steps("tactile", 0..2).unwrap();
    let frames = frames.as_u8().unwrap();
    let n = 48 * 64 * 3;
    let plan = agent.plan(&frames[..n], &frames[n..]).unwrap();
    assert_eq!(plan.actions.len(), 18 * 3);
    assert!(plan.cost.is_finite());
    assert!(plan.actions.chunks(3).all(|a| a.iter().all(|x| x.abs() <= 1.0) && a[2] <= 0.0));
    assert!(agent.plan(&frames[..n], &frames[..10]).is_err(), "a goal of the wrong size");
    let foreseen = agent.predict(&frames[..n], &plan.actions).unwrap();
    assert_eq!(foreseen.len(), 18);
    assert!(foreseen.iter().all(|f| f.len() == n));
    assert!(agent.predict(&frames[..n], &[0.0, f32::NAN, 0.0]).is_err());
    assert!(agent.predict(&frames[..n], &[0.0, 0.0]).is_err(), "half an action");
}
