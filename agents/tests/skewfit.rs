//! Skew-Fit's promise on a buffer where one kind of image is rare: after a VAE has fitted the
//! buffer, the skewed weights draw the rare images far more often than they were seen, and
//! α = 0 (RIG) draws them as often as seen. Coverage counts door angles in even bins.

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use byfeel_agents::predictor::latent::standard_normal;
use byfeel_agents::skewfit::coverage::{ANGLE_BINS, ANGLE_RANGE, angle_bin, coverage};
use byfeel_agents::skewfit::{VaeConfig, skew_weights, weight_evenness};
use byfeel_gym::store::StepSampler;
use rand::{Rng, SeedableRng};

const SIDE: usize = 48;

/// A grey image with a bright 12-pixel square whose corner is at (`row`, `col`).
fn square(row: usize, col: usize) -> Vec<f32> {
    let mut img = vec![0.2f32; 3 * SIDE * SIDE];
    for c in 0..3 {
        for r in row..row + 12 {
            for k in col..col + 12 {
                img[c * SIDE * SIDE + r * SIDE + k] = if c == 0 { 0.9 } else { 0.6 };
            }
        }
    }
    img
}

fn batch(images: &[Vec<f32>], device: &Device) -> Tensor<4> {
    let flat: Vec<f32> = images.concat();
    Tensor::from_data(TensorData::new(flat, [images.len(), 3, SIDE, SIDE]), device)
}

#[test]
fn skewed_weights_favour_the_rare_images() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    // 180 common images (the square top-left, jittered) and 20 rare (bottom-right).
    let buffer: Vec<Vec<f32>> = (0..200)
        .map(|i| {
            let (r, c) = (rng.random_range(0..4), rng.random_range(0..4));
            if i < 180 {
                square(4 + r, 4 + c)
            } else {
                square(30 + r, 30 + c)
            }
        })
        .collect();

    let device = Device::default().autodiff();
    device.seed(7);
    let config = VaeConfig::default();
    let mut vae = config.init(&device);
    let mut optimizer = AdamConfig::new().init();
    let mut first = None;
    let mut last = 0.0;
    for _ in 0..300 {
        let picks: Vec<Vec<f32>> = (0..32)
            .map(|_| buffer[rng.random_range(0..buffer.len())].clone())
            .collect();
        let noise = standard_normal(&mut rng, [32, config.latent], &device);
        let loss = vae.loss(batch(&picks, &device), noise);
        let value: f32 = loss.reconstruction.clone().into_scalar();
        first.get_or_insert(value);
        last = value;
        let grads = GradientsParams::from_grads(loss.loss.backward(), &vae);
        vae = optimizer.step(1e-3, vae, grads);
    }
    eprintln!("reconstruction error {} → {last}", first.unwrap());
    assert!(last < 0.5 * first.unwrap(), "the VAE did not learn");

    let vae = vae.valid();
    let log_q = vae.log_density(batch(&buffer, &Device::default()), 10, &mut rng);
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    let (common, rare) = (mean(&log_q[..180]), mean(&log_q[180..]));
    eprintln!("log q̂: common {common:.1}, rare {rare:.1}");
    assert!(common > rare, "the VAE finds the common images likelier");

    // Draw as training draws (the store's weighted sampler), 20 000 times.
    let rare_share = |alpha: f64| -> f64 {
        let sampler = StepSampler::weighted(&skew_weights(&log_q, alpha).unwrap()).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let rare = (0..20_000).filter(|_| sampler.draw(&mut rng) >= 180).count();
        rare as f64 / 20_000.0
    };
    let (rig, skewed) = (rare_share(0.0), rare_share(-0.5));
    eprintln!("share of draws that are rare: α = 0 {rig:.3}, α = −0.5 {skewed:.3}");
    assert!((rig - 0.1).abs() < 0.01, "RIG draws the rare images as often as seen: {rig}");
    assert!(skewed > 0.3, "α = −0.5 draws rare images {skewed}");
    // The skew spreads the draws over many images rather than collapsing onto a few outliers,
    // and is no longer uniform.
    let evenness = weight_evenness(&skew_weights(&log_q, -0.5).unwrap());
    eprintln!("evenness at α = −0.5: {evenness:.3}");
    assert!(evenness > 0.7 && evenness < 0.999, "evenness {evenness}");
    assert!((weight_evenness(&skew_weights(&log_q, 0.0).unwrap()) - 1.0).abs() < 1e-9);
}

/// Coverage bins the whole hinge range evenly, so a door held shut and a door swung to its
/// stop land in opposite end bins and an angle a little past either end is still counted.
#[test]
fn door_angles_fall_in_the_coverage_bin_of_their_stretch() {
    let width = ANGLE_RANGE / ANGLE_BINS as f64;
    assert_eq!(angle_bin(0.0), 0);
    assert_eq!(angle_bin(-0.01), 0);
    assert_eq!(angle_bin(1.047), ANGLE_BINS - 1);
    assert_eq!(angle_bin(1.2), ANGLE_BINS - 1);
    for k in 0..ANGLE_BINS {
        assert_eq!(angle_bin((k as f64 + 0.5) * width), k);
    }
    // A door never moved covers nothing; one visiting every bin alike covers it all.
    let mut shut = vec![0.0; ANGLE_BINS];
    shut[0] = 40.0;
    assert_eq!(coverage(&shut), 0.0);
    assert_eq!(coverage(&vec![0.0; ANGLE_BINS]), 0.0);
    assert!((coverage(&vec![3.0; ANGLE_BINS]) - 1.0).abs() < 1e-12);
}

/// A setting out of range is refused up front, naming the setting, instead of panicking or
/// training on nonsense later.
#[test]
fn bad_settings_are_refused_naming_the_setting() {
    use byfeel_agents::her::HerConfig;
    use byfeel_agents::skewfit::SkewFitConfig;
    assert_eq!(SkewFitConfig::default().check(), Ok(()));
    assert_eq!(HerConfig::default().check(), Ok(()));
    let refused = |edit: fn(&mut SkewFitConfig), name: &str| {
        let mut c = SkewFitConfig::default();
        edit(&mut c);
        let e = c.check().expect_err(name);
        assert!(e.starts_with(name), "{name}: {e}");
    };
    refused(|c| c.vae.latent = 0, "vae.latent");
    refused(|c| c.vae.beta = f64::NAN, "vae.beta");
    refused(|c| c.sac.hidden = vec![400, 0], "sac.hidden");
    refused(|c| c.sac.gamma = 1.5, "sac.gamma");
    refused(|c| c.sac.q_lr = -1e-3, "sac.q_lr");
    refused(|c| c.density_samples = 0, "density_samples");
    refused(|c| c.vae_lr = f64::INFINITY, "vae_lr");
    refused(|c| c.alpha = 0.5, "alpha");
    let her = HerConfig {
        future_fraction: 1.2,
        ..HerConfig::default()
    };
    assert!(her.check().unwrap_err().starts_with("future_fraction"));
}
