//! A VICE run's settings (`ViceConfig`, the reference's by default), as kept in the run
//! directory's `vice.json`.

use byfeel_gym::Task;
use serde::{Deserialize, Serialize};

use super::classifier::ClassifierConfig;
use crate::sac::SacConfig;
use crate::skewfit::vae::VaeConfig;

/// Which loss the classifier learns with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClassifierLoss {
    /// VICE: every visited state a negative, weighed against the policy (log π).
    Vice,
    /// A plain binary classifier: the examples against negatives fixed up front (the
    /// warm-up's random states, and any "no"), no policy term: the one a robot learns to fool.
    Binary,
}

/// What SAC is rewarded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RewardSource {
    /// The classifier's logit: reward from the examples.
    #[default]
    Classifier,
    /// The simulator's distance to success, negated: the hand-written reward that reward from
    /// examples replaces, as a baseline. Needs a judge (what the examples show).
    Oracle,
}

/// Everything about a run; defaults after the reference (`avisingh599/reward-learning-rl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViceConfig {
    /// The task: `DoorOpen` (reset-free) or `CupPush` (episodes start over).
    pub task: String,
    /// VICE's loss or a plain binary classifier.
    pub loss: ClassifierLoss,
    /// The classifier's logit, or the simulator's truth as a baseline.
    #[serde(default)]
    pub reward: RewardSource,
    /// Environment steps in all.
    pub env_steps: usize,
    /// Random actions before SAC acts.
    pub warmup_steps: usize,
    /// Environment steps per epoch (the reference: 1000).
    pub steps_per_epoch: usize,
    /// Steps per episode before the next begins.
    pub episode_steps: usize,
    /// Whether a new episode carries on from where the last left the scene (`None`: the
    /// task's way — the door reset-free, the cup starting over).
    #[serde(default)]
    pub reset_free: Option<bool>,
    /// Classifier updates per epoch (the reference: 10 per 1000 steps).
    pub classifier_updates: usize,
    /// Examples and visited states in each classifier batch, each (the reference: 128 + 128).
    pub classifier_batch: usize,
    /// Adam's step size for the classifier (1e-4).
    pub classifier_lr: f64,
    /// L2 weight decay of the classifier (1e-3).
    pub weight_decay: f64,
    /// Mixup's α (1; 0: no mixup).
    pub mixup_alpha: f64,
    /// The classifier's shape.
    pub classifier: ClassifierConfig,
    /// SAC updates per epoch once warm-up is over (the reference: one per environment step).
    pub updates_per_epoch: usize,
    /// The encoder SAC sees images through: a VAE trained on the visited images as they come.
    pub vae: VaeConfig,
    /// A trained VAE (`vae.bpk` of a run with this `vae` shape, e.g. Skew-Fit's door agent)
    /// to see through instead of one trained as the run goes; it stays as it is.
    #[serde(default)]
    pub frozen_vae: Option<String>,
    /// VAE batches per epoch, and images in each.
    pub vae_batches: usize,
    /// Images per VAE batch.
    pub vae_batch: usize,
    /// Adam's step size for the VAE.
    pub vae_lr: f64,
    /// The SAC learner's settings (the reference's: (256, 256), batch 256, τ 5e-3).
    pub sac: SacConfig,
    /// Epochs between questions to the labeller (0: none asked).
    pub query_every: usize,
    /// Questions at most.
    pub max_queries: usize,
    /// Epochs between checkpoints (the last epoch always writes one).
    pub checkpoint_every: usize,
    /// Seeds the scene, the networks and every epoch's draws.
    pub seed: u64,
}

impl Default for ViceConfig {
    fn default() -> Self {
        Self {
            task: "DoorOpen".into(),
            loss: ClassifierLoss::Vice,
            reward: RewardSource::Classifier,
            env_steps: 30_000,
            warmup_steps: 2_000,
            steps_per_epoch: 1_000,
            episode_steps: 100,
            reset_free: None,
            classifier_updates: 10,
            classifier_batch: 128,
            classifier_lr: 1e-4,
            weight_decay: 1e-3,
            mixup_alpha: 1.0,
            classifier: ClassifierConfig::default(),
            updates_per_epoch: 1_000,
            vae: VaeConfig::default(),
            frozen_vae: None,
            vae_batches: 50,
            vae_batch: 64,
            vae_lr: 1e-3,
            sac: SacConfig {
                hidden: vec![256, 256],
                batch: 256,
                tau: 5e-3,
                ..SacConfig::default()
            },
            query_every: 0,
            max_queries: 30,
            checkpoint_every: 1,
            seed: 0,
        }
    }
}

impl ViceConfig {
    /// The task, if it is one VICE runs on.
    pub fn task(&self) -> Result<Task, String> {
        match Task::from_name(&self.task) {
            Some(t @ (Task::DoorOpen | Task::CupPush)) => Ok(t),
            _ => Err(format!(
                "task {:?}: VICE runs on DoorOpen and CupPush",
                self.task
            )),
        }
    }

    /// The settings in range, else an error naming the setting.
    pub fn check(&self) -> Result<(), String> {
        self.task()?;
        let positive = [
            ("env_steps", self.env_steps),
            ("steps_per_epoch", self.steps_per_epoch),
            ("episode_steps", self.episode_steps),
            ("classifier_batch", self.classifier_batch),
            ("vae_batch", self.vae_batch),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(format!("{name} is 0: it must be at least 1"));
        }
        let rates = [
            ("classifier_lr", self.classifier_lr),
            ("vae_lr", self.vae_lr),
        ];
        if let Some((name, v)) = rates.iter().find(|(_, v)| !(v.is_finite() && *v > 0.0)) {
            return Err(format!("{name} is {v}: it must be a positive number"));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(format!("weight_decay is {}: 0 or more", self.weight_decay));
        }
        if !(self.mixup_alpha.is_finite() && self.mixup_alpha >= 0.0) {
            return Err(format!("mixup_alpha is {}: 0 or more", self.mixup_alpha));
        }
        self.classifier.check()?;
        self.vae.check()?;
        self.sac.check()
    }
}
