//! `byfeel bench vice`: the success classifier's costs at the reference's shapes — one VICE
//! update (128 examples + 128 visited images, mixup, the loss against log π, Adam with weight
//! decay) and the reward of a batch of 256 images (the classifier's logits).

use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::Distribution;
use byfeel::agents::vice::train::classifier_optimizer;
use byfeel::agents::vice::{ViceConfig, mixup, vice_loss};
use rand::SeedableRng;

use super::Error;
use super::bench::timed;

#[derive(clap::Args, Debug)]
pub struct ViceBenchArgs {
    /// Timed runs of each measurement; the median is reported.
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ViceBenchArgs) -> Result<(), Error> {
    let config = ViceConfig::default();
    let device = byfeel::agents::default_device().autodiff();
    let b = 2 * config.classifier_batch;
    let mut classifier = config.classifier.init(&device);
    let mut optimizer = classifier_optimizer(&config);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let uniform = Distribution::Uniform(0.0, 1.0);
    // Made once, as the peer does: the update is timed, not the drawing of its inputs.
    let images = Tensor::<4>::random([b, 3, 48, 48], uniform, &device);
    let labels: Vec<f32> = (0..b).map(|i| (i < b / 2) as u8 as f32).collect();
    let labels = Tensor::<1>::from_floats(labels.as_slice(), &device);
    let log_pi = Tensor::<1>::random([b], Distribution::Normal(0.0, 1.0), &device);
    let update_s = timed(args.runs, || {
        let (x, y) = mixup(images.clone(), labels.clone(), config.mixup_alpha, &mut rng);
        let loss = vice_loss(classifier.forward(x), log_pi.clone(), y);
        let grads = GradientsParams::from_grads(loss.backward(), &classifier);
        classifier = optimizer.step(config.classifier_lr, classifier.clone(), grads);
    });
    let plain = byfeel::agents::default_device();
    let inference = classifier.valid();
    let batch = Tensor::<4>::random([256, 3, 48, 48], uniform, &plain);
    let reward_s = timed(args.runs, || {
        let _ = inference.forward(batch.clone()).into_data();
    });
    let out = serde_json::json!({
        "bench": "vice",
        "threads": rayon::current_num_threads(),
        "classifier_update_s": update_s, "update_batch": b,
        "reward_per_batch_s": reward_s, "batch": 256,
        "reward_per_image_s": reward_s / 256.0,
    });
    if args.json {
        println!("{out}");
    } else {
        println!(
            "VICE classifier update (batch {b}, mixup, Adam): {:.1} ms",
            update_s * 1e3
        );
        println!(
            "reward of 256 images (the classifier's logits): {:.1} ms ({:.3} ms per image)",
            reward_s * 1e3,
            reward_s / 256.0 * 1e3
        );
    }
    Ok(())
}
