//! The VICE loop, read top to bottom: each epoch the robot explores with SAC, a VAE learns the
//! images it sees (SAC acts on its latents), the classifier learns the examples against what the
//! robot did, every image's reward is refreshed from the classifier, SAC learns from them, and
//! every few epochs the labeller is asked about the visited image the classifier rates highest.

use std::path::Path;
use std::time::Instant;

use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use byfeel_gym::{Env, EnvConfig, ObsMode, OracleState, ResetOptions, Robot, Success, Task};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::checkpoint;
use super::classifier::{Classifier, IMAGE_SIDE};
use super::config::{ClassifierLoss, RewardSource, ViceConfig};
use super::labels::{Examples, Labeller, Query};
use super::log::{METRICS, ViceEpoch, metric_values};
use super::loss::{binary_loss, mixup, vice_loss};
use crate::arm::ArmEnv;
use crate::metrics::MetricsLog;
use crate::predictor::latent::standard_normal;
use crate::sac::{Sac, Transitions};
use crate::skewfit::replay::Replay;
use crate::skewfit::train::{encode_from, image, images_to_tensor};
use crate::skewfit::vae::Vae;
use crate::{AgentError, run_dir};

/// The loop's counters at the end of an epoch (what a checkpoint keeps besides the networks).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ViceState {
    /// The next epoch to run.
    pub epoch: usize,
    /// Environment steps so far.
    pub env_steps: usize,
    /// Steps into the current episode.
    pub episode_step: usize,
    /// "Yes" answers so far.
    pub yes: usize,
    /// Wall-clock seconds so far.
    pub seconds: f64,
}

/// Everything the loop carries: the networks, their optimizers, the replay, the examples.
pub struct Learner {
    /// The loop's counters.
    pub state: ViceState,
    /// The success classifier (its logit is the reward).
    pub classifier: Classifier,
    /// The classifier's optimizer.
    pub classifier_opt: ModuleOptimizer,
    /// The encoder SAC acts through.
    pub vae: Vae,
    /// The VAE's optimizer.
    pub vae_opt: ModuleOptimizer,
    /// The policy and critics.
    pub sac: Sac,
    /// Every image and action of the run.
    pub replay: Replay,
    /// The examples and the answers so far.
    pub examples: Examples,
    /// The environment, where the run left it.
    pub env: ArmEnv,
    /// The simulator's truth after every frame (empty without a simulator).
    pub truths: Vec<OracleState>,
}

/// The environment VICE trains in: images of the task's camera, 48 × 48.
pub fn vice_env(config: &ViceConfig) -> Result<ArmEnv, AgentError> {
    let task = config.task().map_err(AgentError::Config)?;
    let side = IMAGE_SIDE as u32;
    let env_config = EnvConfig::new(task)
        .obs_mode(ObsMode::Goal)
        .image_size(side, side);
    crate::arm::env_on(env_config, None)
}

/// How an episode ends: by default the door carries on from where it is and the cup starts
/// over; `reset_free` says otherwise.
pub fn next_episode(config: &ViceConfig) -> ResetOptions {
    let reset_free = config
        .reset_free
        .unwrap_or(config.task().ok() == Some(Task::DoorOpen));
    ResetOptions {
        hard_reset: !reset_free,
    }
}

/// The simulator's truth now, if the env's arm is simulated.
pub fn truth_of(env: &ArmEnv) -> Option<OracleState> {
    env.robot().simulator().map(|s| s.truth())
}

