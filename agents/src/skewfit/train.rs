//! Skew-Fit's training loop, read top to bottom (`train`): each epoch the robot explores toward
//! goals it proposed itself, the VAE is fitted to a skewed sample of everything seen, every
//! image's latent and density are refreshed, and SAC learns to reach relabelled goals in the
//! latent space. Nothing is reset: the arm and the door stay where the last episode left them.
//!
//! A run directory holds `skewfit.json` (the configuration), `scalars.csv`, `log.jsonl` and
//! TensorBoard event files (one entry per epoch), `vae.bpk` plus `sac/` (the latest networks)
//! and `checkpoint/` (what a resume needs).

use std::path::Path;
use std::time::Instant;

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use byfeel_gym::{Env, ResetOptions};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::checkpoint::{self, LoopState};
use super::config::{SkewFitConfig, read_config};
use super::coverage::coverage;
use super::task::SkewFitTask;
use super::eval::{EVAL_SEED, EvalResult, evaluate};
use super::relabel::latent_reward;
use super::replay::Replay;
use crate::sac::{Sac, SacStats, Transitions};
use super::skew::{skew_weights, weight_evenness};
use super::vae::{IMAGE_SIDE, Vae};
use crate::predictor::latent::standard_normal;
use crate::metrics::{Metric, MetricsLog, listed, plotted};
use crate::{AgentError, run_dir};

/// One epoch's row of `scalars.csv`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EpochLog {
    /// The epoch's number, from 0.
    pub epoch: usize,
    /// Environment steps taken so far, this epoch's included.
    pub env_steps: usize,
    /// The epoch's last VAE batch: ½ the summed squared pixel error (pixels in [0, 1]), per image.
    pub vae_reconstruction: f32,
    /// The epoch's last VAE batch: KL divergence of q(z | x) from the prior, nats per image.
    pub vae_kl: f32,
    /// The epoch's last SAC update; `None` during warm-up.
    pub sac: Option<SacStats>,
    /// Entropy of the door angles reached so far, over 20 bins, divided by log 20 (1: every
    /// angle equally often).
    pub angle_coverage: f64,
    /// Largest door angle reached so far.
    pub max_angle: f64,
    /// Steps so far with the door in each of the 20 angle bins (0–1.05 rad), so that the
    /// coverage of any stretch of the run is the difference of two rows.
    #[serde(default)]
    pub angle_counts: Vec<usize>,
    /// Evenness of the skewed weights (1: uniform).
    pub skew_evenness: f64,
    /// The policy on the fixed evaluation goals; `None` when `eval_goals` is 0.
    pub eval: Option<EvalResult>,
    /// Seconds since the run began, resumed runs counting their earlier time.
    pub seconds: f64,
}

/// Images (RGB bytes, 48 × 48) as a `[B, 3, 48, 48]` tensor in [0, 1].
pub fn images_to_tensor(images: &[&[u8]], device: &Device) -> Tensor<4> {
    crate::predictive::image_batch(images, IMAGE_SIDE, IMAGE_SIDE, device)
}

/// The RGB bytes of an image observation `key` (e.g. `image_observation`).
pub fn image(obs: &byfeel_gym::Observation, key: &str) -> Result<Vec<u8>, AgentError> {
    obs.get(key)
        .and_then(|a| a.as_u8())
        .map(|v| v.to_vec())
        .ok_or_else(|| AgentError::Config(format!("the door env gave no {key}")))
}


/// Latents (the VAE's means) of every frame, in batches.
pub(crate) fn encode_all(vae: &Vae, replay: &Replay, device: &Device) -> Vec<f32> {
    encode_from(vae, replay, 0, device)
}

/// The latents of the replay's frames from `first` on, in order.
pub(crate) fn encode_from(vae: &Vae, replay: &Replay, first: usize, device: &Device) -> Vec<f32> {
    let frames = replay.num_frames().saturating_sub(first);
    let mut out = Vec::with_capacity(frames * vae.latent_len());
    let all: Vec<usize> = (first..replay.num_frames()).collect();
    for chunk in all.chunks(256) {
        let imgs: Vec<&[u8]> = chunk.iter().map(|&i| replay.frame(i)).collect();
        let z = vae.embed(images_to_tensor(&imgs, device));
        out.extend(z.into_data().try_to_vec::<f32>().expect("f32 latents"));
    }
    out
}

/// Runs Skew-Fit on the door for `config.env_steps`, writing to `run`; `on_epoch` sees each
/// epoch's log as it is written.
pub fn train(
    config: &SkewFitConfig,
    run: &Path,
    on_epoch: impl FnMut(&EpochLog),
) -> Result<(Vae, Sac), AgentError> {
    train_on(config, run, None, on_epoch)
}

