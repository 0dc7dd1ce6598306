//! A Skew-Fit run's settings (`SkewFitConfig`, the paper's door settings by default), as kept
//! in the run directory's `skewfit.json`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::relabel::Relabel;
use crate::sac::SacConfig;
use super::vae::VaeConfig;
use crate::AgentError;

/// Everything about a run; the defaults are the paper's door settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkewFitConfig {
    /// The skew: sampling ∝ q̂(x)^α. −0.5 for the door; 0 is RIG.
    pub alpha: f64,
    /// Environment steps to train for in all.
    pub env_steps: usize,
    /// Steps of uniformly random actions before SAC acts (and learns).
    pub warmup_steps: usize,
    /// Environment steps per epoch.
    pub steps_per_epoch: usize,
    /// SAC updates per epoch, once warm-up is over.
    pub updates_per_epoch: usize,
    /// VAE batches per epoch before the skew starts, and after.
    pub vae_batches_early: usize,
    /// VAE batches per epoch from `skew_after_epoch` on.
    pub vae_batches_late: usize,
    /// Images per VAE batch.
    pub vae_batch: usize,
    /// Adam's step size for the VAE.
    pub vae_lr: f64,
    /// The skew starts at this epoch (the VAE's densities mean little before).
    pub skew_after_epoch: usize,
    /// Latents drawn per image to estimate its density.
    pub density_samples: usize,
    /// The VAE's shape and loss.
    pub vae: VaeConfig,
    /// The SAC learner's settings.
    pub sac: SacConfig,
    /// The mix of goal sources in SAC's batches.
    pub relabel: Relabel,
    /// Goal images the policy is evaluated on after each epoch (0: none).
    pub eval_goals: usize,
    /// Epochs between checkpoints (the last epoch always writes one).
    #[serde(default = "default_checkpoint_every")]
    pub checkpoint_every: usize,
    /// Seeds the door, the VAE's initial weights and every epoch's random draws.
    pub seed: u64,
}

impl Default for SkewFitConfig {
    fn default() -> Self {
        Self {
            alpha: -0.5,
            env_steps: 50_000,
            warmup_steps: 10_000,
            steps_per_epoch: 500,
            updates_per_epoch: 1000,
            vae_batches_early: 1000,
            vae_batches_late: 200,
            vae_batch: 128,
            vae_lr: 1e-3,
            skew_after_epoch: 10,
            density_samples: 10,
            vae: VaeConfig::default(),
            sac: SacConfig::default(),
            relabel: Relabel::default(),
            eval_goals: 10,
            checkpoint_every: default_checkpoint_every(),
            seed: 0,
        }
    }
}

fn default_checkpoint_every() -> usize {
    5
}

impl SkewFitConfig {
    /// Every setting in range, else an error naming the first one that is not.
    pub fn check(&self) -> Result<(), String> {
        self.relabel.check()?;
        self.vae.check()?;
        self.sac.check()?;
        for (name, v) in [
            ("env_steps", self.env_steps),
            ("steps_per_epoch", self.steps_per_epoch),
            ("vae_batch", self.vae_batch),
            ("density_samples", self.density_samples),
            ("checkpoint_every", self.checkpoint_every),
        ] {
            if v == 0 {
                return Err(format!("{name} is 0: it must be at least 1"));
            }
        }
        if !self.alpha.is_finite() || self.alpha > 0.0 {
            return Err(format!("alpha is {}: use −1 … 0 (0 is RIG)", self.alpha));
        }
        if !(self.vae_lr.is_finite() && self.vae_lr > 0.0) {
            return Err(format!("vae_lr is {}: it must be positive", self.vae_lr));
        }
        Ok(())
    }
}

/// A run's configuration (its `skewfit.json`), without loading its networks.
pub fn read_config(run: &Path) -> Result<SkewFitConfig, AgentError> {
    let io = |e: &dyn std::fmt::Display| AgentError::Io(format!("{}: {e}", run.display()));
    serde_json::from_str(&std::fs::read_to_string(run.join("skewfit.json")).map_err(|e| io(&e))?)
        .map_err(|e| io(&e))
}