/// Trains VICE (or the plain classifier) into `run` from the pictures of success in `positives`.
/// `judge` says what success is by the simulator's truth, for the logs only; `labeller`
/// answers the questions asked every `query_every` epochs. A run directory that already holds
/// this run is resumed exactly where it stopped.
pub fn train_vice(
    config: &ViceConfig,
    positives: Vec<Vec<u8>>,
    run: &Path,
    judge: Option<Success>,
    mut labeller: Option<&mut dyn Labeller>,
    mut on_epoch: impl FnMut(&ViceEpoch),
) -> Result<(Classifier, Sac), AgentError> {
    config.check().map_err(AgentError::Config)?;
    if positives.is_empty()
        || positives
            .iter()
            .any(|p| p.len() != IMAGE_SIDE * IMAGE_SIDE * 3)
    {
        return Err(AgentError::Config(format!(
            "VICE needs pictures of success of {IMAGE_SIDE} x {IMAGE_SIDE} RGB"
        )));
    }
    let task = config.task().map_err(AgentError::Config)?;
    if let Some(j) = judge.filter(|j| j.scene() != task.scene()) {
        return Err(AgentError::Config(format!(
            "the examples show the {} scene (their examples.toml says {j:?}) and the task {} \
             is in the {} scene: choose the task they show",
            j.scene(),
            task.name(),
            task.scene()
        )));
    }
    let io = |e: &dyn std::fmt::Display| AgentError::Io(format!("{}: {e}", run.display()));
    std::fs::create_dir_all(run).map_err(|e| io(&e))?;
    run_dir::refuse_other_settings(run, "vice.json", config, |old: ViceConfig| ViceConfig {
        env_steps: config.env_steps,
        ..old
    })?;
    if config.reward == RewardSource::Oracle && judge.is_none() {
        return Err(AgentError::Config(
            "the oracle reward needs to know what success is: give examples whose folder says \
             what they show (examples.toml, written by `byfeel examples`)"
                .into(),
        ));
    }
    if let Some(j) = &judge {
        // `byfeel eval` judges the run by what its examples showed.
        super::examples::write_judge(run, j)?;
    }
    let device = crate::default_device().autodiff();
    device.seed(config.seed);
    let resumed = checkpoint::load(run, config, &device)?;
    std::fs::write(
        run.join("vice.json"),
        serde_json::to_string_pretty(config).unwrap(),
    )
    .map_err(|e| io(&e))?;
    let mut l = match resumed {
        Some(l) => l,
        None => start(config, positives, &device)?,
    };
    let mut metrics = MetricsLog::open(run, l.state.epoch, METRICS)?;
    let start_time = Instant::now() - std::time::Duration::from_secs_f64(l.state.seconds);
    while l.state.env_steps < config.env_steps {
        let mut rng = run_dir::epoch_rng(config.seed, l.state.epoch);
        let first_new = l.replay.num_frames();
        let judged = explore(config, &mut l, judge.as_ref(), &mut rng)?;
        fit_vae(config, &mut l, &mut rng, &device);
        let encoder = l.vae.valid();
        // A frozen VAE's latents of earlier epochs' frames cannot change: only the epoch's
        // frames need it, from the one it started on (the run's first frame is encoded here).
        let from = match config.frozen_vae {
            Some(_) => first_new.saturating_sub(1),
            None => 0,
        };
        let mut latents = l.replay.latents[..from * encoder.latent_len()].to_vec();
        latents.extend(encode_from(
            &encoder,
            &l.replay,
            from,
            &encoder.devices()[0],
        ));
        l.replay
            .refresh(latents, None)
            .map_err(AgentError::Config)?;
        let classifier_loss = fit_classifier(config, &mut l, &mut rng, &device);
        let (rewards, visited) = rewards(config, &l, judge.as_ref(), first_new);
        let mut stats = None;
        if l.state.env_steps >= config.warmup_steps {
            for _ in 0..config.updates_per_epoch {
                stats = Some(
                    l.sac
                        .update(sac_batch(&l.replay, &rewards, &mut rng, &device, config)),
                );
            }
        }
        let asks = config.query_every > 0
            && (l.state.epoch + 1) % config.query_every == 0
            && l.examples.queries < config.max_queries;
        if let (true, Some(labeller)) = (asks, labeller.as_deref_mut()) {
            ask(&mut l, labeller, &visited, first_new)?;
        }
        let examples: Vec<&[u8]> = l.examples.positives.iter().map(|p| p.as_slice()).collect();
        let entry = ViceEpoch {
            epoch: l.state.epoch,
            env_steps: l.state.env_steps,
            classifier_loss,
            example_logit: mean(&logits_of(&l.classifier.valid(), &examples)),
            visited_logit: mean(&visited),
            sac: stats,
            success: judged.success,
            closest: judged.closest,
            queries: l.examples.queries,
            yes: l.state.yes,
            seconds: start_time.elapsed().as_secs_f64(),
        };
        metrics.write(&entry, entry.env_steps, &metric_values(&entry))?;
        l.classifier
            .valid()
            .into_record()
            .save(run.join("classifier.bpk"))
            .map_err(|e| io(&e))?;
        l.vae
            .valid()
            .into_record()
            .save(run.join("vae.bpk"))
            .map_err(|e| io(&e))?;
        l.sac.save(&run.join("sac"))?;
        l.state.epoch += 1;
        l.state.seconds = entry.seconds;
        let last = l.state.env_steps >= config.env_steps;
        if last || l.state.epoch % config.checkpoint_every.max(1) == 0 {
            checkpoint::save(run, &l)?;
        }
        on_epoch(&entry);
    }
    Ok((l.classifier.valid(), l.sac))
}

