//! byfeel's learning agents, in burn. They drive the arm only through the `Robot` trait.
//!
//! - [`predictor`]: an action-conditioned frame predictor trained on the experience store.
//! - [`cem`]: the cross-entropy-method planner that searches action sequences through it.
//! - [`face_probe`]: can touch tell the die's faces apart? A classifier on gel images.
//! - [`sac`]: soft actor-critic (twin critics, automatic entropy tuning), shared by the agents below.
//! - [`skewfit`]: Skew-Fit: the VAE, the skew, relabelling and the door training loop.
//! - [`her`]: the state-input SAC + HER baseline for Skew-Fit's door.
//! - [`world_model`]: the latent world model (encoder, dynamics, decoder) and its planner.
//! - [`memory`]: the nonparametric predictive agent: a replay memory of rolls, searched.
//! - [`settings`]: a trainer's settings from a file and `key=value` overrides, checked by name.
//! - [`arm`]: where the arm is: simulated here, or behind a robot server.
//! - [`policy`]: one interface for whatever acts (every agent and baseline), and one episode loop.
//! - [`eval_run`]: a predictive run evaluated against its baselines, as `byfeel eval` does.
//! - [`report`]: the evaluation reports (`report.md`, `report.json`) for every kind of run.
//! - [`metrics`]: every trainer's epoch logs (CSV, JSON lines, TensorBoard).
//! - [`tensorboard`]: scalars in TensorBoard's event-file format.

pub mod arm;
pub mod cem;
pub mod eval;
pub mod eval_run;
pub mod face_probe;
pub mod her;
pub mod memory;
pub mod metrics;
pub mod policy;
pub mod predictive;
pub mod predictor;
pub mod report;
pub mod sac;
pub mod settings;
mod run_dir;
pub mod skewfit;
pub mod tensorboard;
pub mod vice;
pub mod world_model;

use burn::prelude::*;

pub use cem::{Cem, CemConfig, Plan};
pub use predictive::PredictiveAgent;
pub use run_dir::checkpoint_steps;

/// What can go wrong in an agent.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The experience store could not be opened or read.
    #[error(transparent)]
    Store(#[from] byfeel_gym::store::StoreError),
    /// A file could not be read or written (the message names it).
    #[error("{0}")]
    Io(String),
    /// A setting, checkpoint or store that does not fit what was asked.
    #[error("{0}")]
    Config(String),
    /// The environment refused a setting or a step.
    #[error(transparent)]
    Env(#[from] byfeel_gym::EnvError),
    /// A step's `info` lacked a metric the caller relies on.
    #[error(transparent)]
    Info(#[from] byfeel_gym::info::MissingInfo),
}

/// An I/O (or encoding) failure at `path`, naming it.
pub(crate) fn io_error(path: &std::path::Path, e: impl std::fmt::Display) -> AgentError {
    AgentError::Io(format!("{}: {e}", path.display()))
}

/// Writes `bytes` to `dir/name` through a temporary file renamed into place, so the file is
/// always either its old or its new self.
pub(crate) fn write_replacing(
    dir: &std::path::Path,
    name: &str,
    bytes: &[u8],
) -> Result<(), AgentError> {
    let temp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&temp, bytes).map_err(|e| io_error(&temp, e))?;
    std::fs::rename(&temp, dir.join(name)).map_err(|e| io_error(dir, e))
}

/// The device agents run on: burn's pure-Rust CPU backend (flex), unless `BURN_DEVICE` names
/// another or the `gpu` feature adds one.
pub fn default_device() -> Device {
    Device::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tensor_adds_on_the_default_device() {
        let device = default_device();
        let a = Tensor::<1>::from_floats([1.0, 2.0], &device);
        let b = a.clone() + a;
        assert_eq!(b.into_data().try_to_vec::<f32>().unwrap(), vec![2.0, 4.0]);
    }
}