/// [`train`] with the arm of the robot server at `robot` (`HOST:PORT`) exploring, or this
/// process's simulator when `None`. Evaluations during training pose their goals in this
/// process's simulator; a resume replays the run's actions on the arm, which a served
/// simulator on the lockstep clock repeats exactly.
pub fn train_on(
    config: &SkewFitConfig,
    run: &Path,
    robot: Option<&str>,
    mut on_epoch: impl FnMut(&EpochLog),
) -> Result<(Vae, Sac), AgentError> {
    config.check().map_err(AgentError::Config)?;
    let io = |e: &dyn std::fmt::Display| AgentError::Io(format!("{}: {e}", run.display()));
    std::fs::create_dir_all(run).map_err(|e| io(&e))?;
    run_dir::refuse_other_settings(run, "skewfit.json", config, |old: SkewFitConfig| {
        SkewFitConfig {
            env_steps: config.env_steps,
            ..old
        }
    })?;
    // Before anything is written: a resume on a changed door must leave the run as it was.
    super::scene::record_or_check(run)?;
    std::fs::write(
        run.join("skewfit.json"),
        serde_json::to_string_pretty(config).unwrap(),
    )
    .map_err(|e| io(&e))?;

    // The run's task: its environment and how coverage of its goals is measured.
    let task = SkewFitTask::door();
    let device = crate::default_device().autodiff();
    device.seed(config.seed);
    let latent = config.vae.latent;
    let (mut state, mut vae, mut vae_opt, mut sac, mut replay, mut env) =
        match checkpoint::load_on(run, config, &device, robot)? {
            Some(r) => (r.state, r.vae, r.vae_opt, r.sac, r.replay, r.env),
            None => {
                let vae = config.vae.init(&device);
                let mut env = task.env_on(robot)?;
                let (obs, _) = env
                    .reset(Some(config.seed), &ResetOptions::default())
                    .map_err(AgentError::from)?;
                let mut replay = Replay::new(IMAGE_SIDE * IMAGE_SIDE * 3, 3, latent);
                replay.push_frame(&image(&obs, "image_observation")?, false);
                let state = LoopState {
                    epoch: 0,
                    env_steps: 0,
                    episode_step: 0,
                    angles: vec![0; task.coverage.bins],
                    max_angle: 0.0,
                    goal_latent: vec![0.0; latent],
                    seconds: 0.0,
                };
                let sac = Sac::new(config.sac.clone(), 2 * latent, 3, &device);
                (state, vae, AdamConfig::new().init(), sac, replay, env)
            }
        };
    // Logs keep the epochs the checkpoint covers; a resumed run rewrites the rest.
    let mut metrics = MetricsLog::open(run, state.epoch, METRICS)?;
    let start = Instant::now() - std::time::Duration::from_secs_f64(state.seconds);
    let episode_len = env.spec().max_episode_steps;

    while state.env_steps < config.env_steps {
        let epoch = state.epoch;
        let mut rng = run_dir::epoch_rng(config.seed, epoch);
        // 1. Explore toward self-proposed goals (encoding without building a gradient graph).
        let encoder = vae.valid();
        for _ in 0..config
            .steps_per_epoch
            .min(config.env_steps - state.env_steps)
        {
            let current = replay.num_frames() - 1;
            if state.episode_step == 0 {
                let goal = replay.draw_frame(&mut rng);
                replay.begin_episode(current, goal);
                state.goal_latent = embed_one(&encoder, replay.frame(goal), &encoder.devices()[0]);
            }
            let action: Vec<f32> = if state.env_steps < config.warmup_steps {
                (0..3).map(|_| rng.random_range(-1.0..1.0)).collect()
            } else {
                let mut o = embed_one(&encoder, replay.frame(current), &encoder.devices()[0]);
                o.extend_from_slice(&state.goal_latent);
                sac.act(&o, Some(rng.random()))
            };
            let t = env
                .step(&action)
                .map_err(AgentError::from)?;
            replay.push_step(&action, &image(&t.observation, "image_observation")?);
            let achieved = t.observation.get("achieved_goal").and_then(|a| a.as_f32());
            if let Some(v) = achieved.and_then(|a| task.coverage.value(a)) {
                state.max_angle = state.max_angle.max(v);
                state.angles[task.coverage.bin(v)] += 1;
            }
            state.env_steps += 1;
            state.episode_step += 1;
            if t.truncated || state.episode_step >= episode_len {
                // Reset-free: only a new goal is proposed; the frame stays where it is.
                env.reset(None, &ResetOptions::default())
                    .map_err(AgentError::from)?;
                state.episode_step = 0;
            }
        }

        // 2–4. Fit the VAE, refresh latents and skew, and update SAC.
        let warm = state.env_steps >= config.warmup_steps;
        let learned;
        (vae, learned) = learn(config, epoch, warm, vae, &mut vae_opt, &mut sac, &mut replay, &mut rng)?;
        let Learned { recon, kl, evenness, stats, inference } = learned;

        let eval = (config.eval_goals > 0)
            .then(|| evaluate(&inference, &sac, config.eval_goals, EVAL_SEED, 0).map(|r| r.0))
            .transpose()?;
        let counts: Vec<f64> = state.angles.iter().map(|&n| n as f64).collect();
        let entry = EpochLog {
            epoch,
            env_steps: state.env_steps,
            vae_reconstruction: recon,
            vae_kl: kl,
            sac: stats,
            angle_coverage: coverage(&counts),
            max_angle: state.max_angle,
            angle_counts: state.angles.clone(),
            skew_evenness: evenness,
            eval,
            seconds: start.elapsed().as_secs_f64(),
        };
        metrics.write(&entry, entry.env_steps, &metric_values(&entry))?;
        inference
            .clone()
            .into_record()
            .save(run.join("vae.bpk"))
            .map_err(|e| io(&e))?;
        sac.save(&run.join("sac"))?;
        state.epoch += 1;
        state.seconds = entry.seconds;
        let last = state.env_steps >= config.env_steps;
        if last || state.epoch % config.checkpoint_every.max(1) == 0 {
            checkpoint::save(run, &state, &vae, &vae_opt, &sac, &replay)?;
        }
        on_epoch(&entry);
    }
    Ok((vae.valid(), sac))
}