/// A fresh run: new networks, the env reset from the seed, its first frame stored.
fn start(
    config: &ViceConfig,
    positives: Vec<Vec<u8>>,
    device: &Device,
) -> Result<Learner, AgentError> {
    let mut env = vice_env(config)?;
    let (obs, _) = env
        .reset(Some(config.seed), &ResetOptions { hard_reset: true })
        .map_err(AgentError::from)?;
    let latent = config.vae.latent;
    let mut replay = Replay::new(IMAGE_SIDE * IMAGE_SIDE * 3, 3, latent);
    let first = replay.push_frame(&image(&obs, "image_observation")?, false);
    replay.begin_episode(first, first);
    let truths = truth_of(&env).into_iter().collect();
    Ok(Learner {
        state: ViceState {
            epoch: 0,
            env_steps: 0,
            episode_step: 0,
            yes: 0,
            seconds: 0.0,
        },
        classifier: config.classifier.init(device),
        classifier_opt: classifier_optimizer(config),
        vae: match &config.frozen_vae {
            None => config.vae.init(device),
            Some(path) => {
                let record = burn::store::ModuleRecord::load(path)
                    .map_err(|e| crate::io_error(Path::new(path), e))?;
                config.vae.init(device).load_record(record)
            }
        },
        vae_opt: AdamConfig::new().init(),
        sac: Sac::new(config.sac.clone(), latent, 3, device),
        replay,
        examples: Examples::new(positives),
        env,
        truths,
    })
}

/// The classifier's optimizer: Adam with the reference's L2 weight decay.
pub fn classifier_optimizer(config: &ViceConfig) -> ModuleOptimizer {
    AdamConfig::new()
        .with_weight_decay(Some(WeightDecayConfig::new(config.weight_decay as f32)))
        .init()
}

/// How an epoch went by the simulator's truth: the share of its steps that showed success,
/// and the nearest it came.
struct Judged {
    success: Option<f64>,
    closest: Option<f64>,
}

/// One epoch of steps with SAC (random actions during warm-up), judged by the truth.
fn explore(
    config: &ViceConfig,
    l: &mut Learner,
    judge: Option<&Success>,
    rng: &mut ChaCha8Rng,
) -> Result<Judged, AgentError> {
    let steps = config
        .steps_per_epoch
        .min(config.env_steps - l.state.env_steps);
    let encoder = l.vae.valid();
    let device = encoder.devices()[0].clone();
    let mut hits = 0usize;
    let mut closest: Option<f64> = None;
    for _ in 0..steps {
        let current = l.replay.num_frames() - 1;
        let action: Vec<f32> = if l.state.env_steps < config.warmup_steps {
            (0..3).map(|_| rng.random_range(-1.0..1.0)).collect()
        } else {
            let z = crate::skewfit::train::embed_one(&encoder, l.replay.frame(current), &device);
            l.sac.act(&z, Some(rng.random()))
        };
        let t = l.env.step(&action).map_err(AgentError::from)?;
        l.replay
            .push_step(&action, &image(&t.observation, "image_observation")?);
        if let Some(truth) = truth_of(&l.env) {
            hits += judge.is_some_and(|j| j.holds(&truth)) as usize;
            if let Some(d) = judge.and_then(|j| j.distance(&truth)) {
                closest = Some(closest.map_or(d, |c| c.min(d)));
            }
            l.truths.push(truth);
        }
        l.state.env_steps += 1;
        l.state.episode_step += 1;
        if t.truncated || l.state.episode_step >= config.episode_steps {
            let (obs, _) = l
                .env
                .reset(None, &next_episode(config))
                .map_err(AgentError::from)?;
            let first = l
                .replay
                .push_frame(&image(&obs, "image_observation")?, false);
            l.replay.begin_episode(first, first);
            if let Some(truth) = truth_of(&l.env) {
                l.truths.push(truth);
            }
            l.state.episode_step = 0;
        }
    }
    let judged = judge.is_some() && !l.truths.is_empty() && steps > 0;
    Ok(Judged {
        success: judged.then(|| hits as f64 / steps as f64),
        closest,
    })
}

