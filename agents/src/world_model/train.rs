//! Training the world model on a store of play, in two stages:
//! 1. the encoder and decoder as an autoencoder on single frames (reconstruction);
//! 2. with the encoder fixed, every frame of the store is encoded once, and the dynamics learn
//!    to predict `horizon` latents ahead from the first alone (multi-step latent prediction:
//!    each predicted latent is compared with the encoder's latent of the frame that really
//!    followed, TD-MPC2's consistency target).
//!
//! Why two stages: on a 2-core CPU an image through the encoder and decoder costs
//! milliseconds, a step of the dynamics microseconds. Learning the dynamics on cached latents
//! takes thousands of multi-step batches a minute, where end-to-end training through the
//! images of every step of every window would manage a few dozen.
//!
//! A run directory holds `world-model.json` (the spec), `model.bpk`, `optimizer.bin`,
//! `progress.json` and `log.jsonl`; giving the same directory again resumes.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::store::ModuleRecord;
use byfeel_gym::store::StoreReader;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::frames::{Frames, moved};
use super::latents::Latents;
use super::model::{WorldModel, embed};
use super::prediction::{
    PredictionCheck, PredictionLoss, check_prediction, encode_windows, latent_prediction_loss,
    prediction_loss,
};
use super::prototypes::swapped_prediction;
pub use super::spec::{
    SPEC_FILE, WorldModelSpec, WorldModelTrainConfig, load, read_spec, store_actions,
};
use crate::predictive::image_tensor;
use crate::predictor::Split;
use crate::{AgentError, io_error as io};

/// Which stage a run is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Stage {
    /// Stage 1: the encoder and decoder learn to reconstruct single frames.
    #[default]
    Autoencoder,
    /// Stage 2: the dynamics learn to predict the latents ahead from a frame and actions.
    Dynamics,
}

/// Where training stands (`progress.json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WorldModelProgress {
    /// The stage being trained.
    pub stage: Stage,
    /// Steps done in this stage.
    pub step: usize,
    /// Steps of this stage in all.
    pub steps: usize,
    /// The last batch's loss: reconstruction error in stage 1; in stage 2, the reconstruction,
    /// latent and contrastive terms, unweighted.
    pub train_loss: f32,
    /// On steps that validated: held-out reconstruction error (stage 1) or mean latent error
    /// (stage 2); `None` otherwise.
    pub valid_loss: Option<f32>,
    /// Training steps per second in this session.
    pub steps_per_s: f64,
}

struct Session<'a> {
    reader: &'a StoreReader,
    spec: &'a WorldModelSpec,
    run: &'a Path,
    split: Split,
    log: std::fs::File,
}

/// Trains (or resumes) a world model; `on_progress` is called after every step.
pub fn train(
    reader: &StoreReader,
    spec: &WorldModelSpec,
    run: &Path,
    mut on_progress: impl FnMut(&WorldModelProgress),
) -> Result<WorldModelProgress, AgentError> {
    spec.model.check().map_err(AgentError::Config)?;
    spec.train.check().map_err(AgentError::Config)?;
    std::fs::create_dir_all(run).map_err(|e| io(run, e))?;
    let device = crate::default_device().autodiff();
    device.seed(spec.train.seed);
    let mut model = spec.model.init(&device);
    let mut progress = WorldModelProgress::default();
    let spec_path = run.join(SPEC_FILE);
    if spec_path.exists() {
        let old = read_spec(run)?;
        // An inverse model may be added to a run trained without one (it starts fresh).
        let adding_inverse = spec.model.inverse && !old.model.inverse;
        let old_shape = super::model::WorldModelConfig {
            inverse: old.model.inverse || adding_inverse,
            ..old.model.clone()
        };
        if old_shape != spec.model || old.field != spec.field || old.task != spec.task {
            return Err(AgentError::Config(format!(
                "{} holds a run of another model, task or field; choose a new run directory",
                run.display()
            )));
        }
        let path = run.join("progress.json");
        progress = serde_json::from_str(&std::fs::read_to_string(&path).map_err(|e| io(&path, e))?)
            .map_err(|e| io(&path, e))?;
        let record = ModuleRecord::load(run.join("model.bpk")).map_err(|e| io(run, e))?;
        model = if adding_inverse {
            let without = super::model::WorldModelConfig {
                inverse: false,
                ..spec.model.clone()
            };
            let mut loaded = without.init(&device).load_record(record);
            loaded.inverse = Some(spec.model.inverse_model(&device));
            loaded
        } else {
            model.load_record(record)
        };
    }
    crate::write_replacing(
        run,
        SPEC_FILE,
        serde_json::to_string_pretty(spec).unwrap().as_bytes(),
    )?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(run.join("log.jsonl"))
        .map_err(|e| io(run, e))?;
    let mut session = Session {
        reader,
        spec,
        run,
        split: Split::for_store(reader, spec.train.holdout)?,
        log,
    };
    if progress.stage == Stage::Autoencoder {
        model = session.autoencoder(model, &mut progress, &mut on_progress)?;
        if spec.train.dynamics_steps == 0 {
            // Stays in the first stage: a later run with dynamics steps goes on from here.
            return Ok(progress);
        }
        progress = WorldModelProgress {
            stage: Stage::Dynamics,
            ..Default::default()
        };
    }
    if progress.step < spec.train.dynamics_steps {
        session.dynamics(model, &mut progress, &mut on_progress)?;
    }
    Ok(progress)
}

