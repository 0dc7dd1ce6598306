//! The predictive agent on the latent world model: CEM searches action sequences whose
//! predicted latents come closest to the goal image's latent. Images are encoded once per
//! control step (the current frame and, once per episode, the goal); the 200 candidates ×
//! horizon steps × iterations go through the small dynamics MLP only.

use std::path::Path;

use burn::prelude::*;

use super::model::{WorldModel, embed};
use super::train::{WorldModelSpec, load};
use crate::AgentError;
use crate::cem::{Cem, CemConfig, Plan};

/// A loaded world model and its planner.
pub struct LatentAgent {
    /// What the training run recorded about the model (task, store, shape, actions).
    pub spec: WorldModelSpec,
    model: WorldModel,
    cem: Cem,
    device: Device,
    /// Weight of the last step's distance in the cost (the papers' ×10).
    pub last_weight: f32,
    /// The goal image's latent, kept while the goal stays the same.
    goal: Option<(Vec<u8>, Tensor<2>)>,
    /// Plan in the contrastive embedding (runs trained with it) rather than the latent.
    pub embedded_cost: bool,
}

impl LatentAgent {
    /// Loads a run with the papers' planner for its task, `samples` sequences an iteration.
    pub fn load_for_task(run: &Path, samples: usize, seed: u64) -> Result<Self, AgentError> {
        let device = crate::default_device();
        let (spec, model) = load(run, &device)?;
        let cem = CemConfig {
            samples,
            ..CemConfig::for_actions(spec.task()?, spec.action_mode()?)
        };
        Self::new(spec, model, cem, seed, device)
    }

    /// An agent around a model in memory.
    pub fn new(
        spec: WorldModelSpec,
        model: WorldModel,
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
        let embedded_cost = spec.train.contrastive_weight > 0.0 && model.projection.is_some();
        Ok(Self {
            model,
            cem: Cem::new(cem, seed).map_err(AgentError::Config)?,
            device,
            last_weight: 10.0,
            goal: None,
            embedded_cost,
            spec,
        })
    }

    /// Restarts the planner's random stream from `seed`.
    pub fn reseed(&mut self, seed: u64) {
        self.cem.reseed(seed);
    }

    /// The planner's settings.
    pub fn cem(&self) -> &CemConfig {
        &self.cem.config
    }

    fn encode(&self, images: &[&[u8]]) -> Result<Tensor<2>, AgentError> {
        let (h, w) = (self.spec.model.height, self.spec.model.width);
        if let Some(bad) = images.iter().find(|f| f.len() != h * w * 3) {
            return Err(AgentError::Config(format!(
                "an image has {} bytes; the model takes {h}×{w}×3",
                bad.len()
            )));
        }
        Ok(self
            .model
            .encoder
            .forward(crate::predictive::image_batch(images, h, w, &self.device)))
    }

    fn actions(&self, actions: &[f32], n: usize) -> Result<Tensor<3>, AgentError> {
        let dim = self.spec.model.action_dim;
        if actions.is_empty() || actions.len() % (n * dim) != 0 {
            return Err(AgentError::Config(format!(
                "actions come in whole {dim}-number steps per sequence, got {} numbers",
                actions.len()
            )));
        }
        if let Some(bad) = actions.iter().find(|a| !a.is_finite()) {
            return Err(AgentError::Config(format!("an action is {bad}")));
        }
        let t = actions.len() / (n * dim);
        Ok(Tensor::from_data(
            TensorData::new(actions.to_vec(), [n, t, dim]),
            &self.device,
        ))
    }

    /// The frames the model expects after `actions` (`[T × action_dim]`) from `frame`, decoded
    /// from its predicted latents: one H×W×3 image per action.
    pub fn predict(&self, frame: &[u8], actions: &[f32]) -> Result<Vec<Vec<u8>>, AgentError> {
        let z = self.encode(&[frame])?;
        let latents = self.model.dynamics.roll_out(z, self.actions(actions, 1)?);
        let [n, t, d] = latents.dims();
        let frames = self.model.decoder.forward(latents.reshape([n * t, d]));
        let [_, c, h, w] = frames.dims();
        crate::predictive::to_frames(frames.reshape([n, t, c, h, w]))
    }

    /// The model's reconstruction of a frame (through the encoder and decoder).
    pub fn reconstruct(&self, frame: &[u8]) -> Result<Vec<u8>, AgentError> {
        let frames = self.model.decoder.forward(self.encode(&[frame])?);
        let [n, c, h, w] = frames.dims();
        Ok(crate::predictive::to_frames(frames.reshape([n, 1, c, h, w]))?.remove(0))
    }

    /// Latents `[N, latent]` where the planner measures its cost: the embedding, or the
    /// latent itself.
    fn in_cost_space(&self, z: Tensor<2>) -> Tensor<2> {
        match self
            .model
            .projection
            .as_ref()
            .filter(|_| self.embedded_cost)
        {
            Some(p) => embed(p, z),
            None => z,
        }
    }

    /// How far apart two frames are where the planner measures its cost: the cost of being at
    /// `a` when the goal is `b`, per step.
    pub fn distance(&self, a: &[u8], b: &[u8]) -> Result<f32, AgentError> {
        Ok(row_distance(self.in_cost_space(self.encode(&[a, b])?)))
    }

