//! Does the skew widen the door angles a policy *reaches*? Training runs confound the two things
//! the skew changes, the goals proposed and the policy learned from the data they produce; this
//! holds the policy fixed. It loads a run's checkpoint and lets the run's own policy practise
//! reset-free, as training explores, toward goals drawn from the run's buffer either uniformly
//! (how RIG, α = 0, proposes) or by the skewed weights q̂(x)^α of the run's own VAE (how
//! Skew-Fit proposes). Practice is SEGMENTS stretches of STEPS steps, each from the run's start
//! (door shut, hand hooked on it: a hand that has slipped off the bar leaves the door still for
//! thousands of steps, which would say nothing about the goals); both proposers start each
//! stretch from the same random seed. It prints, for each proposer, the coverage of the door
//! angles reached (the 20-bin evenness training logs), the largest angle and the share of steps
//! with the door past 0.1 rad.
//!
//! Run: `cargo run --release --example skewfit_practice -- RUN [STEPS] [ALPHA] [SEGMENTS] [SEED]`
//! (STEPS 1000, ALPHA −0.5, SEGMENTS 5, SEED 0; nothing in RUN is changed).

use burn::prelude::*;
use byfeel::agents::skewfit::checkpoint;
use byfeel::agents::skewfit::coverage::{ANGLE_BINS, angle_bin, coverage};
use byfeel::agents::skewfit::SkewFitTask;
use byfeel::agents::skewfit::train::{embed_one, image, log_densities};
use byfeel::agents::skewfit::{read_config, skew_weights};
use byfeel::gym::{Env, ResetOptions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: skewfit_practice RUN [STEPS] [ALPHA] [SEGMENTS] [SEED]";
    let run = std::path::PathBuf::from(args.next().ok_or(usage)?);
    let steps: usize = parse(args.next(), "STEPS", 1000)?;
    let alpha: f64 = parse(args.next(), "ALPHA", -0.5)?;
    let segments: usize = parse(args.next(), "SEGMENTS", 5)?;
    let seed: u64 = parse(args.next(), "SEED", 0)?;
    if !(alpha.is_finite() && alpha < 0.0) {
        return Err(
            format!("ALPHA is {alpha}: give a skew to set against uniform, below 0").into(),
        );
    }
    if steps == 0 || segments == 0 {
        return Err("STEPS and SEGMENTS must be positive".into());
    }
    let config = read_config(&run)?;
    let device = byfeel::agents::default_device().autodiff();
    println!(
        "{} (trained with α {}): {segments} × {steps} practice steps from a shut door, \
         skew α {alpha}, seed {seed}",
        run.display(),
        config.alpha
    );

    let r = checkpoint::load(&run, &config, &device)?.ok_or("the run has no checkpoint yet")?;
    let (mut replay, vae, sac) = (r.replay, r.vae.valid(), r.sac);
    let inner = vae.devices()[0].clone();
    let latents: Vec<f32> = (0..replay.num_frames())
        .flat_map(|i| replay.latent(i).to_vec())
        .collect();
    let log_q = log_densities(
        &vae,
        &replay,
        replay.state_frames(),
        config.density_samples,
        &mut ChaCha8Rng::seed_from_u64(seed),
    );
    let skew = skew_weights(&log_q, alpha)?;
    let embed = |img: &[u8]| embed_one(&vae, img, &inner);
    let mut env = SkewFitTask::door().env()?;
    let episode_len = env.spec().max_episode_steps;

    for skewed in [false, true] {
        replay.refresh(latents.clone(), skewed.then_some(skew.as_slice()))?;
        let mut bins = vec![0.0; ANGLE_BINS];
        let (mut largest, mut past) = (0.0f64, 0usize);
        for segment in 0..segments {
            // The run's own scene (its goals are pictures of it), from its hard-reset start;
            // both proposers start each stretch from the same random seed.
            let mut rng = ChaCha8Rng::seed_from_u64(seed * 1000 + segment as u64);
            let (obs, _) = env.reset(Some(config.seed), &ResetOptions::default())?;
            let mut now = image(&obs, "image_observation")?;
            let mut goal = vec![];
            for step in 0..steps {
                if step % episode_len == 0 {
                    goal = embed(replay.frame(replay.draw_frame(&mut rng)));
                }
                let mut o = embed(&now);
                o.extend_from_slice(&goal);
                let t = env.step(&sac.act(&o, Some(rng.random())))?;
                now = image(&t.observation, "image_observation")?;
                let angle = t
                    .observation
                    .get("achieved_goal")
                    .and_then(|a| a.as_f32())
                    .ok_or("no achieved_goal")?[0] as f64;
                bins[angle_bin(angle)] += 1.0;
                largest = largest.max(angle);
                past += usize::from(angle > 0.1);
                if (step + 1) % episode_len == 0 {
                    // Reset-free, as in training: only the goal changes.
                    env.reset(None, &ResetOptions::default())?;
                }
            }
        }
        println!(
            "{:<22} coverage {:.3}, largest angle {largest:.2} rad, door past 0.1 rad {:.1} %",
            if skewed {
                format!("skewed goals (α {alpha}):")
            } else {
                "uniform goals (RIG):".to_string()
            },
            coverage(&bins),
            100.0 * past as f64 / (steps * segments) as f64
        );
    }
    Ok(())
}

/// An optional argument, or `default` when it is absent; a bad one is named in the error.
fn parse<T: std::str::FromStr>(arg: Option<String>, name: &str, default: T) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    arg.map_or(Ok(default), |s| {
        s.parse().map_err(|e| format!("{name} is {s:?}: {e}"))
    })
}
