//! A run's seed reproduces the run: the same seed gives the same initial weights, batches and
//! losses; another seed, others. (Alone in its own test binary: burn's generator is global to
//! the process, so a test initialising a model on another thread would draw from it in between.)

use byfeel_agents::predictor::*;
use byfeel_gym::Task;
use byfeel_gym::collect::{CollectConfig, collect};
use byfeel_gym::store::StoreReader;

#[test]
fn the_same_seed_trains_the_same_model() {
    let dir = tempfile::Builder::new()
        .prefix("byfeel-seeded-")
        .tempdir()
        .unwrap();
    let store = dir.path().join("store");
    collect(&CollectConfig::new(Task::DieRoll, 4, 2, &store), |_| {}).unwrap();
    let reader = StoreReader::open(&store).unwrap();
    let spec = |seed| RunSpec {
        task: "die-roll".into(),
        store: store.clone(),
        field: "tactile".into(),
        model: PredictorConfig {
            context: 2,
            channels: [8, 16],
            ..PredictorConfig::tactile()
        },
        train: TrainConfig {
            steps: 4,
            batch: 2,
            horizon: 3,
            valid_every: 4,
            valid_batches: 1,
            holdout: 2,
            seed,
            ..TrainConfig::default()
        },
    };
    let run = |seed, name: &str| {
        let out = dir.path().join(name);
        train(&reader, &spec(seed), &out, |_| {}).unwrap();
        // The losses, not the weights file: burn gives parameters random ids it saves with them.
        std::fs::read_to_string(out.join("log.jsonl")).unwrap()
    };
    let (a, b, c) = (run(7, "a"), run(7, "b"), run(8, "c"));
    assert!(a == b, "two runs with seed 7 differ");
    assert!(a != c, "seeds 7 and 8 trained the same model");
}
