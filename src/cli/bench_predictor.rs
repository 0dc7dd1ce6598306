//! `byfeel bench predictor`: the frame predictor's training steps per second and the
//! predictive agent's planning time per control step, on random data of the real shapes.

use std::time::Instant;

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::Distribution;
use byfeel::agents::predictor::PredictorConfig;
use byfeel::agents::{Cem, CemConfig};

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
    /// Timed plans (CEM: 200 samples, 3 iterations, 6 actions × 3).
    #[arg(long, default_value_t = 3)]
    pub plans: usize,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: PredictorBenchArgs) -> Result<(), Error> {
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
        let loss = (model.forward(context, actions) - targets).square().mean();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(1e-3, model, grads);
        let _ = model.clone(); // the step is complete once its parameters exist
        if i >= 2 {
            train_times.push(clock.elapsed().as_secs_f64());
        }
    }
    let train_s = median(train_times);

    let inference = model.valid();
    let cpu = device.inner();
    let cem_config = CemConfig {
        actions: 6,
        ..Default::default()
    };
    let horizon = cem_config.horizon();
    let mut cem = Cem::new(cem_config.clone(), 0)?;
    let context = Tensor::<5>::random([1, k, 3, 48, 64], uniform, &cpu);
    let goal = Tensor::<5>::random([1, 1, 3, 48, 64], uniform, &cpu);
    let mut plan = |every: usize| -> Result<f64, Error> {
        let clock = Instant::now();
        cem.plan(|seqs, n| {
            let actions =
                Tensor::<3>::from_data(TensorData::new(seqs.to_vec(), [n, horizon, 3]), &cpu);
            let p =
                inference.forward_every(context.clone().expand([n, k, 3, 48, 64]), actions, every);
            let s = p.dims()[1];
            let err = (p - goal.clone().expand([n, s, 3, 48, 64]))
                .square()
                .mean_dims(&[1, 2, 3, 4]);
            err.reshape([n])
                .into_data()
                .try_to_vec::<f32>()
                .map_err(|e| format!("{e:?}"))
        })?;
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
