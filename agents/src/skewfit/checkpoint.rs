//! A Skew-Fit run's checkpoint: everything needed to continue exactly where it stopped.
//!
//! `checkpoint/` holds the replay (every frame and action), the VAE and its optimizer, SAC
//! (networks, optimizers, update count) and `state.json` (the loop's counters). The simulator is
//! not saved: it is deterministic, so a resume replays the stored actions from the run's seed
//! and checks that it arrives at the stored last frame. A checkpoint is written whole into
//! `checkpoint.tmp/` and then swapped in, so a run killed while saving keeps the previous one.

use std::path::Path;

use burn::optim::{AdamConfig, ModuleOptimizer};
use burn::prelude::*;
use burn::store::ModuleRecord;
use byfeel_gym::{Env, Observation, ResetOptions, Robot};
use serde::{Deserialize, Serialize};

use super::config::SkewFitConfig;
use super::replay::{Replay, Replayed};
use crate::sac::Sac;
use super::task::SkewFitTask;
use super::train::image;
use super::vae::Vae;
use crate::arm::ArmEnv;
use crate::{AgentError, io_error as io, run_dir};

/// The loop's counters at the end of an epoch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoopState {
    /// The next epoch to run.
    pub epoch: usize,
    /// Environment steps taken so far.
    pub env_steps: usize,
    /// Steps into the current episode.
    pub episode_step: usize,
    /// Steps so far with the door in each of the 20 angle bins (0–1.05 rad).
    pub angles: Vec<usize>,
    /// Largest door angle reached so far, rad.
    pub max_angle: f64,
    /// The latent of the goal image the current episode chases.
    pub goal_latent: Vec<f32>,
    /// Wall-clock seconds the run has taken so far.
    pub seconds: f64,
}

/// Writes the run's checkpoint (replay, VAE and its optimizer, SAC, `state`) whole, replacing the
/// previous one only once it is complete.
pub fn save(
    run: &Path,
    state: &LoopState,
    vae: &Vae,
    vae_opt: &ModuleOptimizer,
    sac: &Sac,
    replay: &Replay,
) -> Result<(), AgentError> {
    let tmp = run_dir::begin_checkpoint(run)?;
    run_dir::write(&tmp, "replay.bin", &replay.to_bytes())?;
    save_networks(&tmp, vae, vae_opt, sac)?;
    run_dir::commit_checkpoint(run, state)
}

/// Writes the networks a checkpoint holds into `dir`: the VAE (`vae.bpk`), its optimizer
/// (`vae_opt.bin`) and SAC with its optimizers (`sac/`).
pub(crate) fn save_networks(
    dir: &Path,
    vae: &Vae,
    vae_opt: &ModuleOptimizer,
    sac: &Sac,
) -> Result<(), AgentError> {
    let weights = vae
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| io(dir, e))?;
    run_dir::write(dir, "vae.bpk", &weights)?;
    run_dir::write(dir, "vae_opt.bin", &vae_opt.into_bytes().map_err(|e| io(dir, e))?)?;
    sac.save(&dir.join("sac"))
}

/// Reads what [`save_networks`] wrote into `dir`, on an autodiff `device`.
pub(crate) fn load_networks(
    dir: &Path,
    config: &SkewFitConfig,
    device: &Device,
) -> Result<(Vae, ModuleOptimizer, Sac), AgentError> {
    let record =
        ModuleRecord::load(dir.join("vae.bpk")).map_err(|e| io(&dir.join("vae.bpk"), e))?;
    let vae = config.vae.init(device).load_record(record);
    let vae_opt = AdamConfig::new()
        .init()
        .from_bytes(burn::tensor::Bytes::from_bytes_vec(run_dir::read(dir, "vae_opt.bin")?))
        .map_err(|e| io(&dir.join("vae_opt.bin"), e))?;
    Ok((vae, vae_opt, Sac::load(&dir.join("sac"), device)?))
}

/// What a resumed run continues with.
pub struct Resumed {
    /// The loop's counters.
    pub state: LoopState,
    /// The VAE as it was saved.
    pub vae: Vae,
    /// The VAE's optimizer, with its moment estimates.
    pub vae_opt: ModuleOptimizer,
    /// The SAC agent, with its optimizers and update count.
    pub sac: Sac,
    /// Every frame and action of the run so far.
    pub replay: Replay,
    /// The door environment, brought back to the run's last frame.
    pub env: ArmEnv,
}

/// Loads the run's checkpoint (None if it has none) and brings a fresh simulator to where the
/// run left it by replaying its actions.
pub fn load(
    run: &Path,
    config: &SkewFitConfig,
    device: &Device,
) -> Result<Option<Resumed>, AgentError> {
    load_with(run, config, device, |_, _| {})
}