/// The VAE's batches of the epoch, uniform over the visited images (none for a frozen VAE).
fn fit_vae(config: &ViceConfig, l: &mut Learner, rng: &mut ChaCha8Rng, device: &Device) {
    if config.frozen_vae.is_some() {
        return;
    }
    for _ in 0..config.vae_batches {
        let picks: Vec<&[u8]> = (0..config.vae_batch)
            .map(|_| l.replay.frame(l.replay.draw_frame(rng)))
            .collect();
        let noise = standard_normal(rng, [picks.len(), config.vae.latent], device);
        let loss = l.vae.loss(images_to_tensor(&picks, device), noise);
        let grads = GradientsParams::from_grads(loss.loss.backward(), &l.vae);
        l.vae = l.vae_opt.step(config.vae_lr, l.vae.clone(), grads);
    }
}

/// The classifier's updates of the epoch: the examples (label 1) against visited images and
/// the "no" answers (label 0), mixed up; VICE weighs each image against log π of a fresh action
/// there. Returns the last batch's loss.
fn fit_classifier(
    config: &ViceConfig,
    l: &mut Learner,
    rng: &mut ChaCha8Rng,
    device: &Device,
) -> f32 {
    let n = config.classifier_batch;
    let mut last = 0.0;
    for _ in 0..config.classifier_updates {
        let mut images: Vec<&[u8]> = Vec::with_capacity(2 * n);
        let pos = &l.examples.positives;
        images.extend((0..n).map(|_| pos[rng.random_range(0..pos.len())].as_slice()));
        let negatives = l.examples.negatives.len();
        let visited = negative_frames(config, &l.replay);
        for _ in 0..n {
            let k = rng.random_range(0..visited + negatives);
            images.push(match k.checked_sub(visited) {
                Some(j) => l.examples.negatives[j].as_slice(),
                None => l.replay.frame(k),
            });
        }
        let labels: Vec<f32> = (0..2 * n).map(|i| (i < n) as u8 as f32).collect();
        let labels = Tensor::<1>::from_floats(labels.as_slice(), device);
        let (x, y) = mixup(
            images_to_tensor(&images, device),
            labels,
            config.mixup_alpha,
            rng,
        );
        let logits = l.classifier.forward(x.clone());
        let loss = match config.loss {
            ClassifierLoss::Binary => binary_loss(logits, y),
            ClassifierLoss::Vice => {
                let encoder = l.vae.valid();
                let plain = Tensor::<4>::from_data(x.clone().into_data(), &encoder.devices()[0]);
                let z = encoder
                    .embed(plain)
                    .into_data()
                    .try_to_vec::<f32>()
                    .expect("f32");
                let log_pi = l.sac.log_pi(&z, rng.random());
                vice_loss(
                    logits,
                    Tensor::<1>::from_floats(log_pi.as_slice(), device),
                    y,
                )
            }
        };
        last = loss.clone().into_scalar();
        let grads = GradientsParams::from_grads(loss.backward(), &l.classifier);
        l.classifier = l
            .classifier_opt
            .step(config.classifier_lr, l.classifier.clone(), grads);
    }
    last
}

