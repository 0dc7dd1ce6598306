//! The predictive agent: a trained frame predictor and CEM, choosing the actions whose
//! predicted frames come closest to a goal image. It sees only sensor images and sends only
//! actions, so it runs the same on any robot backend.

use std::path::Path;

use burn::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::AgentError;
use crate::cem::{Cem, CemConfig, Plan};
use crate::predictor::latent::standard_normal;
use crate::predictor::{FramePredictor, RunSpec, load};

/// Candidates a planning chunk predicts together (see [`PredictiveAgent::plan`]).
const CANDIDATES_PER_CHUNK: usize = 8;

/// A loaded model and its planner.
pub struct PredictiveAgent {
    /// What the training run recorded about the model (fields, sizes, settings).
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

    /// An agent around a model in memory (`spec` says its shape and task).
    pub fn new(
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
        Ok(image_batch(frames, h, w, &self.device).unsqueeze_dim(0))
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
        let encoded = self.model.encode(self.images(context)?);
        let goal = self.images(&[goal])?;
        let (model, device, last_weight) = (&self.model, &self.device, self.last_weight);
        let noise = &mut self.noise;
        let every = self.score_every;
        let horizon = self.cem.config.horizon();
        let dim = self.cem.config.action_dim;
        let latent = model.latent_len();
        self.cem.plan(|sequences, samples| {
            // With a stochastic latent, each candidate is scored on one future drawn from the
            // prior rather than on the average of them all.
            let z: Vec<f32> = standard_normal(noise, [samples, latent], device)
                .into_data()
                .try_to_vec::<f32>()
                .map_err(|e| AgentError::Config(format!("{e:?}")))?;
            // Candidates in small chunks, spread over the threads: on a CPU, burn's kernels run
            // a chunk of a few candidates faster than one large batch (which spills out of the
            // cache and leaves cores idle between the many small operations of a recurrent
            // step). Measured on 2 cores: 200 candidates at once 9.0 s per plan, in chunks of
            // 8 about 5 s.
            let per = CANDIDATES_PER_CHUNK;
            let costs: Vec<Result<Vec<f32>, AgentError>> = (0..samples)
                .step_by(per)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|first| {
                    let n = per.min(samples - first);
                    let actions = Tensor::<3>::from_data(
                        TensorData::new(
                            sequences[first * horizon * dim..(first + n) * horizon * dim].to_vec(),
                            [n, horizon, dim],
                        ),
                        device,
                    );
                    let z = Tensor::<2>::from_data(
                        TensorData::new(
                            z[first * latent..(first + n) * latent].to_vec(),
                            [n, latent],
                        ),
                        device,
                    );
                    let predicted = model.roll_out(&encoded.repeat(n), actions, z, every);
                    score(predicted, &goal, last_weight)
                })
                .collect();
            let mut all = Vec::with_capacity(samples);
            for c in costs {
                all.extend(c?);
            }
            Ok(all)
        })
    }
}

/// The papers' cost of each candidate's predicted frames (`[N, T, 3, H, W]`): the mean squared
/// error to the goal per step, summed, with the last step weighted `last_weight` times.
fn score(predicted: Tensor<5>, goal: &Tensor<5>, last_weight: f32) -> Result<Vec<f32>, AgentError> {
    let [n, scored, c, h, w] = predicted.dims();
    let err = (predicted - goal.clone().expand([n, scored, c, h, w]))
        .square()
        .mean_dims(&[2, 3, 4])
        .reshape([n, scored]);
    let last = err
        .clone()
        .narrow(1, scored - 1, 1)
        .mul_scalar(last_weight - 1.0);
    let cost = err.sum_dim(1) + last;
    cost.into_data()
        .try_to_vec::<f32>()
        .map_err(|e| AgentError::Config(format!("{e:?}")))
}

/// `h` × `w` RGB images (bytes, channels last) as a `[N, 3, h, w]` tensor in [0, 1].
pub(crate) fn image_batch(images: &[&[u8]], h: usize, w: usize, device: &Device) -> Tensor<4> {
    image_tensor(&images.concat(), images.len(), h, w, device)
}

/// [`image_batch`] of `n` images laid end to end in one buffer.
pub(crate) fn image_tensor(bytes: &[u8], n: usize, h: usize, w: usize, device: &Device) -> Tensor<4> {
    let floats: Vec<f32> = bytes.iter().map(|&p| p as f32 / 255.0).collect();
    Tensor::<4>::from_data(TensorData::new(floats, [n, h, w, 3]), device).permute([0, 3, 1, 2])
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
