//! Every frame of a store through the encoder, kept in memory with its actions, so that the
//! dynamics train on latent windows without touching an image.

use burn::prelude::*;
use byfeel_gym::store::StoreReader;
use rand::Rng;

use super::frames::{WindowPicker, column_f32, column_u8};
use super::model::Encoder;
use super::prediction::LatentWindows;
use crate::AgentError;
use crate::predictive::image_tensor;

/// Frames encoded together.
const CHUNK: usize = 256;

/// Per episode: its latents `[len × dim]` and actions `[len × action_dim]`.
pub struct Latents {
    /// Numbers in one latent.
    pub dim: usize,
    /// Numbers in one action.
    pub action_dim: usize,
    episodes: Vec<(Vec<f32>, Vec<f32>)>,
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

    /// `n` windows of `horizon` actions, uniformly over the windows that fit in `episodes`,
    /// every step's latent a target.
    pub fn windows(
        &self,
        episodes: &[u64],
        n: usize,
        horizon: usize,
        rng: &mut impl Rng,
        device: &Device,
    ) -> Result<LatentWindows, AgentError> {
        let windows = WindowPicker::new(episodes, horizon, |e| (e < self.episodes.len()).then(|| self.len(e)))?;
        let (d, a) = (self.dim, self.action_dim);
        let (mut start, mut actions, mut targets) = (
            Vec::with_capacity(n * d),
            Vec::with_capacity(n * horizon * a),
            Vec::with_capacity(n * horizon * d),
        );
        for _ in 0..n {
            let (e, pick) = windows.pick(rng);
            let (z, act) = &self.episodes[e];
            // The action at step j leads from frame j to frame j + 1.
            start.extend_from_slice(&z[pick * d..(pick + 1) * d]);
            actions.extend_from_slice(&act[pick * a..(pick + horizon) * a]);
            targets.extend_from_slice(&z[(pick + 1) * d..(pick + 1 + horizon) * d]);
        }
        Ok(LatentWindows {
            start: Tensor::from_data(TensorData::new(start, [n, d]), device),
            actions: Tensor::from_data(TensorData::new(actions, [n, horizon, a]), device),
            targets: Tensor::from_data(TensorData::new(targets, [n, horizon, d]), device),
            at: (1..=horizon).collect(),
        })
    }
}
