//! Settings shared by the Skew-Fit and baseline run tests (each test binary uses some of them).
#![allow(dead_code)]

use byfeel_agents::her::HerConfig;
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

/// The state baseline's schedule shrunk the same way: 3 epochs of 100 steps, SAC from the second.
pub fn her_shrunk() -> HerConfig {
    let mut config = HerConfig {
        env_steps: 300,
        warmup_steps: 150,
        steps_per_epoch: 100,
        updates_per_epoch: 10,
        eval_goals: 1,
        seed: 3,
        ..Default::default()
    };
    config.sac.hidden = vec![32, 32];
    config.sac.batch = 32;
    config
}

/// Lines in a run's `scalars.csv`: its header and a row per epoch logged.
pub fn csv_rows(run: &std::path::Path) -> usize {
    std::fs::read_to_string(run.join("scalars.csv"))
        .unwrap()
        .lines()
        .count()
}
