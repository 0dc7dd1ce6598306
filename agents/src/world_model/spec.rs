//! What a world-model run is made from: its training settings and the spec file
//! (`world-model.json`) that records them with the model's shape, task and store.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::ModuleRecord;
use byfeel_gym::store::StoreReader;
use byfeel_gym::{ActionMode, Task};
use serde::{Deserialize, Serialize};

use super::model::{WorldModel, WorldModelConfig};
use crate::predictor::train::task_images;
use crate::{AgentError, io_error as io};

/// The spec file of a world-model run.
pub const SPEC_FILE: &str = "world-model.json";

/// How to train; defaults sized for a 2-core CPU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldModelTrainConfig {
    /// Autoencoder steps (batches of single frames).
    pub ae_steps: usize,
    /// Frames per autoencoder batch.
    pub ae_batch: usize,
    /// Prediction steps: batches of windows, each predicted from its first frame (through
    /// the encoder if [`Self::train_encoder`], else on cached latents).
    pub dynamics_steps: usize,
    /// Windows per prediction batch.
    pub dynamics_batch: usize,
    /// Steps predicted ahead from one frame.
    pub horizon: usize,
    /// The prediction is compared with the frame seen after every this many steps of the
    /// horizon (each such frame costs an encoder pass).
    #[serde(default = "default_target_every")]
    pub target_every: usize,
    /// Train the encoder in the second stage too, through the prediction (slow: an encoder
    /// pass per target frame); otherwise every frame is encoded once and the dynamics train
    /// on those latents, every step of the horizon a target.
    #[serde(default)]
    pub train_encoder: bool,
    /// Shift each frame of the first stage's pairs by up to this many pixels, each its own
    /// way, so that the embedding cannot match a pair by where the gel touches and has to
    /// match it by what it touches (0: no shift).
    #[serde(default)]
    pub shift: usize,
    /// Turn each frame of the first stage's pairs by its own random angle. On the die, a
    /// frame's turn alone (the die's yaw is random per episode) tells its episode from every
    /// other in a batch, so without this the embedding learns the yaw and not which face is
    /// up. Only for sensors whose picture means the same turned (not a camera's).
    #[serde(default)]
    pub rotate: bool,
    /// Adam's step size, both stages.
    pub learning_rate: f64,
    /// Every `holdout`-th episode is held out.
    pub holdout: u64,
    /// Validate and checkpoint every this many steps.
    pub valid_every: usize,
    /// Seeds the initial weights and the batches drawn.
    pub seed: u64,
    /// Weight of the contrastive losses beside reconstruction: in the first stage, telling a
    /// frame's near future from other episodes' frames; in the second, telling the frame that
    /// really followed a window's actions from the other windows' (0: a plain autoencoder and
    /// latent prediction, and the planner's cost on the latent itself).
    #[serde(default)]
    pub contrastive_weight: f64,
    /// Weight of the inverse model's squared action error in the second stage (through the
    /// encoder only; needs a model with `inverse`).
    #[serde(default)]
    pub inverse_weight: f64,
    /// Temperature of the contrastive softmax.
    #[serde(default = "default_temperature")]
    pub temperature: f64,
    /// A frame's positive is the frame this many steps later in the same episode.
    #[serde(default = "default_positive_offset")]
    pub positive_offset: usize,
}

fn default_target_every() -> usize {
    3
}

fn default_temperature() -> f64 {
    0.1
}

fn default_positive_offset() -> usize {
    2
}

impl Default for WorldModelTrainConfig {
    fn default() -> Self {
        Self {
            ae_steps: 3000,
            ae_batch: 64,
            dynamics_steps: 10_000,
            dynamics_batch: 256,
            horizon: 18,
            target_every: default_target_every(),
            train_encoder: false,
            shift: 0,
            rotate: false,
            learning_rate: 1e-3,
            holdout: 10,
            valid_every: 250,
            seed: 0,
            contrastive_weight: 1.0,
            inverse_weight: 0.0,
            temperature: default_temperature(),
            positive_offset: default_positive_offset(),
        }
    }
}

impl WorldModelTrainConfig {
    /// The defaults for `task`. On the die's gel, the embedding is made blind to where the
    /// gel touches and to the die's yaw (see [`Self::shift`], [`Self::rotate`]), and the
    /// encoder trains through the prediction (2 000 steps of 64 windows), which is how the
    /// shipped die model was made; a camera's embedding keeps where things are, which is what
    /// its tasks are about.
    pub fn for_task(task: Task) -> Self {
        let base = Self::default();
        if task != Task::DieRoll {
            return base;
        }
        Self {
            shift: 6,
            rotate: true,
            ae_steps: 2000,
            dynamics_steps: 2000,
            ..base
        }
        .training_encoder(true)
    }

    /// The defaults for a store of `mode` actions on `task`. Roll actions (the die's) join
    /// settled, centred presses: the frames differ by the face up and its turn, which the
    /// planner needs, so the first stage neither shifts nor turns them, and nothing pulls
    /// one roll's frames together (the next frame is another face: no contrastive loss, the
    /// planner's cost is on the latent). Episodes are a few rolls long: the prediction looks
    /// 3 rolls ahead, every one a target, on the first stage's latents.
    pub fn for_actions(task: Task, mode: ActionMode) -> Self {
        if mode == ActionMode::Hand {
            return Self::for_task(task);
        }
        Self {
            ae_steps: 2000,
            dynamics_steps: 5000,
            horizon: 3,
            target_every: 1,
            shift: 0,
            rotate: false,
            contrastive_weight: 0.0,
            ..Self::default()
        }
        .training_encoder(false)
    }

