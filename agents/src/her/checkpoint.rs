//! The baseline's checkpoint: `checkpoint/` holds every action taken (`actions.bin`, f32
//! little-endian), SAC (networks, optimizers, update count) and `state.json` (the loop's
//! counters and where the walk stood). Like Skew-Fit's, it keeps no simulator state: the door is
//! deterministic, so a resume replays the actions from the run's seed, which also rebuilds every
//! stored transition, and checks that it arrives where the run stopped.

use std::path::Path;

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::HerConfig;
use super::replay::{ACTION, Walk};
use crate::sac::Sac;
use crate::{AgentError, io_error as io, run_dir};

/// The loop's counters at the end of an epoch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct HerState {
    /// The next epoch to run.
    pub epoch: usize,
    pub env_steps: usize,
    /// Wall-clock seconds the run has taken so far.
    pub seconds: f64,
    /// Where the walk stood (hand xyz, door angle) and the goal it was chasing; in f64, which
    /// JSON carries exactly.
    pub state: Vec<f64>,
    pub goal: Vec<f64>,
}

impl HerState {
    /// Notes where `walk` stands.
    pub fn stand(&mut self, walk: &Walk) {
        self.state = widen(&walk.state);
        self.goal = widen(&walk.goal);
    }
}

fn widen(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

pub(crate) fn save(run: &Path, state: &HerState, sac: &Sac, walk: &Walk) -> Result<(), AgentError> {
    let tmp = run_dir::begin_checkpoint(run)?;
    let write = |name: &str, bytes: &[u8]| run_dir::write(&tmp, name, bytes);
    let actions: Vec<u8> = walk
        .replay
        .actions
        .iter()
        .flat_map(|a| a.to_le_bytes())
        .collect();
    write("actions.bin", &actions)?;
    sac.save(&tmp.join("sac"))?;
    run_dir::commit_checkpoint(run, state)
}

/// Loads the run's checkpoint (None if it has none) and walks a fresh door through the stored
/// actions to where the run left it.
pub(crate) fn load(
    run: &Path,
    config: &HerConfig,
    device: &Device,
    robot: Option<&str>,
) -> Result<Option<(HerState, Sac, Walk)>, AgentError> {
    let Some((dir, state)) = run_dir::open_checkpoint::<HerState>(run)? else {
        return Ok(None);
    };
    let bytes = run_dir::read(&dir, "actions.bin")?;
    if bytes.len() != state.env_steps * ACTION * 4 {
        return Err(io(
            &dir.join("actions.bin"),
            format!(
                "holds {} bytes, but {} steps of {ACTION} actions need {}",
                bytes.len(),
                state.env_steps,
                state.env_steps * ACTION * 4
            ),
        ));
    }
    let sac = Sac::load(&dir.join("sac"), device)?;
    let mut walk = Walk::start(config.dense_reward, config.seed, robot)?;
    for action in bytes.chunks_exact(ACTION * 4) {
        let a: Vec<f32> = action
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        walk.step(&a)?;
    }
    if widen(&walk.state) != state.state || widen(&walk.goal) != state.goal {
        return Err(io(
            &dir,
            "replaying the stored actions did not reach the stored state; \
             the simulator or its assets changed since this run was saved",
        ));
    }
    Ok(Some((state, sac, walk)))
}
