//! Training the frame predictor on a store's random play: Adam on the mean squared error of
//! every predicted frame, validation on held-out episodes, checkpoints that resume.
//!
//! A run directory holds `run.json` (what was trained on, and how), `model.bpk` (burnpack
//! weights), `optimizer.bin`, `progress.json` (the last completed step) and `log.jsonl` (one
//! line per validation).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::optim::{AdamConfig, GradientsAccumulator, GradientsParams};
use burn::prelude::*;
use burn::store::ModuleRecord;
use byfeel_gym::Task;
use byfeel_gym::store::StoreReader;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::data::{SequenceSource, Sequences, Split};
use super::latent::standard_normal;
use super::model::{FramePredictor, PredictorConfig};
use crate::{AgentError, io_error as io};

/// How to train; the defaults follow "Manipulation by Feel" where it says (horizon 15) and
/// are small enough for a CPU elsewhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Training steps (batches) in all.
    pub steps: usize,
    /// Sequences per batch.
    pub batch: usize,
    /// Adam's step size.
    pub learning_rate: f64,
    /// Frames predicted per sequence.
    pub horizon: usize,
    /// Validate (and checkpoint) every this many steps.
    pub valid_every: usize,
    /// Held-out batches each validation averages over.
    pub valid_batches: usize,
    /// Every `holdout`-th episode is held out for validation.
    pub holdout: u64,
    /// Seeds the initial weights, the batches drawn and the latent's noise: the same seed on
    /// the same store trains the same model.
    pub seed: u64,
    /// With a stochastic latent: what one nat of KL divergence costs, in units of the mean
    /// squared pixel error.
    #[serde(default = "default_kl_weight")]
    pub kl_weight: f64,
}

fn default_kl_weight() -> f64 {
    1e-4
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            steps: 2000,
            batch: 16,
            learning_rate: 1e-3,
            horizon: 15,
            valid_every: 100,
            valid_batches: 4,
            holdout: 10,
            seed: 0,
            kl_weight: default_kl_weight(),
        }
    }
}

/// Everything a run was made from (its `run.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    /// The task's name (`die-roll`, `cup-push`, …); runs written before it was kept have "".
    #[serde(default)]
    pub task: String,
    /// The experience store trained on (absolute path).
    pub store: PathBuf,
    /// The image field predicted (`tactile` or `camera`).
    pub field: String,
    /// The predictor's shape.
    pub model: PredictorConfig,
    /// How it was trained.
    pub train: TrainConfig,
}

impl RunSpec {
    /// A run for `task` on a store: the die learns the gel's images with 3 context frames,
    /// other tasks the camera's with 2 (as in the papers), at the store's image size.
    pub fn for_task(
        task: Task,
        store: &Path,
        reader: &StoreReader,
        context: Option<usize>,
        train: TrainConfig,
    ) -> Result<Self, AgentError> {
        let (field, shape) = task_images(task, store, reader)?;
        Ok(Self {
            task: task.name().into(),
            // Absolute, so that the run finds its store from any directory.
            store: std::fs::canonicalize(store).map_err(|e| io(store, e))?,
            field: field.into(),
            model: PredictorConfig {
                context: context.unwrap_or(if task == Task::DieRoll { 3 } else { 2 }),
                height: shape[0],
                width: shape[1],
                ..PredictorConfig::tactile()
            },
            train,
        })
    }

    /// The run's task: as recorded, else as its store says.
    pub fn task(&self) -> Result<Task, AgentError> {
        if self.task.is_empty() {
            return store_task(&StoreReader::open(&self.store)?);
        }
        Task::from_name(&self.task)
            .ok_or_else(|| AgentError::Config(format!("run.json: unknown task {:?}", self.task)))
    }
}

