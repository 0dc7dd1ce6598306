//! `byfeel bench predictor`: the frame predictor's training steps per second and the
//! predictive agent's planning time per control step, on random data of the real shapes.

use std::time::Instant;

use burn::optim::AdamConfig;
use burn::prelude::*;
use burn::tensor::Distribution;
use byfeel::agents::predictor::{PredictorConfig, Sequences, batch_gradients};
use byfeel::agents::{CemConfig, PredictiveAgent};
use rand::Rng;

use super::Error;
use super::bench::median_of as median;

#[derive(clap::Args, Debug)]
pub struct PredictorBenchArgs {
    #[arg(long, default_value_t = 16)]
    pub batch: usize,
    #[arg(long, default_value_t = 15)]
    pub horizon: usize,
    /// Timed training steps.
    #[arg(long, default_value_t = 10)]
    pub steps: usize,
    /// Timed plans (the die's CEM: 200 samples, 3 iterations, 6 actions × 3; for a memory,
    /// one search each, from a fresh episode's first press).
    #[arg(long, default_value_t = 3)]
    pub plans: usize,
    #[arg(long)]
    pub json: bool,
    /// Which model: the latent world model, the die's replay memory (its plans only), or the
    /// pixel-space frame predictor.
    #[arg(long, value_enum, default_value_t = super::train::ModelKind::Latent)]
    pub model: super::train::ModelKind,
    /// Latent model: width of the dynamics' hidden layers (default: the model's).
    #[arg(long)]
    pub hidden: Option<usize>,
    /// Memory: the run to time (default: the shipped die agent, assets/models/die-roll).
    #[arg(long)]
    pub run: Option<std::path::PathBuf>,
}

pub fn run(args: PredictorBenchArgs) -> Result<(), Error> {
    match args.model {
        super::train::ModelKind::Latent => return super::bench_world_model::run(&args),
        super::train::ModelKind::Memory => {
            return super::bench_memory::run(args.run, args.plans, args.json);
        }
        super::train::ModelKind::Pixel => {}
    }
    if args.batch == 0 || args.horizon == 0 || args.steps == 0 || args.plans == 0 {
        return Err("--batch, --horizon, --steps and --plans must be positive".into());
    }
    let config = PredictorConfig::tactile();
    let (k, t, b) = (config.context, args.horizon, args.batch);
    let device = byfeel::agents::default_device().autodiff();
    let mut model = config.init(&device);
    let mut optimizer = AdamConfig::new().init();
    let uniform = Distribution::Uniform(0.0, 1.0);
    let mut train_times = Vec::new();
    for i in 0..args.steps + 2 {
        let context = Tensor::<5>::random([b, k, 3, 48, 64], uniform, &device);
        let targets = Tensor::<5>::random([b, t, 3, 48, 64], uniform, &device);
        let actions = Tensor::<3>::random([b, t, 3], Distribution::Uniform(-1.0, 1.0), &device);
        let clock = Instant::now();
        let sequences = Sequences {
            context,
            actions,
            targets,
        };
        let (grads, _) = batch_gradients(&model, sequences, Tensor::zeros([b, 0], &device), 0.0);
        model = optimizer.step(1e-3, model, grads);
        let _ = model.clone(); // the step is complete once its parameters exist
        if i >= 2 {
            train_times.push(clock.elapsed().as_secs_f64());
        }
    }
    let train_s = median(train_times);

    // Plans through the agent itself (encoding once, candidates in parallel chunks), from
    // random pictures: the cost does not depend on what the images show.
    let spec = byfeel::agents::predictor::RunSpec {
        task: "die-roll".into(),
        store: Default::default(),
        field: "tactile".into(),
        model: config.clone(),
        train: Default::default(),
    };
    let cem_config = CemConfig::for_task(byfeel::gym::Task::DieRoll);
    let horizon = cem_config.horizon();
    let mut agent =
        PredictiveAgent::new(spec, model.valid(), cem_config.clone(), 0, device.inner())?;
    let mut rng = rand::rng();
    let mut image = || -> Vec<u8> { (0..48 * 64 * 3).map(|_| rng.random()).collect() };
    let (context, goal): (Vec<Vec<u8>>, Vec<u8>) = ((0..k).map(|_| image()).collect(), image());
    let context: Vec<&[u8]> = context.iter().map(Vec::as_slice).collect();
    let mut plan = |every: usize| -> Result<f64, Error> {
        agent.score_every = every;
        let clock = Instant::now();
        agent.plan(&context, &goal)?;
        Ok(clock.elapsed().as_secs_f64())
    };
    plan(1)?;
    let plan_all = median((0..args.plans).map(|_| plan(1)).collect::<Result<_, _>>()?);
    let plan_sparse = median((0..args.plans).map(|_| plan(3)).collect::<Result<_, _>>()?);
    let out = serde_json::json!({
        "bench": "predictor",
        "threads": rayon::current_num_threads(),
        "model": config,
        "batch": b, "horizon": t,
        "train_step_s": train_s,
        "train_steps_per_s": 1.0 / train_s,
        "plan": {"samples": cem_config.samples, "iterations": cem_config.iterations,
                 "horizon": horizon, "every_frame_s": plan_all, "every_third_frame_s": plan_sparse},
    });
    if args.json {
        println!("{out}");
    } else {
        println!(
            "train step (batch {b}, {k} context + {t} predicted frames, 48×64): {:.0} ms ({:.2} steps/s)",
            train_s * 1e3,
            1.0 / train_s
        );
        println!(
            "plan (CEM {} samples × {} iterations, horizon {horizon}): {:.2} s scoring every frame, {:.2} s every third",
            cem_config.samples, cem_config.iterations, plan_all, plan_sparse
        );
    }
    Ok(())
}