/// What one round of learning left: the VAE's last batch, the skew, SAC's last update.
pub(crate) struct Learned {
    /// ½ the summed squared pixel error per image, of the last VAE batch.
    pub recon: f32,
    /// The last VAE batch's KL divergence, nats per image.
    pub kl: f32,
    /// Evenness of the skewed weights (1: uniform, or no skew yet).
    pub evenness: f64,
    /// SAC's last update; `None` before warm-up ends.
    pub stats: Option<SacStats>,
    /// The fitted VAE, without gradients, for encoding.
    pub inference: Vae,
}

/// Skew-Fit's learning after an epoch of exploration: 2. the VAE fitted (on skewed batches
/// once the skew is on), 3. every frame's latent and the skewed weights refreshed, 4. SAC
/// updated on relabelled goals once `warm` (past warm-up).
#[allow(clippy::too_many_arguments)]
pub(crate) fn learn(
    config: &SkewFitConfig,
    epoch: usize,
    warm: bool,
    mut vae: Vae,
    vae_opt: &mut burn::optim::ModuleOptimizer,
    sac: &mut Sac,
    replay: &mut Replay,
    rng: &mut ChaCha8Rng,
) -> Result<(Vae, Learned), AgentError> {
    let device = vae.devices()[0].clone();
    let latent = config.vae.latent;
    let skewing = epoch >= config.skew_after_epoch && config.alpha != 0.0;
    let batches = if epoch < config.skew_after_epoch {
        config.vae_batches_early
    } else {
        config.vae_batches_late
    };
    let (mut recon, mut kl) = (0.0f32, 0.0f32);
    for _ in 0..batches {
        let picks: Vec<&[u8]> = (0..config.vae_batch)
            .map(|_| replay.frame(replay.draw_frame(rng)))
            .collect();
        let noise = standard_normal(rng, [picks.len(), latent], &device);
        let loss = vae.loss(images_to_tensor(&picks, &device), noise);
        recon = loss.reconstruction.clone().into_scalar();
        kl = loss.kl.clone().into_scalar();
        let grads = GradientsParams::from_grads(loss.loss.backward(), &vae);
        vae = vae_opt.step(config.vae_lr, vae, grads);
    }

    let inference = vae.valid();
    let latents = encode_all(&inference, replay, &inference.devices()[0]);
    let mut evenness = 1.0;
    let weights = if skewing {
        let log_q = log_densities(
            &inference,
            replay,
            replay.state_frames(),
            config.density_samples,
            rng,
        );
        let w = skew_weights(&log_q, config.alpha).map_err(AgentError::Config)?;
        evenness = weight_evenness(&w);
        Some(w)
    } else {
        None
    };
    replay
        .refresh(latents, weights.as_deref())
        .map_err(AgentError::Config)?;

    let mut stats = None;
    if warm {
        for _ in 0..config.updates_per_epoch {
            stats = Some(sac.update(sac_batch(replay, config, rng, &device)));
        }
    }
    let learned = Learned { recon, kl, evenness, stats, inference };
    Ok((vae, learned))
}

/// log q̂ of each of `frames` (replay indices), estimated from `samples` latents, in batches
/// of 128 images.
pub fn log_densities(
    vae: &Vae,
    replay: &Replay,
    frames: &[usize],
    samples: usize,
    rng: &mut impl Rng,
) -> Vec<f64> {
    let mut log_q = Vec::with_capacity(frames.len());
    for chunk in frames.chunks(128) {
        let imgs: Vec<&[u8]> = chunk.iter().map(|&i| replay.frame(i)).collect();
        let t = images_to_tensor(&imgs, &vae.devices()[0]);
        log_q.extend(vae.log_density(t, samples, rng));
    }
    log_q
}