    /// The cost-space distance from where the model expects `actions` (`[T × action_dim]`)
    /// to leave `frame` to `goal`: what the planner's last step would pay for this sequence.
    pub fn predicted_distance(
        &self,
        frame: &[u8],
        actions: &[f32],
        goal: &[u8],
    ) -> Result<f32, AgentError> {
        let z = self.encode(&[frame, goal])?;
        let latents = self
            .model
            .dynamics
            .roll_out(z.clone().narrow(0, 0, 1), self.actions(actions, 1)?);
        let [_, t, d] = latents.dims();
        let end = latents.narrow(1, t - 1, 1).reshape([1, d]);
        let pair = Tensor::cat(vec![end, z.narrow(0, 1, 1)], 0);
        Ok(row_distance(self.in_cost_space(pair)))
    }

    /// The action the inverse model says leads from `frame` to `goal` in one step ("Learning
    /// to Poke by Poking" chooses its pokes this way), if the model has one; clamped to
    /// [-1, 1].
    pub fn inverse_action(
        &self,
        frame: &[u8],
        goal: &[u8],
    ) -> Result<Option<Vec<f32>>, AgentError> {
        let Some(inverse) = &self.model.inverse else {
            return Ok(None);
        };
        let z = self.encode(&[frame, goal])?;
        let action = inverse.forward(z.clone().narrow(0, 0, 1), z.narrow(0, 1, 1));
        let action: Vec<f32> = action
            .into_data()
            .try_to_vec::<f32>()
            .map_err(|e| AgentError::Config(format!("{e:?}")))?;
        Ok(Some(
            action.into_iter().map(|a| a.clamp(-1.0, 1.0)).collect(),
        ))
    }

    /// Plans from the current frame toward `goal`. Execute `plan.first(3)` and plan again
    /// next step.
    pub fn plan(&mut self, frame: &[u8], goal: &[u8]) -> Result<Plan, AgentError> {
        let z = self.encode(&[frame])?;
        let z_goal = match &self.goal {
            Some((image, z)) if image == goal => z.clone(),
            _ => {
                let z = self.encode(&[goal])?;
                self.goal = Some((goal.to_vec(), z.clone()));
                z
            }
        };
        let (dynamics, device, last_weight) =
            (&self.model.dynamics, &self.device, self.last_weight);
        let z_goal = self.in_cost_space(z_goal);
        let projection = self
            .model
            .projection
            .as_ref()
            .filter(|_| self.embedded_cost);
        let (horizon, dim) = (self.cem.config.horizon(), self.cem.config.action_dim);
        self.cem.plan(|sequences, samples| {
            let actions = Tensor::<3>::from_data(
                TensorData::new(sequences.to_vec(), [samples, horizon, dim]),
                device,
            );
            let latents = dynamics.roll_out(z.clone().repeat_dim(0, samples), actions);
            let latents = match projection {
                Some(p) => {
                    let [n, t, d] = latents.dims();
                    let e = embed(p, latents.reshape([n * t, d]));
                    let k = e.dims()[1];
                    e.reshape([n, t, k])
                }
                None => latents,
            };
            latent_cost(latents, &z_goal, last_weight)
        })
    }
}

/// The mean squared difference of the two rows of `pair` (`[2, D]`).
fn row_distance(pair: Tensor<2>) -> f32 {
    let d = pair.dims()[1];
    let diff = pair.clone().narrow(0, 0, 1) - pair.narrow(0, 1, 1);
    diff.square().sum().into_scalar::<f32>() / d as f32
}

/// Each candidate's cost: the squared distance of its predicted latents `[N, T, D]` to the
/// goal's `[1, D]`, per step, summed, the last step weighted `last_weight` times.
fn latent_cost(
    latents: Tensor<3>,
    goal: &Tensor<2>,
    last_weight: f32,
) -> Result<Vec<f32>, AgentError> {
    let [n, t, d] = latents.dims();
    let err = (latents - goal.clone().unsqueeze_dim::<3>(1).expand([n, t, d]))
        .square()
        .mean_dim(2)
        .reshape([n, t]);
    let last = err
        .clone()
        .narrow(1, t - 1, 1)
        .mul_scalar(last_weight - 1.0);
    (err.sum_dim(1) + last)
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| AgentError::Config(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A candidate whose latents end at the goal costs least, and the last step counts ten
    /// times: ending at the goal beats passing it on the way.
    #[test]
    fn the_cost_prefers_ending_at_the_goal() {
        let device = crate::default_device();
        let goal = Tensor::<2>::from_data(TensorData::new(vec![1.0f32, 0.0], [1, 2]), &device);
        // Three candidates over three steps: stays away, passes through the goal, ends on it.
        let latents = Tensor::<3>::from_data(
            TensorData::new(
                vec![
                    0.0f32, 0.0, 0.0, 0.0, 0.0, 0.0, //
                    0.0, 0.0, 1.0, 0.0, 0.0, 0.0, //
                    0.0, 0.0, 0.0, 0.0, 1.0, 0.0,
                ],
                [3, 3, 2],
            ),
            &device,
        );
        let cost = latent_cost(latents, &goal, 10.0).unwrap();
        assert!(cost[2] < cost[1] && cost[1] < cost[0], "{cost:?}");
        assert!((cost[0] - 0.5 * 12.0).abs() < 1e-6, "{cost:?}");
    }
}
