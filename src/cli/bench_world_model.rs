//! `byfeel bench predictor --model latent`: the latent world model's training steps (the
//! autoencoder on single frames, the dynamics on latent windows, and the die's second stage
//! through the encoder on windows of frames) and the planner's time per control step, on
//! random data of the real shapes.

use std::time::Instant;

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::Distribution;
use byfeel::agents::CemConfig;
use byfeel::agents::world_model::frames::FrameWindows;
use byfeel::agents::world_model::prediction::{
    LatentWindows, latent_prediction_loss, prediction_loss,
};
use byfeel::agents::world_model::{
    LatentAgent, WorldModelConfig, WorldModelSpec, WorldModelTrainConfig, info_nce,
};
use rand::Rng;

use super::Error;
use super::bench::median_of as median;
use super::bench_predictor::PredictorBenchArgs;

/// Median seconds of `f` over `n` runs after two warm-ups.
fn time(n: usize, mut f: impl FnMut() -> Result<(), Error>) -> Result<f64, Error> {
    let mut times = Vec::new();
    for i in 0..n + 2 {
        let clock = Instant::now();
        f()?;
        if i >= 2 {
            times.push(clock.elapsed().as_secs_f64());
        }
    }
    Ok(median(times))
}

pub fn run(args: &PredictorBenchArgs) -> Result<(), Error> {
    if args.steps == 0 || args.plans == 0 {
        return Err("--steps and --plans must be positive".into());
    }
    let defaults = WorldModelConfig::default();
    let config = WorldModelConfig {
        hidden: args.hidden.unwrap_or(defaults.hidden),
        ..defaults
    };
    let train = WorldModelTrainConfig::default();
    let device = byfeel::agents::default_device().autodiff();
    let mut model = config.init(&device);
    let mut optimizer = AdamConfig::new().init();
    let uniform = Distribution::Uniform(0.0, 1.0);
    let b = train.ae_batch;
    // As training runs it: reconstruction of a batch, plus the contrastive loss against the
    // batch's positives.
    let ae_s = time(args.steps, || {
        let images = Tensor::<4>::random([b, 3, 48, 64], uniform, &device);
        let positives = Tensor::<4>::random([b, 3, 48, 64], uniform, &device);
        let z = model.encoder.forward(images.clone());
        let zp = model.encoder.forward(positives);
        let projection = model
            .projection
            .as_ref()
            .ok_or("the model has no embedding")?;
        let (nce, _) = info_nce(projection, z.clone(), zp, train.temperature);
        let loss = (model.decoder.forward(z) - images).square().mean() + nce;
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(1e-3, model.clone(), grads);
        Ok(())
    })?;
    let (n, t, d) = (train.dynamics_batch, train.horizon, config.latent);
    // As training runs it on cached latents: latent error and per-step InfoNCE.
    let dyn_s = time(args.steps, || {
        let w = LatentWindows {
            start: Tensor::<2>::random([n, d], uniform, &device),
            actions: Tensor::<3>::random([n, t, 3], Distribution::Uniform(-1.0, 1.0), &device),
            targets: Tensor::<3>::random([n, t, d], uniform, &device),
            at: (1..=t).collect(),
        };
        let loss = latent_prediction_loss(&model, w, &train);
        let grads = GradientsParams::from_grads(loss.total.backward(), &model);
        model = optimizer.step(1e-3, model.clone(), grads);
        Ok(())
    })?;
    // The die's second stage: windows of frames through the encoder, targets every third step.
    let die = WorldModelTrainConfig::for_task(byfeel::gym::Task::DieRoll);
    let (wn, every) = (die.dynamics_batch, die.target_every);
    let at: Vec<usize> = (1..=t).filter(|k| k % every == 0).collect();
    let through_s = time(args.steps, || {
        let w = FrameWindows {
            start: Tensor::<4>::random([wn, 3, 48, 64], uniform, &device),
            actions: Tensor::<3>::random([wn, t, 3], Distribution::Uniform(-1.0, 1.0), &device),
            targets: Tensor::<4>::random([wn * at.len(), 3, 48, 64], uniform, &device),
            at: at.clone(),
        };
        let loss = prediction_loss(&model, w, &die);
        let grads = GradientsParams::from_grads(loss.total.backward(), &model);
        model = optimizer.step(1e-3, model.clone(), grads);
        Ok(())
    })?;

    let spec = WorldModelSpec {
        task: "die-roll".into(),
        store: Default::default(),
        field: "tactile".into(),
        model: config.clone(),
        train: train.clone(),
        actions: "hand".into(),
    };
    let cem = CemConfig::for_task(byfeel::gym::Task::DieRoll);
    let mut agent = LatentAgent::new(spec, model.valid(), cem.clone(), 0, device.inner())?;
    let mut rng = rand::rng();
    let mut image = || -> Vec<u8> { (0..48 * 64 * 3).map(|_| rng.random()).collect() };
    let (frame, goal) = (image(), image());
    let plan_s = time(args.plans, || {
        agent.plan(&frame, &goal)?;
        Ok(())
    })?;
    let out = serde_json::json!({
        "bench": "world-model",
        "threads": rayon::current_num_threads(),
        "model": config,
        "ae_batch": b, "ae_step_s": ae_s,
        "dynamics_batch": n, "horizon": t, "dynamics_step_s": dyn_s,
        "through_batch": wn, "through_targets": at.len(), "through_step_s": through_s,
        "plan": {"samples": cem.samples, "iterations": cem.iterations,
                 "horizon": cem.horizon(), "plan_s": plan_s},
    });
    if args.json {
        println!("{out}");
    } else {
        println!(
            "autoencoder step (batch {b} + {b} positives, 48×64): {:.1} ms; dynamics step (batch {n} × {t} steps): {:.1} ms",
            ae_s * 1e3,
            dyn_s * 1e3
        );
        println!(
            "through the encoder (batch {wn} windows, {} target frames each): {:.1} ms",
            at.len(),
            through_s * 1e3
        );
        println!(
            "plan (CEM {} samples × {} iterations, horizon {}): {:.1} ms",
            cem.samples,
            cem.iterations,
            cem.horizon(),
            plan_s * 1e3
        );
    }
    Ok(())
}