/// The latent (the VAE's mean) of one 48 × 48 RGB image.
pub fn embed_one(vae: &Vae, img: &[u8], device: &Device) -> Vec<f32> {
    vae.embed(images_to_tensor(&[img], device))
        .into_data()
        .try_to_vec::<f32>()
        .expect("f32 latent")
}

/// A batch of transitions with goals from the relabelling mix and rewards −‖z′ − z_goal‖.
fn sac_batch(
    replay: &Replay,
    config: &SkewFitConfig,
    rng: &mut ChaCha8Rng,
    device: &Device,
) -> Transitions {
    let b = config.sac.batch;
    let d = replay.latent_dim;
    let sources = config.relabel.sources(b, rng);
    let (mut obs, mut next, mut actions, mut rewards) = (vec![], vec![], vec![], vec![]);
    for source in sources {
        let s = rng.random_range(0..replay.num_steps());
        let (before, after) = replay.step_frames(s);
        let goal = replay.latent(replay.goal_frame(s, source, rng));
        let (z, z_next) = (replay.latent(before), replay.latent(after));
        obs.extend_from_slice(z);
        obs.extend_from_slice(goal);
        next.extend_from_slice(z_next);
        next.extend_from_slice(goal);
        actions.extend_from_slice(&replay.actions[s * 3..s * 3 + 3]);
        rewards.push(latent_reward(z_next, goal));
    }
    let t = |v: Vec<f32>, cols| Tensor::<2>::from_data(TensorData::new(v, [b, cols]), device);
    Transitions {
        obs: t(obs, 2 * d),
        actions: t(actions, 3),
        rewards: t(rewards, 1),
        next_obs: t(next, 2 * d),
        // Reset-free: no state is terminal.
        dones: Tensor::zeros([b, 1], device),
    }
}

/// What an epoch reports: `scalars.csv`'s columns and the TensorBoard tags (against
/// environment steps).
pub(crate) const METRICS: &[Metric] = &[
    listed("epoch"),
    listed("env_steps"),
    plotted("vae_reconstruction", "vae/reconstruction"),
    plotted("vae_kl", "vae/kl"),
    plotted("q_loss", "sac/q_loss"),
    plotted("policy_loss", "sac/policy_loss"),
    plotted("sac_alpha", "sac/alpha"),
    plotted("entropy", "sac/entropy"),
    plotted("angle_coverage", "exploration/angle_coverage"),
    plotted("max_angle", "exploration/max_angle"),
    plotted("skew_evenness", "skew/evenness"),
    plotted("eval_angle_error", "eval/angle_error"),
    plotted("eval_hand_distance", "eval/hand_distance"),
    plotted("eval_success", "eval/success"),
    listed("seconds"),
];

/// The epoch's values for [`METRICS`], in order.
pub(crate) fn metric_values(e: &EpochLog) -> Vec<Option<f64>> {
    let (s, ev) = (e.sac.as_ref(), e.eval.as_ref());
    vec![
        Some(e.epoch as f64),
        Some(e.env_steps as f64),
        Some(e.vae_reconstruction as f64),
        Some(e.vae_kl as f64),
        s.map(|s| s.q_loss as f64),
        s.map(|s| s.policy_loss as f64),
        s.map(|s| s.alpha as f64),
        s.map(|s| s.entropy as f64),
        Some(e.angle_coverage),
        Some(e.max_angle),
        Some(e.skew_evenness),
        ev.map(|v| v.angle_error),
        ev.map(|v| v.hand_distance),
        ev.map(|v| v.success),
        Some((e.seconds * 10.0).round() / 10.0),
    ]
}

/// Loads a run's configuration, VAE and policy (on an autodiff device), to act or evaluate,
/// refusing a run that trained on another door than the scene file gives now. A shipped run
/// carries only these: `skewfit.json`, `scene.json`, `vae.bpk`, `sac/sac.json`,
/// `sac/actor.bpk`.
pub fn load(run: &Path) -> Result<(SkewFitConfig, Vae, Sac), AgentError> {
    let io = |e: &dyn std::fmt::Display| AgentError::Io(format!("{}: {e}", run.display()));
    let config = read_config(run)?;
    super::scene::check(run)?;
    let device = crate::default_device();
    let record = burn::store::ModuleRecord::load(run.join("vae.bpk")).map_err(|e| io(&e))?;
    let vae = config.vae.init(&device).load_record(record);
    let sac = Sac::load_policy(&run.join("sac"), &device.autodiff())?;
    Ok((config, vae, sac))
}