/// The image field a task's model learns (the gel's for the die, the camera's elsewhere) and
/// its shape in `reader`'s store, which must hold that task's episodes.
pub(crate) fn task_images(
    task: Task,
    store: &Path,
    reader: &StoreReader,
) -> Result<(&'static str, Vec<usize>), AgentError> {
    let field = if task == Task::DieRoll {
        "tactile"
    } else {
        "camera"
    };
    let shape = reader
        .schema()
        .step_field(field)
        .map(|f| f.shape.clone())
        .ok_or_else(|| {
            AgentError::Config(format!(
                "{}: no {field} images in this store",
                store.display()
            ))
        })?;
    if let Some(stored) = reader.attributes().get("task").and_then(|t| t.as_str())
        && stored != task.name()
    {
        return Err(AgentError::Config(format!(
            "{} holds {stored} episodes, not {}",
            store.display(),
            task.name()
        )));
    }
    Ok((field, shape))
}

/// The task a store was collected for (its `task` attribute).
pub fn store_task(reader: &StoreReader) -> Result<Task, AgentError> {
    let name = reader
        .attributes()
        .get("task")
        .and_then(|t| t.as_str())
        .unwrap_or_default();
    Task::from_name(name)
        .ok_or_else(|| AgentError::Config(format!("the store names no known task ({name:?})")))
}

/// Where training stands.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrainProgress {
    /// Steps done so far.
    pub step: usize,
    /// Steps the run will take in all.
    pub steps: usize,
    /// The last batch's mean squared pixel error (pixels in [0, 1]), without the KL term.
    pub train_loss: f32,
    /// On steps that validated, the mean squared pixel error on the held-out episodes; `None`
    /// otherwise.
    pub valid_loss: Option<f32>,
    /// Training steps per second in this session.
    pub steps_per_s: f64,
}

/// Mean validation error per predicted step (and its mean), over fixed held-out batches.
pub fn validate(
    model: &FramePredictor,
    source: &SequenceSource,
    split: &Split,
    batches: usize,
    batch: usize,
    device: &Device,
) -> Result<Vec<f32>, AgentError> {
    let mut rng = ChaCha8Rng::seed_from_u64(0xDA7A);
    let episodes = if split.valid.is_empty() {
        &split.train
    } else {
        &split.valid
    };
    let mut per_step = vec![0.0f32; source.horizon];
    for _ in 0..batches {
        let s = source.batch(episodes, batch, &mut rng, device)?;
        let predicted = model.forward(s.context, s.actions);
        let err = (predicted - s.targets)
            .square()
            .mean_dims(&[0, 2, 3, 4])
            .into_data()
            .try_to_vec::<f32>()
            .map_err(|e| AgentError::Config(format!("{e:?}")))?;
        for (p, e) in per_step.iter_mut().zip(err) {
            *p += e / batches as f32;
        }
    }
    Ok(per_step)
}

