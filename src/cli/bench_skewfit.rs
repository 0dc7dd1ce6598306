//! `byfeel bench skewfit`: the Skew-Fit agent's update costs on random data of the door's
//! shapes — one SAC update (batch 1024, latent observation and goal, twin Q (400, 300)), one
//! VAE update (batch 128 of 48 × 48 images), and the density estimate the skew refreshes.


use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::Distribution;
use byfeel::agents::sac::{Sac, SacConfig, Transitions};
use byfeel::agents::skewfit::VaeConfig;
use rand::SeedableRng;

use super::Error;
use super::bench::timed;

#[derive(clap::Args, Debug)]
pub struct SkewFitBenchArgs {
    /// Timed SAC updates.
    #[arg(long, default_value_t = 20)]
    pub sac_updates: usize,
    /// Timed VAE updates.
    #[arg(long, default_value_t = 20)]
    pub vae_updates: usize,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: SkewFitBenchArgs) -> Result<(), Error> {
    let device = byfeel::agents::default_device().autodiff();
    let vae_config = VaeConfig::default();
    let sac_config = SacConfig::default();
    let (latent, b) = (vae_config.latent, sac_config.batch);
    let mut sac = Sac::new(sac_config.clone(), 2 * latent, 3, &device);
    let normal = Distribution::Normal(0.0, 1.0);
    let sac_s = timed(args.sac_updates, || {
        let batch = Transitions {
            obs: Tensor::random([b, 2 * latent], normal, &device),
            actions: Tensor::random([b, 3], Distribution::Uniform(-1.0, 1.0), &device),
            rewards: Tensor::random([b, 1], normal, &device),
            next_obs: Tensor::random([b, 2 * latent], normal, &device),
            dones: Tensor::zeros([b, 1], &device),
        };
        sac.update(batch);
    });

    let vae_batch = 128;
    let mut vae = vae_config.init(&device);
    let mut optimizer = AdamConfig::new().init();
    let uniform = Distribution::Uniform(0.0, 1.0);
    let vae_s = timed(args.vae_updates, || {
        let images = Tensor::<4>::random([vae_batch, 3, 48, 48], uniform, &device);
        let noise = Tensor::random([vae_batch, latent], normal, &device);
        let loss = vae.loss(images, noise);
        let grads = GradientsParams::from_grads(loss.loss.backward(), &vae);
        vae = optimizer.step(1e-3, vae.clone(), grads);
    });

    let inference = vae.valid();
    let plain = byfeel::agents::default_device();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let density_s = timed(3, || {
        let images = Tensor::<4>::random([vae_batch, 3, 48, 48], uniform, &plain);
        inference.log_density(images, 10, &mut rng);
    }) / vae_batch as f64;
    // The paper's door schedule, per epoch: 1000 SAC updates and 200 VAE batches (1000 in the
    // first ten), then every image's density (500 more each epoch).
    let epochs = 100.0;
    let images_refreshed = 500.0 * epochs * (epochs + 1.0) / 2.0;
    let door_hours = (epochs * 1000.0 * sac_s
        + (10.0 * 1000.0 + 90.0 * 200.0) * vae_s
        + images_refreshed * density_s)
        / 3600.0;
    let out = serde_json::json!({
        "bench": "skewfit",
        "threads": rayon::current_num_threads(),
        "sac_update_s": sac_s, "sac_batch": b, "sac_hidden": sac_config.hidden,
        "vae_update_s": vae_s, "vae_batch": vae_batch,
        "density_per_image_s": density_s, "density_samples": 10,
        "door_50k_steps_hours_estimate": door_hours,
    });
    if args.json {
        println!("{out}");
    } else {
        println!(
            "SAC update (batch {b}, twin Q {:?}): {:.1} ms",
            sac_config.hidden,
            sac_s * 1e3
        );
        println!(
            "VAE update (batch {vae_batch}, 48×48): {:.1} ms",
            vae_s * 1e3
        );
        println!(
            "density estimate (10 latents): {:.2} ms per image",
            density_s * 1e3
        );
        println!(
            "the door schedule (50 000 env steps, 100 epochs) would take ~{door_hours:.1} h in updates here"
        );
    }
    Ok(())
}
