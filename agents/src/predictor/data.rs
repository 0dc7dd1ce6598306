//! Training sequences from the experience store: `context` frames, the actions taken from the
//! last of them on, and the frames that followed.

use burn::prelude::*;
use byfeel_gym::store::{StoreError, StoreReader};
use rand::Rng;

/// One batch: `context` `[B, K, 3, H, W]`, `actions` `[B, T, A]`, `targets` `[B, T, 3, H, W]`,
/// images in [0, 1].
#[derive(Debug, Clone)]
pub struct Sequences {
    /// The frames the model starts from, `[B, K, 3, H, W]`, in [0, 1].
    pub context: Tensor<5>,
    /// The actions taken from the last context frame on, `[B, T, A]`.
    pub actions: Tensor<3>,
    /// The frames those actions led to, `[B, T, 3, H, W]`, in [0, 1].
    pub targets: Tensor<5>,
}

/// Which episodes train and which are held out: every `holdout`-th episode (the last of each
/// group) is kept for validation, so both splits span the whole collection. In a store of
/// sibling episodes (`byfeel collect --branches`) whole families are held out, by seed, so no
/// held-out episode starts where a training one did.
#[derive(Debug, Clone)]
pub struct Split {
    /// Episodes to train on, in store order.
    pub train: Vec<u64>,
    /// Episodes held out for validation, in store order.
    pub valid: Vec<u64>,
}

impl Split {
    /// Holds out the last episode of every `holdout` (0: none held out).
    pub fn every(num_episodes: u64, holdout: u64) -> Self {
        let (valid, train) =
            (0..num_episodes).partition(|e| holdout > 0 && e % holdout == holdout - 1);
        Self { train, valid }
    }

    /// [`Split::every`] by episode, or by family in a store of siblings.
    pub fn for_store(reader: &StoreReader, holdout: u64) -> Result<Self, StoreError> {
        let Some(seeds) = sibling_seeds(reader)? else {
            return Ok(Self::every(reader.num_episodes(), holdout));
        };
        let (valid, train) = (0..seeds.len() as u64)
            .partition(|&e| holdout > 0 && seeds[e as usize] % holdout == holdout - 1);
        Ok(Self { train, valid })
    }
}

/// Every episode's seed, in a store of sibling episodes (`byfeel collect --branches`: those
/// with one seed are one family); `None` in a store without them.
pub fn sibling_seeds(reader: &StoreReader) -> Result<Option<Vec<u64>>, StoreError> {
    if reader.schema().episode_field("branch").is_none() {
        return Ok(None);
    }
    match reader.episode_field("seed")?.as_u64() {
        Some(seeds) => Ok(Some(seeds.to_vec())),
        None => Err(StoreError::BadRequest("the store's seed field is not u64".into())),
    }
}

/// Draws training sequences of one image field (`tactile` or `camera`).
pub struct SequenceSource<'a> {
    /// The store the sequences come from.
    pub reader: &'a StoreReader,
    /// The image field (`tactile` or `camera`).
    pub field: String,
    /// Frames before the first action, K.
    pub context: usize,
    /// Actions and predicted frames after them, T.
    pub horizon: usize,
}

impl SequenceSource<'_> {
    /// (height, width) of the field's images.
    pub fn image_size(&self) -> Result<(usize, usize), StoreError> {
        let f = self
            .reader
            .schema()
            .step_field(&self.field)
            .filter(|f| f.shape.len() == 3 && f.shape[2] == 3)
            .ok_or_else(|| {
                StoreError::BadRequest(format!("the store has no RGB image field {:?}", self.field))
            })?;
        Ok((f.shape[0], f.shape[1]))
    }

    /// `n` sequences from `episodes`.
    pub fn batch(
        &self,
        episodes: &[u64],
        n: usize,
        rng: &mut impl Rng,
        device: &Device,
    ) -> Result<Sequences, StoreError> {
        let (h, w) = self.image_size()?;
        let (k, t) = (self.context, self.horizon);
        let len = k + t;
        let batch =
            self.reader
                .sample_windows_from(episodes, &[&self.field, "action"], n, len, rng)?;
        let images = batch.get(&self.field).unwrap().as_u8().unwrap();
        let floats: Vec<f32> = images.iter().map(|&p| p as f32 / 255.0).collect();
        let frames = Tensor::<5>::from_data(TensorData::new(floats, [n, len, h, w, 3]), device)
            .permute([0, 1, 4, 2, 3]);
        let actions = batch.get("action").unwrap().as_f32().unwrap();
        let a = actions.len() / (n * len);
        let actions =
            Tensor::<3>::from_data(TensorData::new(actions.to_vec(), [n, len, a]), device);
        Ok(Sequences {
            context: frames.clone().narrow(1, 0, k),
            // The action at step j leads from frame j to frame j + 1.
            actions: actions.narrow(1, k - 1, t),
            targets: frames.narrow(1, k, t),
        })
    }
}
