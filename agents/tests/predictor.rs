//! The frame predictor on real random play: it learns (held-out error falls well below an
//! untrained model's) and a run resumes where it stopped.

use byfeel_agents::predictor::*;
use byfeel_gym::Task;
use byfeel_gym::collect::{CollectConfig, collect};
use byfeel_gym::store::StoreReader;

fn temp(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("byfeel-agents-{name}-"))
        .tempdir()
        .unwrap()
}

fn small() -> PredictorConfig {
    PredictorConfig {
        context: 2,
        ..PredictorConfig::tactile()
    }
}

#[test]
fn predictions_have_the_shape_of_the_frames_they_predict() {
    let device = byfeel_agents::default_device();
    let model = small().init(&device);
    let context = burn::tensor::Tensor::<5>::ones([2, 2, 3, 48, 64], &device).mul_scalar(0.5);
    let actions = burn::tensor::Tensor::<3>::zeros([2, 7, 3], &device);
    let out = model.forward(context, actions);
    assert_eq!(out.dims(), [2, 7, 3, 48, 64]);
    let v = out.into_data().try_to_vec::<f32>().unwrap();
    assert!(v.iter().all(|x| (0.0..=1.0).contains(x)));
    assert!(
        PredictorConfig {
            height: 50,
            ..small()
        }
        .check()
        .is_err()
    );
}

#[test]
fn a_trained_predictor_beats_an_untrained_one_and_resumes() {
    let store = temp("store");
    let mut c = CollectConfig::new(Task::DieRoll, 12, 2, store.path());
    c.seed = 5;
    collect(&c, |_| {}).unwrap();
    let reader = StoreReader::open(store.path()).unwrap();
    let spec = RunSpec {
        task: "die-roll".into(),
        store: store.path().to_path_buf(),
        field: "tactile".into(),
        model: small(),
        train: TrainConfig {
            steps: 80,
            batch: 4,
            horizon: 5,
            valid_every: 40,
            valid_batches: 2,
            holdout: 4,
            learning_rate: 2e-3,
            seed: 1,
            ..TrainConfig::default()
        },
    };
    let run = temp("run");
    // Untrained: the model as initialised.
    let device = byfeel_agents::default_device();
    let source = SequenceSource {
        reader: &reader,
        field: "tactile".into(),
        context: 2,
        horizon: 5,
    };
    let split = Split::every(reader.num_episodes(), 4);
    assert_eq!(split.valid, vec![3, 7, 11]);
    let untrained = validate(&small().init(&device), &source, &split, 2, 4, &device).unwrap();

    // Half the steps, then resume for the rest.
    let mut half = spec.clone();
    half.train.steps = 40;
    let p = train(&reader, &half, run.path(), |_| {}).unwrap();
    assert_eq!(p.step, 40);
    let mut seen = Vec::new();
    let done = train(&reader, &spec, run.path(), |p| seen.push(p.step)).unwrap();
    assert_eq!(seen.first(), Some(&41), "resumed where it stopped");
    assert_eq!(done.step, 80);
    let log = std::fs::read_to_string(run.path().join("log.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 2);

    let (_, trained) = load(run.path(), &device).unwrap();
    let after = validate(&trained, &source, &split, 2, 4, &device).unwrap();
    let (u, a) = (
        untrained.iter().sum::<f32>() / 5.0,
        after.iter().sum::<f32>() / 5.0,
    );
    // Measured over runs before initialisation was seeded: 0.58–0.67 × untrained after 80 steps
    // on these 12 episodes of pressed-gel play. (Other tests here draw from burn's process-wide
    // generator on their own threads, so this run's weights still vary between test runs.)
    assert!(
        a < 0.8 * u,
        "held-out error {a} is not well below untrained {u}"
    );

    // The agent plans through the trained model toward a goal picture from the store.
    let frames = reader.read_steps("tactile", 0..3).unwrap();
    let frames = frames.as_u8().unwrap();
    let n = 48 * 64 * 3;
    let cem = byfeel_agents::CemConfig {
        samples: 24,
        elites: 4,
        iterations: 2,
        actions: 2,
        ..Default::default()
    };
    let mut agent = byfeel_agents::PredictiveAgent::load(run.path(), cem, 0).unwrap();
    let context = [&frames[..n], &frames[n..2 * n]];
    let plan = agent.plan(&context, &frames[2 * n..]).unwrap();
    assert_eq!(plan.actions.len(), 2 * 3 * 3);
    assert!(plan.cost.is_finite() && plan.actions.iter().all(|a| a.abs() <= 1.0));
    assert!(
        agent.plan(&context[..1], &frames[2 * n..]).is_err(),
        "too little context"
    );
    assert!(
        agent.plan(&context, &frames[..10]).is_err(),
        "a goal of the wrong size"
    );

    // What the plan is expected to bring: one frame per planned step.
    let foreseen = agent.predict(&context, &plan.actions).unwrap();
    assert_eq!(foreseen.len(), 6);
    assert!(foreseen.iter().all(|f| f.len() == n));
    assert!(agent.predict(&context, &[0.0, f32::NAN, 0.0]).is_err());
    assert!(
        agent.predict(&context, &[0.0, 0.0]).is_err(),
        "half an action"
    );

    // The held-out report: the error per horizon step, for the model and for repeating the
    // last frame, and examples to look at.
    let (err, examples) = held_out(&trained, &spec, &reader, 2, 4, 2, &device).unwrap();
    assert_eq!(
        (err.model.len(), err.copy_last.len(), err.sequences),
        (5, 5, 8)
    );
    assert!(
        err.model
            .iter()
            .chain(&err.copy_last)
            .all(|e| e.is_finite() && *e >= 0.0)
    );
    assert_eq!(examples.len(), 2);
    assert_eq!(
        (
            examples[0].context.len(),
            examples[0].predicted.len(),
            examples[0].actual.len()
        ),
        (2, 5, 5)
    );

    // Another model in the same run directory is refused.
    let mut other = spec.clone();
    other.model.channels = [8, 16];
    assert!(train(&reader, &other, run.path(), |_| {}).is_err());
}

#[test]
fn sparse_decoding_gives_the_same_frames_where_it_decodes() {
    let device = byfeel_agents::default_device();
    let model = small().init(&device);
    let context = burn::tensor::Tensor::<5>::random(
        [2, 2, 3, 48, 64],
        burn::tensor::Distribution::Uniform(0.0, 1.0),
        &device,
    );
    let actions = burn::tensor::Tensor::<3>::random(
        [2, 7, 3],
        burn::tensor::Distribution::Uniform(-1.0, 1.0),
        &device,
    );
    let all = model.forward(context.clone(), actions.clone());
    let some = model.forward_every(context, actions, 3);
    assert_eq!(some.dims(), [2, 3, 3, 48, 64]); // steps 3, 6 and the last, 7
    for (j, step) in [2usize, 5, 6].into_iter().enumerate() {
        let a = all
            .clone()
            .narrow(1, step, 1)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let b = some
            .clone()
            .narrow(1, j, 1)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let diff = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        assert!(diff < 1e-5, "step {step}: {diff}");
    }
}