/// Trains (or resumes, if `run` holds a run of the same spec) and returns the last progress.
pub fn train(
    reader: &StoreReader,
    spec: &RunSpec,
    run: &Path,
    mut on_progress: impl FnMut(&TrainProgress),
) -> Result<TrainProgress, AgentError> {
    spec.model.check().map_err(AgentError::Config)?;
    let t = &spec.train;
    if t.steps == 0 || t.batch == 0 || t.horizon == 0 || t.valid_every == 0 {
        return Err(AgentError::Config(
            "steps, batch, horizon and valid_every must be positive".into(),
        ));
    }
    let source = SequenceSource {
        reader,
        field: spec.field.clone(),
        context: spec.model.context,
        horizon: t.horizon,
    };
    let (h, w) = source.image_size()?;
    if (h, w) != (spec.model.height, spec.model.width) {
        return Err(AgentError::Config(format!(
            "the store's {} images are {h}×{w}, the model's {}×{}",
            spec.field, spec.model.height, spec.model.width
        )));
    }
    let split = Split::for_store(reader, t.holdout)?;
    std::fs::create_dir_all(run).map_err(|e| io(run, e))?;
    let device = crate::default_device().autodiff();
    // burn draws initial weights from the backend's generator, seeded from the OS unless told:
    // seeding it makes a run's seed reproduce the run (on one thread; the generator is global).
    device.seed(t.seed);
    let mut model = spec.model.init(&device);
    let mut optimizer = AdamConfig::new().init();
    let mut step = 0;

    let spec_path = run.join("run.json");
    if spec_path.exists() {
        let old: RunSpec = serde_json::from_str(
            &std::fs::read_to_string(&spec_path).map_err(|e| io(&spec_path, e))?,
        )
        .map_err(|e| io(&spec_path, e))?;
        if old.model != spec.model || old.field != spec.field {
            return Err(AgentError::Config(format!(
                "{} holds a run of another model or field; choose a new run directory",
                run.display()
            )));
        }
        let progress: TrainProgress = serde_json::from_str(
            &std::fs::read_to_string(run.join("progress.json")).map_err(|e| io(run, e))?,
        )
        .map_err(|e| io(run, e))?;
        let record = ModuleRecord::load(run.join("model.bpk")).map_err(|e| io(run, e))?;
        model = model.load_record(record);
        let bytes = std::fs::read(run.join("optimizer.bin")).map_err(|e| io(run, e))?;
        optimizer = optimizer
            .from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes))
            .map_err(|e| io(run, e))?;
        step = progress.step;
    }
    std::fs::write(&spec_path, serde_json::to_string_pretty(spec).unwrap())
        .map_err(|e| io(&spec_path, e))?;

    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(run.join("log.jsonl"))
        .map_err(|e| io(run, e))?;
    let mut progress = TrainProgress {
        step,
        steps: t.steps,
        ..Default::default()
    };
    let clock = Instant::now();
    let first = step;
    while step < t.steps {
        // Seeded by step, so a resumed run draws the batches the uninterrupted one would.
        let mut rng = ChaCha8Rng::seed_from_u64(t.seed.wrapping_mul(1_000_003) ^ step as u64);
        let s = source.batch(&split.train, t.batch, &mut rng, &device)?;
        let noise = standard_normal(&mut rng, [t.batch, model.latent_len()], &device);
        let (grads, mse) = batch_gradients(&model, s, noise, t.kl_weight);
        // The reported loss is the pixel error alone, comparable across models.
        progress.train_loss = mse;
        if !progress.train_loss.is_finite() {
            return Err(AgentError::Config(format!(
                "the loss became {} at step {step}; try a lower learning rate",
                progress.train_loss
            )));
        }
        model = optimizer.step(t.learning_rate, model, grads);
        step += 1;
        progress.step = step;
        progress.steps_per_s = (step - first) as f64 / clock.elapsed().as_secs_f64();
        progress.valid_loss = None;
        if step % t.valid_every == 0 || step == t.steps {
            let inference = model.valid();
            let per_step = validate(
                &inference,
                &source,
                &split,
                t.valid_batches,
                t.batch,
                &device.clone().inner(),
            )?;
            let mean = per_step.iter().sum::<f32>() / per_step.len() as f32;
            progress.valid_loss = Some(mean);
            writeln!(
                log,
                "{}",
                serde_json::json!({"step": step, "train_loss": progress.train_loss,
                    "valid_loss": mean, "valid_per_step": per_step})
            )
            .map_err(|e| io(run, e))?;
            checkpoint(run, &model, &optimizer, &progress)?;
        }
        on_progress(&progress);
    }
    Ok(progress)
}

/// Sequences whose gradients one thread computes at a time (see [`batch_gradients`]).
const SEQUENCES_PER_CHUNK: usize = 4;

/// The gradients of a batch's loss (mean squared pixel error, plus `kl_weight` per nat of the
/// latent's KL divergence) and its pixel error. The batch is cut into chunks of a few
/// sequences whose gradients are computed on parallel threads and summed, each weighted by its
/// share of the batch: the same gradients as the whole batch at once, but on a CPU burn's
/// kernels run small chunks faster than one large batch and leave cores idle between the many
/// small operations of a recurrent step.
pub fn batch_gradients(
    model: &FramePredictor,
    s: Sequences,
    noise: Tensor<2>,
    kl_weight: f64,
) -> (GradientsParams, f32) {
    use rayon::prelude::*;
    let b = s.context.dims()[0];
    let parts: Vec<(GradientsParams, f32)> = (0..b)
        .step_by(SEQUENCES_PER_CHUNK)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|first| {
            let n = SEQUENCES_PER_CHUNK.min(b - first);
            let part = |t: &Tensor<5>| t.clone().narrow(0, first, n);
            let (predicted, kl) = model.forward_train(
                part(&s.context),
                s.actions.clone().narrow(0, first, n),
                part(&s.targets),
                noise.clone().narrow(0, first, n),
            );
            let mse = (predicted - part(&s.targets)).square().mean();
            let share = n as f32 / b as f32;
            let value = mse.clone().into_scalar::<f32>() * share;
            let loss = (mse + kl.mul_scalar(kl_weight)).mul_scalar(share);
            (GradientsParams::from_grads(loss.backward(), model), value)
        })
        .collect();
    let mut total = GradientsAccumulator::new();
    let mut mse = 0.0;
    for (grads, value) in parts {
        total.accumulate(model, grads);
        mse += value;
    }
    (total.grads(), mse)
}