impl Session<'_> {
    fn resume_optimizer(
        &self,
        progress: &WorldModelProgress,
    ) -> Result<burn::optim::ModuleOptimizer, AgentError> {
        let optimizer = AdamConfig::new().init();
        let path = self.run.join("optimizer.bin");
        if progress.step == 0 || !path.exists() {
            return Ok(optimizer);
        }
        let bytes = std::fs::read(&path).map_err(|e| io(&path, e))?;
        optimizer
            .from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes))
            .map_err(|e| io(&path, e))
    }

    fn log(&mut self, line: serde_json::Value) -> Result<(), AgentError> {
        writeln!(self.log, "{line}").map_err(|e| io(self.run, e))
    }

    /// `n` windows of `len` consecutive frames drawn uniformly from `episodes`: the bytes of
    /// each window's frames, window after window.
    fn windows(
        &self,
        episodes: &[u64],
        n: usize,
        len: usize,
        rng: &mut impl Rng,
    ) -> Result<Vec<u8>, AgentError> {
        let mut batch =
            self.reader
                .sample_windows_from(episodes, &[&self.spec.field], n, len, rng)?;
        match batch.fields.pop() {
            Some((_, byfeel_gym::store::Column::U8(bytes))) => Ok(bytes),
            _ => Err(AgentError::Config("image field is not u8".into())),
        }
    }

    /// Stage 1: reconstruction of single frames.
    fn autoencoder(
        &mut self,
        mut model: WorldModel,
        progress: &mut WorldModelProgress,
        on_progress: &mut impl FnMut(&WorldModelProgress),
    ) -> Result<WorldModel, AgentError> {
        let t = self.spec.train.clone();
        let device = model.devices()[0].clone();
        let mut optimizer = self.resume_optimizer(progress)?;
        progress.steps = t.ae_steps;
        let clock = Instant::now();
        let first = progress.step;
        while progress.step < t.ae_steps {
            // Seeded by step, so a resumed run draws the batches the unbroken one would.
            let mut rng =
                ChaCha8Rng::seed_from_u64(t.seed.wrapping_mul(1_000_003) ^ progress.step as u64);
            let (images, positives) = self.pairs(t.ae_batch, &mut rng, &device)?;
            let z = model.encoder.forward(images.clone());
            let mut loss = (model.decoder.forward(z.clone()) - images).square().mean();
            let value = loss.clone().into_scalar::<f32>();
            if let (Some(positives), Some(projection)) = (positives, &model.projection) {
                let zp = model.encoder.forward(positives);
                let pairs = match &model.prototypes {
                    Some(prototypes) => {
                        swapped_prediction(projection, prototypes, z, zp, t.temperature)
                    }
                    None => info_nce(projection, z, zp, t.temperature).0,
                };
                loss = loss + pairs.mul_scalar(t.contrastive_weight);
            }
            if !value.is_finite() {
                return Err(AgentError::Config(format!(
                    "the reconstruction loss became {value} at step {}; try a lower learning rate",
                    progress.step
                )));
            }
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(t.learning_rate, model, grads);
            progress.step += 1;
            progress.train_loss = value;
            progress.steps_per_s = (progress.step - first) as f64 / clock.elapsed().as_secs_f64();
            progress.valid_loss = None;
            if progress.step % t.valid_every == 0 || progress.step == t.ae_steps {
                let (valid, matched) = self.reconstruction_error(&model.valid())?;
                progress.valid_loss = Some(valid);
                self.log(
                    serde_json::json!({"stage": "autoencoder", "step": progress.step,
                    "train_mse": value, "valid_mse": valid, "valid_pairs_matched": matched}),
                )?;
                checkpoint(self.run, &model, &optimizer, progress)?;
            }
            on_progress(progress);
        }
        Ok(model)
    }

    /// `n` frames from the training episodes and, when the run is contrastive, the frame
    /// `positive_offset` steps after each.
    fn pairs(
        &self,
        n: usize,
        rng: &mut impl Rng,
        device: &Device,
    ) -> Result<(Tensor<4>, Option<Tensor<4>>), AgentError> {
        let t = &self.spec.train;
        if t.contrastive_weight == 0.0 {
            let m = &self.spec.model;
            let bytes = self.windows(&self.split.train, n, 1, rng)?;
            return Ok((image_tensor(&bytes, n, m.height, m.width, device), None));
        }
        let (a, p) = self.window_pairs(&self.split.train, n, rng, device)?;
        Ok((a, Some(p)))
    }

    fn window_pairs(
        &self,
        episodes: &[u64],
        n: usize,
        rng: &mut impl Rng,
        device: &Device,
    ) -> Result<(Tensor<4>, Tensor<4>), AgentError> {
        let k = self.spec.train.positive_offset;
        let bytes = self.windows(episodes, n, k + 1, rng)?;
        let m = &self.spec.model;
        let frame = m.height * m.width * 3;
        let (mut first, mut last) = (Vec::with_capacity(n * frame), Vec::with_capacity(n * frame));
        for w in bytes.chunks_exact((k + 1) * frame) {
            first.extend_from_slice(&w[..frame]);
            last.extend_from_slice(&w[k * frame..]);
        }
        let (shift, rotate, size) = (
            self.spec.train.shift,
            self.spec.train.rotate,
            (m.height, m.width),
        );
        let first = moved(&first, n, size, shift, rotate, rng);
        let last = moved(&last, n, size, shift, rotate, rng);
        Ok((
            image_tensor(&first, n, m.height, m.width, device),
            image_tensor(&last, n, m.height, m.width, device),
        ))
    }

    /// Mean squared pixel error of held-out frames through the autoencoder, and the share of
    /// held-out frames whose embedding is nearest their own positive's among 256.
    fn reconstruction_error(&self, model: &WorldModel) -> Result<(f32, f32), AgentError> {
        let device = model.devices()[0].clone();
        let mut rng = ChaCha8Rng::seed_from_u64(0xDA7A);
        let episodes = if self.split.valid.is_empty() {
            &self.split.train
        } else {
            &self.split.valid
        };
        let (images, positives) = self.window_pairs(episodes, 256, &mut rng, &device)?;
        let z = model.encoder.forward(images.clone());
        let recon = model.decoder.forward(z.clone());
        let mse = (recon - images).square().mean().into_scalar::<f32>();
        let matched = match &model.projection {
            Some(projection) => {
                let zp = model.encoder.forward(positives);
                info_nce(projection, z, zp, self.spec.train.temperature).1
            }
            None => f32::NAN,
        };
        Ok((mse, matched))
    }

    /// Stage 2: multi-step prediction from single frames (see [`super::prediction`]),
    /// through the encoder or on every frame's latent with the encoder fixed.
    fn dynamics(
        &mut self,
        mut model: WorldModel,
        progress: &mut WorldModelProgress,
        on_progress: &mut impl FnMut(&WorldModelProgress),
    ) -> Result<(), AgentError> {
        let t = self.spec.train.clone();
        let device = model.devices()[0].clone();
        let source = if t.train_encoder {
            Windows::Frames(Frames::load(self.reader, &self.spec.field)?)
        } else {
            let encoder = &model.valid().encoder;
            let inner = device.clone().inner();
            Windows::Latents(Latents::encode_store(
                self.reader,
                &self.spec.field,
                encoder,
                &inner,
            )?)
        };
        let mut optimizer = self.resume_optimizer(progress)?;
        progress.steps = t.dynamics_steps;
        let clock = Instant::now();
        let first = progress.step;
        while progress.step < t.dynamics_steps {
            let mut rng =
                ChaCha8Rng::seed_from_u64(t.seed.wrapping_mul(999_983) ^ progress.step as u64);
            let loss = source.loss(&model, &self.split.train, &t, &mut rng, &device)?;
            let value = loss.reconstruction + loss.latent + loss.contrastive;
            if !value.is_finite() {
                return Err(AgentError::Config(format!(
                    "the prediction loss became {value} at step {}; try a lower learning rate",
                    progress.step
                )));
            }
            let grads = GradientsParams::from_grads(loss.total.backward(), &model);
            model = optimizer.step(t.learning_rate, model, grads);
            progress.step += 1;
            progress.train_loss = value;
            progress.steps_per_s = (progress.step - first) as f64 / clock.elapsed().as_secs_f64();
            progress.valid_loss = None;
            if progress.step % t.valid_every == 0 || progress.step == t.dynamics_steps {
                let episodes = if self.split.valid.is_empty() {
                    &self.split.train
                } else {
                    &self.split.valid
                };
                let c = source.check(&model.valid(), episodes, &t)?;
                let mean = c.latent.iter().sum::<f32>() / c.latent.len().max(1) as f32;
                progress.valid_loss = Some(mean);
                self.log(
                    serde_json::json!({"stage": "dynamics", "step": progress.step,
                    "train_loss": value, "reconstruction": loss.reconstruction,
                    "latent": loss.latent, "contrastive": loss.contrastive, "inverse": loss.inverse,
                    "valid_at": c.at, "valid_latent": c.latent, "copy_latent": c.latent_copy,
                    "valid_matched": c.matched, "copy_matched": c.matched_copy}),
                )?;
                checkpoint(self.run, &model, &optimizer, progress)?;
            }
            on_progress(progress);
        }
        Ok(())
    }
}