/// [`load`] on the arm of the robot server at `robot`, or this process's simulator when
/// `None`. Only a simulated arm can be brought back by replaying the run's actions: on any
/// other the resume is refused.
pub fn load_on(
    run: &Path,
    config: &SkewFitConfig,
    device: &Device,
    robot: Option<&str>,
) -> Result<Option<Resumed>, AgentError> {
    load_inner(run, config, device, robot, |_, _| {})
}

/// [`load`], with the state after every stored step as the simulator replayed it: the door's
/// angle and the hand's x, y, z (the task's `achieved_goal`), which the replay, keeping only
/// images, cannot tell. For tools that ask what a run's frames show.
pub fn load_with_states(
    run: &Path,
    config: &SkewFitConfig,
    device: &Device,
) -> Result<Option<(Resumed, Vec<[f32; 4]>)>, AgentError> {
    let mut states = vec![];
    let mut missing = None;
    let resumed = load_with(run, config, device, |s, obs| {
        match obs.get("achieved_goal").and_then(|a| a.as_f32()) {
            Some(a) if a.len() >= 4 => states.push([a[0], a[1], a[2], a[3]]),
            _ => {
                missing.get_or_insert(s);
            }
        }
    })?;
    if let Some(s) = missing {
        return Err(io(
            run,
            format!("replayed step {s} has no door angle and hand position (achieved_goal)"),
        ));
    }
    Ok(resumed.map(|r| (r, states)))
}

/// [`load`], calling `each` with every replayed step's index and observation on the way: what
/// the simulator knows of each stored frame (the door's angle, the hand's place), which the
/// replay itself does not keep.
pub fn load_with(
    run: &Path,
    config: &SkewFitConfig,
    device: &Device,
    each: impl FnMut(usize, &Observation),
) -> Result<Option<Resumed>, AgentError> {
    load_inner(run, config, device, None, each)
}

fn load_inner(
    run: &Path,
    config: &SkewFitConfig,
    device: &Device,
    robot: Option<&str>,
    mut each: impl FnMut(usize, &Observation),
) -> Result<Option<Resumed>, AgentError> {
    let Some((dir, state)) = run_dir::open_checkpoint::<LoopState>(run)? else {
        return Ok(None);
    };
    let read = |name: &str| run_dir::read(&dir, name);
    let replay =
        Replay::from_bytes(&read("replay.bin")?).map_err(|e| io(&dir.join("replay.bin"), e))?;
    if replay.num_steps() != state.env_steps {
        return Err(io(
            &dir,
            format!(
                "the replay holds {} steps, the state says {}",
                replay.num_steps(),
                state.env_steps
            ),
        ));
    }
    let (vae, vae_opt, sac) = load_networks(&dir, config, device)?;

    // Replays the run's actions from its seed: the simulator is deterministic, so this is where
    // the run left the arm and the door.
    let mut env = SkewFitTask::door().env_on(robot)?;
    if env.robot().simulator().is_none() {
        return Err(io(
            &dir,
            "this arm is not simulated, so the run's actions cannot be replayed to bring it \
             back to where the run left it; start a new run (another --out)",
        ));
    }
    let err = AgentError::Env;
    let episode_len = env.spec().max_episode_steps;
    let last_episode = replay.episodes.len().saturating_sub(1);
    if let Some(i) = (0..last_episode).find(|&i| replay.episodes[i].steps < episode_len) {
        let steps = replay.episodes[i].steps;
        return Err(io(&dir, format!("episode {i} ended early, at {steps} steps")));
    }
    env.reset(Some(config.seed), &ResetOptions::default())
        .map_err(err)?;
    let mut last = None;
    replay.walk(&mut env, &ResetOptions::default(), |_, seen| {
        if let Replayed::Step(s, obs) = seen {
            each(s, obs);
            if s + 1 == replay.num_steps() {
                last = Some(image(obs, "image_observation")?);
            }
        }
        Ok(())
    })?;
    if state.episode_step == 0 && !replay.episodes.is_empty() {
        env.reset(None, &ResetOptions::default()).map_err(err)?;
    }
    if let Some(now) = last {
        if now != replay.frame(replay.num_frames() - 1) {
            return Err(io(
                &dir,
                "replaying the stored actions did not reach the stored last frame; \
                 the simulator or its assets changed since this run was saved",
            ));
        }
    }
    Ok(Some(Resumed {
        state,
        vae,
        vae_opt,
        sac,
        replay,
        env,
    }))
}
