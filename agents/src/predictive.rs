//! The predictive agent: a trained frame predictor and CEM, choosing the actions whose
//! predicted frames come closest to a goal image. It sees only sensor images and sends only
//! actions, so it runs the same on any robot backend.

use std::path::Path;

use burn::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::AgentError;
use crate::cem::{Cem, CemConfig, Plan};
use crate::predictor::latent::standard_normal;
use crate::predictor::{FramePredictor, RunSpec, load};

/// A loaded model and its planner.
pub struct PredictiveAgent {
    pub spec: RunSpec,
    model: FramePredictor,
    cem: Cem,
    /// Draws the stochastic latent of each candidate (models with one).
    noise: ChaCha8Rng,
    device: Device,
    /// Weight of the last predicted frame in the cost (the papers' ×10).
    pub last_weight: f32,
    /// Score every predicted frame (1, the papers') or only every n-th: on a CPU, scoring
    /// the frames where the held actions change (n = repeat) plans about 2.5× faster.
    pub score_every: usize,
}

impl PredictiveAgent {
    /// Loads the model of a training run.
    pub fn load(run: &Path, cem: CemConfig, seed: u64) -> Result<Self, AgentError> {
        let device = crate::default_device();
        let (spec, model) = load(run, &device)?;
        Self::new(spec, model, cem, seed, device)
    }

    /// Loads a run with the papers' planner for its task ([`CemConfig::for_task`]), sampling
    /// `samples` sequences per iteration.
    pub fn load_for_task(run: &Path, samples: usize, seed: u64) -> Result<Self, AgentError> {
        let device = crate::default_device();
        let (spec, model) = load(run, &device)?;
        let cem = CemConfig {
            samples,
            ..CemConfig::for_task(spec.task()?)
        };
        Self::new(spec, model, cem, seed, device)
    }

    fn new(
        spec: RunSpec,
        model: FramePredictor,
        cem: CemConfig,
        seed: u64,
        device: Device,
    ) -> Result<Self, AgentError> {
        if cem.action_dim != spec.model.action_dim {
            return Err(AgentError::Config(format!(
                "the planner's actions have {} numbers, the model's {}",
                cem.action_dim, spec.model.action_dim
            )));
        }
        Ok(Self {
            spec,
            model,
            cem: Cem::new(cem, seed).map_err(AgentError::Config)?,
            noise: ChaCha8Rng::seed_from_u64(seed ^ 0x1A7E_0000),
            device,
            last_weight: 10.0,
            score_every: 1,
        })
    }

    /// Restarts the planner's random streams (CEM's samples, the latent's draws) from `seed`.
    pub fn reseed(&mut self, seed: u64) {
        self.cem.reseed(seed);
        self.noise = ChaCha8Rng::seed_from_u64(seed ^ 0x1A7E_0000);
    }

    /// Frames the model needs before it can plan.
    pub fn context_len(&self) -> usize {
        self.spec.model.context
    }

    fn images(&self, frames: &[&[u8]]) -> Result<Tensor<5>, AgentError> {
        let (h, w) = (self.spec.model.height, self.spec.model.width);
        if let Some(bad) = frames.iter().find(|f| f.len() != h * w * 3) {
            return Err(AgentError::Config(format!(
                "an image has {} bytes; the model takes {h}×{w}×3",
                bad.len()
            )));
        }
        let floats: Vec<f32> = frames
            .iter()
            .flat_map(|f| f.iter().map(|&p| p as f32 / 255.0))
            .collect();
        Ok(Tensor::<5>::from_data(
            TensorData::new(floats, [1, frames.len(), h, w, 3]),
            &self.device,
        )
        .permute([0, 1, 4, 2, 3]))
    }

    /// The frames the model expects after `actions` (`[T × action_dim]`, oldest first) from
    /// `context`: one H×W×3 image per action, to look at against what happened.
    pub fn predict(&self, context: &[&[u8]], actions: &[f32]) -> Result<Vec<Vec<u8>>, AgentError> {
        let k = self.context_len();
        let dim = self.spec.model.action_dim;
        if context.len() != k || actions.is_empty() || actions.len() % dim != 0 {
            return Err(AgentError::Config(format!(
                "predict takes {k} context frames and a whole number of {dim}-number actions, \
                 got {} frames and {} numbers",
                context.len(),
                actions.len()
            )));
        }
        if let Some(bad) = actions.iter().find(|a| !a.is_finite()) {
            return Err(AgentError::Config(format!("an action is {bad}")));
        }
        let t = actions.len() / dim;
        let actions =
            Tensor::<3>::from_data(TensorData::new(actions.to_vec(), [1, t, dim]), &self.device);
        let predicted = self.model.forward(self.images(context)?, actions);
        to_frames(predicted)
    }

    /// Plans from the last `context_len()` frames (oldest first, each H×W×3 bytes) toward
    /// `goal`. Execute `plan.first(3)` and plan again next step.
    pub fn plan(&mut self, context: &[&[u8]], goal: &[u8]) -> Result<Plan, AgentError> {
        let k = self.context_len();
        if context.len() != k {
            return Err(AgentError::Config(format!(
                "the model plans from {k} frames, got {}",
                context.len()
            )));
        }
        let context = self.images(context)?;
        let goal = self.images(&[goal])?;
        let (model, device, last_weight) = (&self.model, &self.device, self.last_weight);
        let noise = &mut self.noise;
        let every = self.score_every;
        let horizon = self.cem.config.horizon();
        let dim = self.cem.config.action_dim;
        self.cem.plan(|sequences, samples| {
            let [_, k, c, h, w] = context.dims();
            let actions = Tensor::<3>::from_data(
                TensorData::new(sequences.to_vec(), [samples, horizon, dim]),
                device,
            );
            // With a stochastic latent, each candidate is scored on one future drawn from the
            // prior rather than on the average of them all.
            let z = standard_normal(noise, [samples, model.latent_len()], device);
            let predicted = model.forward_with(
                context.clone().expand([samples, k, c, h, w]),
                actions,
                z,
                every,
            );
            let scored = predicted.dims()[1];
            // Per-step mean squared error to the goal: [samples, scored steps].
            let err = (predicted - goal.clone().expand([samples, scored, c, h, w]))
                .square()
                .mean_dims(&[2, 3, 4])
                .reshape([samples, scored]);
            let last = err
                .clone()
                .narrow(1, scored - 1, 1)
                .mul_scalar(last_weight - 1.0);
            let cost = err.sum_dim(1) + last;
            cost.into_data()
                .try_to_vec::<f32>()
                .map_err(|e| AgentError::Config(format!("{e:?}")))
        })
    }
}

/// `[B, T, 3, H, W]` in [0, 1] to T·B images of H×W×3 bytes.
pub(crate) fn to_frames(frames: Tensor<5>) -> Result<Vec<Vec<u8>>, AgentError> {
    let [b, t, c, h, w] = frames.dims();
    let bytes: Vec<u8> = frames
        .permute([0, 1, 3, 4, 2])
        .clamp(0.0, 1.0)
        .mul_scalar(255.0)
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| AgentError::Config(format!("{e:?}")))?
        .into_iter()
        .map(|v| v.round() as u8)
        .collect();
    Ok(bytes
        .chunks_exact(h * w * c)
        .take(b * t)
        .map(<[u8]>::to_vec)
        .collect())
}