/// Where the second stage draws its windows: frames (the encoder trains too) or the cached
/// latents of a fixed encoder.
enum Windows {
    Frames(Frames),
    Latents(Latents),
}

impl Windows {
    fn loss(
        &self,
        model: &WorldModel,
        episodes: &[u64],
        t: &WorldModelTrainConfig,
        rng: &mut impl Rng,
        device: &Device,
    ) -> Result<PredictionLoss, AgentError> {
        let (n, h) = (t.dynamics_batch, t.horizon);
        Ok(match self {
            Self::Frames(f) => {
                let w = f.windows(
                    episodes,
                    n,
                    h,
                    t.target_every,
                    (t.shift, t.rotate),
                    rng,
                    device,
                )?;
                prediction_loss(model, w, t)
            }
            Self::Latents(l) => {
                latent_prediction_loss(model, l.windows(episodes, n, h, rng, device)?, t)
            }
        })
    }

    /// The held-out measures on fixed windows.
    fn check(
        &self,
        model: &WorldModel,
        episodes: &[u64],
        t: &WorldModelTrainConfig,
    ) -> Result<PredictionCheck, AgentError> {
        let device = model.devices()[0].clone();
        let mut rng = ChaCha8Rng::seed_from_u64(0xDA7A);
        let w = match self {
            Self::Frames(f) => {
                let w = f.windows(
                    episodes,
                    256,
                    t.horizon,
                    t.target_every,
                    (t.shift, t.rotate),
                    &mut rng,
                    &device,
                )?;
                encode_windows(model, w)
            }
            Self::Latents(l) => l.windows(episodes, 256, t.horizon, &mut rng, &device)?,
        };
        Ok(check_prediction(model, w, t.temperature))
    }
}

