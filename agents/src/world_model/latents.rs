//! Every frame of a store through the encoder, kept in memory with its actions, so that the
//! dynamics train on latent windows without touching an image.

use burn::prelude::*;
use byfeel_gym::store::{Column, StoreReader};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::model::{Dynamics, Encoder};
use crate::AgentError;
use crate::predictive::image_tensor;
use crate::predictor::Split;

/// Frames encoded together.
const CHUNK: usize = 256;

/// Per episode: its latents `[len × dim]` and actions `[len × action_dim]`.
pub struct Latents {
    pub dim: usize,
    pub action_dim: usize,
    episodes: Vec<(Vec<f32>, Vec<f32>)>,
}

/// A batch of windows: the first latent, the actions taken from it, and the latents that
/// followed each action.
pub struct Windows {
    pub start: Tensor<2>,
    pub actions: Tensor<3>,
    pub targets: Tensor<3>,
}

fn column_u8(c: Column) -> Result<Vec<u8>, AgentError> {
    match c {
        Column::U8(v) => Ok(v),
        _ => Err(AgentError::Config("the image field is not u8".into())),
    }
}

fn column_f32(c: Column) -> Result<Vec<f32>, AgentError> {
    match c {
        Column::F32(v) => Ok(v),
        _ => Err(AgentError::Config("the action field is not f32".into())),
    }
}

impl Latents {
    /// Encodes every committed episode of `reader`'s `field`.
    pub fn encode_store(
        reader: &StoreReader,
        field: &str,
        encoder: &Encoder,
        device: &Device,
    ) -> Result<Self, AgentError> {
        let shape = reader
            .schema()
            .step_field(field)
            .map(|f| f.shape.clone())
            .ok_or_else(|| AgentError::Config(format!("the store has no field {field:?}")))?;
        let (h, w) = (shape[0], shape[1]);
        let frame = h * w * 3;
        let mut episodes = Vec::with_capacity(reader.num_episodes() as usize);
        let (mut dim, mut action_dim) = (0, 0);
        for e in 0..reader.num_episodes() {
            let range = reader.episode_range(e)?;
            let images = column_u8(reader.read_steps(field, range.clone())?)?;
            let actions = column_f32(reader.read_steps("action", range.clone())?)?;
            let len = (range.end - range.start) as usize;
            action_dim = actions.len() / len.max(1);
            let mut z = Vec::with_capacity(len * 64);
            for chunk in images.chunks(CHUNK * frame) {
                let n = chunk.len() / frame;
                let latent = encoder.forward(image_tensor(chunk, n, h, w, device));
                dim = latent.dims()[1];
                z.extend(latent.into_data().try_to_vec::<f32>().map_err(|e| {
                    AgentError::Config(format!("{e:?}"))
                })?);
            }
            episodes.push((z, actions));
        }
        Ok(Self {
            dim,
            action_dim,
            episodes,
        })
    }

    fn len(&self, e: usize) -> usize {
        self.episodes[e].0.len() / self.dim.max(1)
    }

    /// `n` windows of `horizon` actions, uniformly over the windows that fit in `episodes`.
    pub fn windows(
        &self,
        episodes: &[u64],
        n: usize,
        horizon: usize,
        rng: &mut impl Rng,
        device: &Device,
    ) -> Result<Windows, AgentError> {
        let fits: Vec<(usize, usize)> = episodes
            .iter()
            .map(|&e| e as usize)
            .filter(|&e| e < self.episodes.len() && self.len(e) > horizon)
            .map(|e| (e, self.len(e) - horizon))
            .collect();
        let total: usize = fits.iter().map(|f| f.1).sum();
        if total == 0 {
            return Err(AgentError::Config(format!(
                "no episode is longer than the horizon ({horizon} steps)"
            )));
        }
        let (d, a) = (self.dim, self.action_dim);
        let (mut start, mut actions, mut targets) = (
            Vec::with_capacity(n * d),
            Vec::with_capacity(n * horizon * a),
            Vec::with_capacity(n * horizon * d),
        );
        for _ in 0..n {
            let mut pick = rng.random_range(0..total);
            let mut e = fits[0].0;
            for &(episode, k) in &fits {
                if pick < k {
                    e = episode;
                    break;
                }
                pick -= k;
            }
            let (z, act) = &self.episodes[e];
            // The action at step j leads from frame j to frame j + 1.
            start.extend_from_slice(&z[pick * d..(pick + 1) * d]);
            actions.extend_from_slice(&act[pick * a..(pick + horizon) * a]);
            targets.extend_from_slice(&z[(pick + 1) * d..(pick + 1 + horizon) * d]);
        }
        Ok(Windows {
            start: Tensor::from_data(TensorData::new(start, [n, d]), device),
            actions: Tensor::from_data(TensorData::new(actions, [n, horizon, a]), device),
            targets: Tensor::from_data(TensorData::new(targets, [n, horizon, d]), device),
        })
    }

    /// Mean squared latent error per step ahead on held-out episodes (fixed windows), and the
    /// same for repeating the first latent.
    pub fn validate(
        &self,
        dynamics: &Dynamics,
        split: &Split,
        horizon: usize,
    ) -> Result<(Vec<f32>, Vec<f32>), AgentError> {
        let device = dynamics.devices()[0].clone();
        let episodes = if split.valid.is_empty() {
            &split.train
        } else {
            &split.valid
        };
        let mut rng = ChaCha8Rng::seed_from_u64(0xDA7A);
        let w = self.windows(episodes, 512, horizon, &mut rng, &device)?;
        let per_step = |x: Tensor<3>| -> Result<Vec<f32>, AgentError> {
            (x - w.targets.clone())
                .square()
                .mean_dims(&[0, 2])
                .into_data()
                .try_to_vec::<f32>()
                .map_err(|e| AgentError::Config(format!("{e:?}")))
        };
        let predicted = dynamics.roll_out(w.start.clone(), w.actions.clone());
        let copy = w.start.clone().unsqueeze_dim::<3>(1).repeat_dim(1, horizon);
        Ok((per_step(predicted)?, per_step(copy)?))
    }
}
