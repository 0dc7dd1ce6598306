//! End to end on the die with roll actions: collect random rolls, train a tiny latent model,
//! plan. Training lowers the held-out prediction error well below an untrained model's and
//! below repeating the first frame; the planner answers with pushes (2 numbers); an inverse
//! model can be added to the trained run and training goes on from it.

use byfeel_agents::world_model::*;
use byfeel_gym::collect::{CollectConfig, collect};
use byfeel_gym::store::StoreReader;
use byfeel_gym::{ActionMode, Task};

fn temp(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("byfeel-rolls-{name}-"))
        .tempdir()
        .unwrap()
}

#[test]
fn a_latent_model_learns_from_random_rolls_and_plans_pushes() {
    let store = temp("store");
    // One robot: the store's order, and with it the held-out split, is the same on every run.
    let mut c = CollectConfig::new(Task::DieRoll, 60, 1, store.path());
    c.seed = 5;
    c.action_mode = ActionMode::Roll;
    c.max_episode_steps = Some(6);
    collect(&c, |_| {}).unwrap();
    let reader = StoreReader::open(store.path()).unwrap();
    let train_config = WorldModelTrainConfig {
        ae_steps: 200,
        ae_batch: 32,
        dynamics_steps: 400,
        dynamics_batch: 128,
        valid_every: 100,
        seed: 1,
        ..WorldModelTrainConfig::for_actions(Task::DieRoll, ActionMode::Roll)
    };
    let model = WorldModelConfig {
        latent: 32,
        hidden: 64,
        ..Default::default()
    };
    let spec = WorldModelSpec::for_task(Task::DieRoll, store.path(), &reader, model, train_config)
        .unwrap();
    assert_eq!((spec.model.action_dim, spec.actions.as_str()), (2, "roll"));
    let device = byfeel_agents::default_device();
    // The untrained model is drawn from a fixed seed, so the comparison is the same every run.
    device.seed(11);
    let untrained = spec.model.init(&device);
    let (before, _) = held_out(&untrained, &spec, &reader, (2, 8, 3), 0).unwrap();

    let run = temp("run");
    train(&reader, &spec, run.path(), |_| {}).unwrap();
    let (_, trained) = load(run.path(), &device).unwrap();
    let (after, _) = held_out(&trained, &spec, &reader, (2, 8, 3), 0).unwrap();
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    assert!(
        mean(&after.model) < 0.5 * mean(&before.model),
        "held-out frames: trained {:?} vs untrained {:?}",
        after.model,
        before.model
    );
    assert!(
        mean(&after.model) < mean(&after.copy_last),
        "a roll changes the frame, and the model expects it: {:?} vs repeating {:?}",
        after.model,
        after.copy_last
    );

    // The planner searches pushes: 2 actions of 2 numbers, inside the box.
    let cem = byfeel_agents::CemConfig::for_actions(Task::DieRoll, ActionMode::Roll);
    assert_eq!((cem.actions, cem.repeat, cem.action_dim), (2, 1, 2));
    let (loaded, model) = load(run.path(), &device).unwrap();
    let mut agent = LatentAgent::new(loaded, model, cem, 0, device.clone()).unwrap();
    let frames = reader.read_steps("tactile", 0..2).unwrap();
    let frames = frames.as_u8().unwrap();
    let n = 48 * 64 * 3;
    let plan = agent.plan(&frames[..n], &frames[n..]).unwrap();
    assert_eq!(plan.actions.len(), 2 * 2);
    assert!(plan.actions.iter().all(|a| a.abs() <= 1.0) && plan.cost.is_finite());
    assert!(
        agent.predict(&frames[..n], &[0.5, 0.5, 0.0]).is_err(),
        "one and a half pushes"
    );

    // An inverse model added to the trained run: training goes on from its weights.
    let mut more = spec.clone();
    more.model.inverse = true;
    more.train.inverse_weight = 1.0;
    more.train.train_encoder = true;
    more.train.dynamics_batch = 16;
    more.train.dynamics_steps = 410;
    let mut steps = Vec::new();
    let done = train(&reader, &more, run.path(), |p| steps.push(p.step)).unwrap();
    assert_eq!((steps.first(), done.step), (Some(&401), 410));
    let (_, with_inverse) = load(run.path(), &device).unwrap();
    assert!(with_inverse.inverse.is_some());
}