/// InfoNCE between each latent's embedding and its positive's, the other positives of the
/// batch as negatives; and the share of rows whose own positive scores highest.
pub fn info_nce(
    projection: &burn::nn::Linear,
    z: Tensor<2>,
    positives: Tensor<2>,
    temperature: f64,
) -> (Tensor<1>, f32) {
    let [n, _] = z.dims();
    let (a, p) = (embed(projection, z), embed(projection, positives));
    let logits = a.matmul(p.transpose()).div_scalar(temperature);
    let log_p = burn::tensor::activation::log_softmax(logits.clone(), 1);
    let eye = Tensor::<2>::eye(n, &log_p.device());
    let loss = -(log_p * eye.clone()).sum_dim(1).mean();
    let diagonal = (logits.clone() * eye).sum_dim(1);
    let best = logits.max_dim(1);
    let matched = diagonal
        .greater_equal(best)
        .float()
        .mean()
        .into_scalar::<f32>();
    (loss.reshape([1]), matched)
}

/// Writes the model, the optimizer and the progress, each through a temporary file renamed
/// into place, the progress last: a run killed mid-checkpoint resumes from the previous one.
fn checkpoint(
    run: &Path,
    model: &WorldModel,
    optimizer: &burn::optim::ModuleOptimizer,
    progress: &WorldModelProgress,
) -> Result<(), AgentError> {
    let weights = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| io(run, e))?;
    crate::write_replacing(run, "model.bpk", &weights)?;
    let state = optimizer.into_bytes().map_err(|e| io(run, e))?;
    crate::write_replacing(run, "optimizer.bin", &state)?;
    crate::write_replacing(
        run,
        "progress.json",
        serde_json::to_string(progress).unwrap().as_bytes(),
    )
}