    /// The same, with the encoder trained through the prediction or not, and the second
    /// stage's batch sized for it: 64 windows through the encoder (seven encoder passes
    /// each), 256 on cached latents.
    pub fn training_encoder(self, on: bool) -> Self {
        Self {
            train_encoder: on,
            dynamics_batch: if on { 64 } else { 256 },
            ..self
        }
    }

    /// Says what is wrong with the settings: sizes positive, weights 0 or more, `target_every`
    /// within the horizon, a positive learning rate and temperature.
    pub fn check(&self) -> Result<(), String> {
        for (name, v) in [
            ("ae_batch", self.ae_batch),
            ("dynamics_batch", self.dynamics_batch),
            ("horizon", self.horizon),
            ("target_every", self.target_every),
            ("valid_every", self.valid_every),
            ("positive_offset", self.positive_offset),
        ] {
            if v == 0 {
                return Err(format!("world model training: {name} must be positive"));
            }
        }
        for (name, v, positive) in [
            ("contrastive_weight", self.contrastive_weight, false),
            ("inverse_weight", self.inverse_weight, false),
            ("temperature", self.temperature, true),
        ] {
            if !(v.is_finite() && (v > 0.0 || (!positive && v == 0.0))) {
                return Err(format!(
                    "world model training: {name} {v} must be {}",
                    if positive { "positive" } else { "0 or more" }
                ));
            }
        }
        if self.target_every > self.horizon {
            return Err(format!(
                "world model training: target_every {} is longer than the horizon {}",
                self.target_every, self.horizon
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(format!(
                "world model training: learning_rate {} must be positive",
                self.learning_rate
            ));
        }
        Ok(())
    }
}

/// Everything a run was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldModelSpec {
    /// The task's name, as [`Task::name`] gives it.
    pub task: String,
    /// The experience store trained on (absolute path).
    pub store: PathBuf,
    /// The image field: `tactile` for the die, `camera` elsewhere.
    pub field: String,
    /// The model's shape.
    pub model: WorldModelConfig,
    /// How it was trained.
    pub train: WorldModelTrainConfig,
    /// What one action of the store did (`hand` or `roll`: [`ActionMode`]); the planner and
    /// the evaluation act the same way.
    #[serde(default = "hand")]
    pub actions: String,
}

fn hand() -> String {
    ActionMode::Hand.name().into()
}

/// What one action of `reader`'s episodes did (stores from before roll actions moved the hand).
pub fn store_actions(reader: &StoreReader) -> Result<ActionMode, AgentError> {
    let name = reader
        .attributes()
        .get("action_mode")
        .and_then(|m| m.as_str())
        .unwrap_or("hand");
    ActionMode::from_name(name)
        .ok_or_else(|| AgentError::Config(format!("the store's action_mode {name:?} is unknown")))
}

impl WorldModelSpec {
    /// A run for `task` on `store`, at the store's image size.
    pub fn for_task(
        task: Task,
        store: &Path,
        reader: &StoreReader,
        model: WorldModelConfig,
        train: WorldModelTrainConfig,
    ) -> Result<Self, AgentError> {
        let (field, shape) = task_images(task, store, reader)?;
        let actions = store_actions(reader)?;
        let model = WorldModelConfig {
            height: shape[0],
            width: shape[1],
            action_dim: actions.action_dim(),
            ..model
        };
        model.check().map_err(AgentError::Config)?;
        if train.contrastive_weight > 0.0 && model.embed == 0 {
            return Err(AgentError::Config(
                "contrastive_weight > 0 needs an embedding (model embed > 0)".into(),
            ));
        }
        train.check().map_err(AgentError::Config)?;
        Ok(Self {
            task: task.name().into(),
            store: std::fs::canonicalize(store).map_err(|e| io(store, e))?,
            field: field.into(),
            model,
            train,
            actions: actions.name().into(),
        })
    }

    /// What one action does, as the model learnt it.
    pub fn action_mode(&self) -> Result<ActionMode, AgentError> {
        ActionMode::from_name(&self.actions).ok_or_else(|| {
            AgentError::Config(format!("{SPEC_FILE}: unknown actions {:?}", self.actions))
        })
    }

    /// The task named in the spec.
    pub fn task(&self) -> Result<Task, AgentError> {
        Task::from_name(&self.task)
            .ok_or_else(|| AgentError::Config(format!("{SPEC_FILE}: unknown task {:?}", self.task)))
    }
}

/// Reads a run's spec.
pub fn read_spec(run: &Path) -> Result<WorldModelSpec, AgentError> {
    let path = run.join(SPEC_FILE);
    serde_json::from_str(&std::fs::read_to_string(&path).map_err(|e| io(&path, e))?)
        .map_err(|e| io(&path, e))
}

/// Loads a trained model from a run directory, on `device`.
pub fn load(run: &Path, device: &Device) -> Result<(WorldModelSpec, WorldModel), AgentError> {
    let spec = read_spec(run)?;
    let record = ModuleRecord::load(run.join("model.bpk")).map_err(|e| io(run, e))?;
    let model = spec.model.init(device).load_record(record);
    Ok((spec, model))
}
