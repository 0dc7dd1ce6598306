//! Settings shared by the Skew-Fit run tests.

use byfeel_agents::skewfit::SkewFitConfig;

/// The door schedule shrunk to seconds: 3 epochs of 100 steps, the skew from the second.
pub fn shrunk() -> SkewFitConfig {
    let mut config = SkewFitConfig {
        env_steps: 300,
        warmup_steps: 150,
        steps_per_epoch: 100,
        updates_per_epoch: 5,
        vae_batches_early: 20,
        vae_batches_late: 10,
        vae_batch: 16,
        skew_after_epoch: 1,
        density_samples: 2,
        eval_goals: 1,
        seed: 3,
        ..Default::default()
    };
    config.sac.hidden = vec![32, 32];
    config.sac.batch = 32;
    config
}