/// The reward of arriving at every frame of the replay (the classifier's logit, or the oracle's
/// negated distance to success), and the classifier's logits of the frames from `first_new` on.
fn rewards(
    config: &ViceConfig,
    l: &Learner,
    judge: Option<&Success>,
    first_new: usize,
) -> (Vec<f32>, Vec<f32>) {
    let classifier = l.classifier.valid();
    match (config.reward, judge) {
        (RewardSource::Oracle, Some(judge)) => {
            let new: Vec<&[u8]> = (first_new..l.replay.num_frames())
                .map(|i| l.replay.frame(i))
                .collect();
            let truth = |t| -judge.distance(t).unwrap_or(0.0) as f32;
            (
                l.truths.iter().map(truth).collect(),
                logits_of(&classifier, &new),
            )
        }
        _ => {
            let all = score(&classifier, &l.replay);
            let visited = all[first_new..].to_vec();
            (all, visited)
        }
    }
}

/// How many of the replay's first frames the classifier may take as negatives: VICE, every
/// one; the plain classifier, those of the warm-up's random actions only, fixed up front as a
/// classifier trained once on collected data would have them.
pub fn negative_frames(config: &ViceConfig, replay: &Replay) -> usize {
    if config.loss == ClassifierLoss::Vice {
        return replay.num_frames();
    }
    match config.warmup_steps.checked_sub(1) {
        Some(last) if last < replay.num_steps() => replay.step_frames(last).1 + 1,
        Some(_) => replay.num_frames(),
        None => 1,
    }
}

/// The classifier's logit of every frame of `replay`: the reward of arriving there.
pub fn score(classifier: &Classifier, replay: &Replay) -> Vec<f32> {
    let frames: Vec<&[u8]> = (0..replay.num_frames()).map(|i| replay.frame(i)).collect();
    logits_of(classifier, &frames)
}

/// The classifier's logit of each of `images`, in batches.
pub(super) fn logits_of(classifier: &Classifier, images: &[&[u8]]) -> Vec<f32> {
    let device = classifier.devices()[0].clone();
    images
        .chunks(256)
        .flat_map(|c| {
            classifier
                .forward(images_to_tensor(c, &device))
                .into_data()
                .try_to_vec::<f32>()
                .expect("f32 logits")
        })
        .collect()
}

fn mean(v: &[f32]) -> f32 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f32>() / v.len() as f32
    }
}

/// A SAC batch of steps, each rewarded with `rewards_of` the frame it led to.
fn sac_batch(
    replay: &Replay,
    rewards_of: &[f32],
    rng: &mut ChaCha8Rng,
    device: &Device,
    config: &ViceConfig,
) -> Transitions {
    let b = config.sac.batch;
    let d = replay.latent_dim;
    let (mut obs, mut next, mut actions, mut rewards) = (vec![], vec![], vec![], vec![]);
    for _ in 0..b {
        let s = rng.random_range(0..replay.num_steps());
        let (before, after) = replay.step_frames(s);
        obs.extend_from_slice(replay.latent(before));
        next.extend_from_slice(replay.latent(after));
        actions.extend_from_slice(&replay.actions[s * 3..s * 3 + 3]);
        rewards.push(rewards_of[after]);
    }
    let t = |v: Vec<f32>, w: usize| Tensor::<2>::from_data(TensorData::new(v, [b, w]), device);
    Transitions {
        obs: t(obs, d),
        actions: t(actions, 3),
        rewards: t(rewards, 1),
        next_obs: t(next, d),
        dones: Tensor::<2>::zeros([b, 1], device),
    }
}

/// Asks `labeller` about this epoch's visited image the classifier rates highest (as the
/// reference does) and files it by the answer.
fn ask(
    l: &mut Learner,
    labeller: &mut dyn Labeller,
    visited: &[f32],
    first_new: usize,
) -> Result<(), AgentError> {
    let Some(best) = (0..visited.len())
        .max_by(|&a, &b| visited[a].total_cmp(&visited[b]))
        .map(|i| first_new + i)
    else {
        return Ok(());
    };
    let image = l.replay.frame(best).to_vec();
    let truth = l.truths.get(best).cloned();
    let query = Query {
        image: &image,
        truth: truth.as_ref(),
    };
    if l.examples.ask(labeller, &query)? {
        l.state.yes += 1;
    }
    Ok(())
}