/// Writes the model, the optimizer and the step, each to a temporary file renamed into place,
/// the step last: a run killed mid-checkpoint resumes from the previous one.
fn checkpoint(
    run: &Path,
    model: &FramePredictor,
    optimizer: &burn::optim::ModuleOptimizer,
    progress: &TrainProgress,
) -> Result<(), AgentError> {
    let replace = |name: &str, bytes: &[u8]| crate::write_replacing(run, name, bytes);
    let weights = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| io(run, e))?;
    replace("model.bpk", &weights)?;
    let state = optimizer.into_bytes().map_err(|e| io(run, e))?;
    replace("optimizer.bin", &state)?;
    replace(
        "progress.json",
        serde_json::to_string(progress).unwrap().as_bytes(),
    )
}

/// Loads a trained model from a run directory, on `device`.
pub fn load(run: &Path, device: &Device) -> Result<(RunSpec, FramePredictor), AgentError> {
    let spec_path = run.join("run.json");
    let spec: RunSpec =
        serde_json::from_str(&std::fs::read_to_string(&spec_path).map_err(|e| io(&spec_path, e))?)
            .map_err(|e| io(&spec_path, e))?;
    let record = ModuleRecord::load(run.join("model.bpk")).map_err(|e| io(run, e))?;
    Ok((spec.clone(), spec.model.init(device).load_record(record)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::optim::SgdConfig;
    use burn::tensor::Distribution;

    /// Gradients summed over parallel chunks are the whole batch's: one plain gradient step
    /// with either leaves the same model.
    #[test]
    fn chunked_gradients_are_the_whole_batch_gradients() {
        let device = Device::default().autodiff();
        let config = PredictorConfig {
            context: 2,
            height: 16,
            width: 16,
            channels: [4, 8],
            latent: 2,
            ..PredictorConfig::tactile()
        };
        let model = config.init(&device);
        let b = 6; // chunks of 4 and 2
        let uniform = Distribution::Uniform(0.0, 1.0);
        let s = Sequences {
            context: Tensor::random([b, 2, 3, 16, 16], uniform, &device),
            actions: Tensor::random([b, 3, 3], Distribution::Uniform(-1.0, 1.0), &device),
            targets: Tensor::random([b, 3, 3, 16, 16], uniform, &device),
        };
        let noise = Tensor::random([b, 2], Distribution::Normal(0.0, 1.0), &device);
        let (chunked, mse) = batch_gradients(&model, s.clone(), noise.clone(), 0.1);
        let (predicted, kl) = model.forward_train(
            s.context.clone(),
            s.actions.clone(),
            s.targets.clone(),
            noise,
        );
        let whole_mse = (predicted - s.targets.clone()).square().mean();
        assert!((whole_mse.clone().into_scalar::<f32>() - mse).abs() < 1e-6);
        let whole =
            GradientsParams::from_grads((whole_mse + kl.mul_scalar(0.1)).backward(), &model);
        let step = |grads| SgdConfig::new().init().step(1.0, model.clone(), grads);
        let (a, b) = (step(chunked).valid(), step(whole).valid());
        let probe =
            |m: &FramePredictor| m.forward(s.context.clone().inner(), s.actions.clone().inner());
        let diff: f32 = (probe(&a) - probe(&b)).abs().max().into_scalar();
        let moved: f32 = (probe(&a) - probe(&model.valid()))
            .abs()
            .max()
            .into_scalar();
        assert!(moved > 1e-3, "the step changed the model ({moved})");
        assert!(
            diff < 1e-4,
            "chunked and whole-batch steps differ by {diff}"
        );
    }
}
