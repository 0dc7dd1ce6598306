//! The state-input baseline for Skew-Fit's door: SAC with hindsight experience replay
//! (Andrychowicz et al. 2017) on the simulator's state — hand position and door angle — and
//! the goal in the same terms, rewarded by the task's sparse reward (0 within 0.02 rad and
//! 0.03 m of the goal, −1 elsewhere) or, with `dense_reward`, by minus the distance to the goal
//! in those terms (the state analogue of Skew-Fit's latent-distance reward). It sees what the
//! image-based agent must infer, so it bounds what Skew-Fit can hope for on the same schedule.
//!
//! Like Skew-Fit's loop, it runs reset-free: episodes of 100 steps, each with a new goal, the
//! arm and door left where they are. HER relabels 80 % of sampled transitions (k = 4) with a
//! state the same episode reached later.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use burn::prelude::*;
use byfeel_gym::{Env, EnvConfig, ObsMode, ResetOptions, RewardType, Task, TaskEnv};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::AgentError;
use crate::skewfit::eval::DoorTally;
use crate::skewfit::{EVAL_SEED, EvalResult, Sac, SacConfig, SacStats, Transitions};

/// The baseline's schedule; the defaults match Skew-Fit's door run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HerConfig {
    pub env_steps: usize,
    pub warmup_steps: usize,
    pub steps_per_epoch: usize,
    pub updates_per_epoch: usize,
    /// Share of sampled transitions whose goal is replaced by a later state (HER's k = 4).
    pub future_fraction: f64,
    /// Reward −‖achieved − goal‖ (door angle in radians, hand in metres) instead of the sparse
    /// 0 / −1.
    #[serde(default)]
    pub dense_reward: bool,
    pub sac: SacConfig,
    pub eval_goals: usize,
    pub seed: u64,
}

impl Default for HerConfig {
    fn default() -> Self {
        Self {
            env_steps: 50_000,
            warmup_steps: 10_000,
            steps_per_epoch: 500,
            updates_per_epoch: 1000,
            future_fraction: 0.8,
            dense_reward: false,
            sac: SacConfig::default(),
            eval_goals: 10,
            seed: 0,
        }
    }
}

/// One epoch of the baseline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HerEpoch {
    pub epoch: usize,
    pub env_steps: usize,
    pub sac: Option<SacStats>,
    pub eval: Option<EvalResult>,
    pub seconds: f64,
}

/// The door's state (hand xyz, door angle) in goal terms (angle, hand xyz).
fn achieved(state: &[f32]) -> [f32; 4] {
    [state[3], state[0], state[1], state[2]]
}

fn state_env(dense_reward: bool) -> Result<TaskEnv, AgentError> {
    let reward = if dense_reward {
        RewardType::Dense
    } else {
        RewardType::Sparse
    };
    TaskEnv::new(
        EnvConfig::new(Task::DoorOpen)
            .obs_mode(ObsMode::State)
            .reward(reward),
    )
    .map_err(|e| AgentError::Config(e.to_string()))
}

/// `(state, goal)` from a State-mode observation: 4 numbers of state then 4 of goal.
fn split(obs: &byfeel_gym::Observation) -> Result<(Vec<f32>, Vec<f32>), AgentError> {
    let byfeel_gym::Observation::Array(a) = obs else {
        return Err(AgentError::Config(
            "the door env gave no state vector".into(),
        ));
    };
    let v = a
        .as_f32()
        .filter(|v| v.len() >= 8)
        .ok_or_else(|| AgentError::Config("the door env's state is not 8 numbers".into()))?;
    Ok((v[..4].to_vec(), v[4..8].to_vec()))
}

/// Trains the baseline into `run` (`her.json`, `scalars.csv`, `log.jsonl`, `sac/`).
pub fn train_her(
    config: &HerConfig,
    run: &Path,
    mut on_epoch: impl FnMut(&HerEpoch),
) -> Result<Sac, AgentError> {
    let io = |e: &dyn std::fmt::Display| AgentError::Io(format!("{}: {e}", run.display()));
    if !(0.0..=1.0).contains(&config.future_fraction) || config.steps_per_epoch == 0 {
        return Err(AgentError::Config(
            "future_fraction must be in 0 … 1 and steps_per_epoch positive".into(),
        ));
    }
    std::fs::create_dir_all(run).map_err(|e| io(&e))?;
    std::fs::write(
        run.join("her.json"),
        serde_json::to_string_pretty(config).unwrap(),
    )
    .map_err(|e| io(&e))?;
    let mut csv = std::fs::File::create(run.join("scalars.csv")).map_err(|e| io(&e))?;
    writeln!(csv, "epoch,env_steps,q_loss,policy_loss,sac_alpha,eval_angle_error,eval_hand_distance,eval_success,seconds")
        .map_err(|e| io(&e))?;
    let mut log = std::fs::File::create(run.join("log.jsonl")).map_err(|e| io(&e))?;

    let device = crate::default_device().autodiff();
    let mut sac = Sac::new(config.sac.clone(), 8, 3, &device);
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut env = state_env(config.dense_reward)?;
    let err = |e: byfeel_gym::EnvError| AgentError::Config(e.to_string());
    let (obs, _) = env
        .reset(Some(config.seed), &ResetOptions::default())
        .map_err(err)?;
    let (mut state, mut goal) = split(&obs)?;
    let episode_len = env.spec().max_episode_steps;
    // Per step: state, action, next state, the episode's goal, (episode, step in it); per
    // episode: its first step and its steps so far.
    let (mut states, mut actions, mut nexts, mut goals) = (vec![], vec![], vec![], vec![]);
    let mut steps: Vec<(usize, usize)> = vec![];
    let mut episodes: Vec<(usize, usize)> = vec![(0, 0)];
    let (mut done, mut epoch) = (0, 0);
    let start = Instant::now();
    while done < config.env_steps {
        for _ in 0..config.steps_per_epoch.min(config.env_steps - done) {
            let action: Vec<f32> = if done < config.warmup_steps {
                (0..3).map(|_| rng.random_range(-1.0..1.0)).collect()
            } else {
                let o: Vec<f32> = state.iter().chain(&goal).copied().collect();
                sac.act(&o, Some(rng.random()))
            };
            let t = env.step(&action).map_err(err)?;
            let (next, _) = split(&t.observation)?;
            states.extend_from_slice(&state);
            actions.extend_from_slice(&action);
            nexts.extend_from_slice(&next);
            goals.extend_from_slice(&goal);
            let e = episodes.len() - 1;
            steps.push((e, episodes[e].1));
            episodes[e].1 += 1;
            state = next;
            done += 1;
            if t.truncated || episodes[e].1 >= episode_len {
                let (obs, _) = env.reset(None, &ResetOptions::default()).map_err(err)?;
                (state, goal) = split(&obs)?;
                episodes.push((done, 0));
            }
        }
        let mut stats = None;
        if done >= config.warmup_steps {
            for _ in 0..config.updates_per_epoch {
                let b = config.sac.batch;
                let (mut o, mut a, mut r, mut o2) = (vec![], vec![], vec![], vec![]);
                for _ in 0..b {
                    let s = rng.random_range(0..steps.len());
                    let (e, t) = steps[s];
                    let (first, len) = episodes[e];
                    // Hindsight: where this step or a later one of its episode arrived.
                    let g: Vec<f32> = if rng.random::<f64>() < config.future_fraction {
                        let later = first + rng.random_range(t..len);
                        achieved(&nexts[later * 4..later * 4 + 4]).to_vec()
                    } else {
                        goals[s * 4..s * 4 + 4].to_vec()
                    };
                    let next = &nexts[s * 4..s * 4 + 4];
                    o.extend_from_slice(&states[s * 4..s * 4 + 4]);
                    o.extend_from_slice(&g);
                    o2.extend_from_slice(next);
                    o2.extend_from_slice(&g);
                    a.extend_from_slice(&actions[s * 3..s * 3 + 3]);
                    r.push(env.compute_reward(&achieved(next), &g) as f32);
                }
                let t = |v: Vec<f32>, cols| {
                    Tensor::<2>::from_data(TensorData::new(v, [b, cols]), &device)
                };
                stats = Some(sac.update(Transitions {
                    obs: t(o, 8),
                    actions: t(a, 3),
                    rewards: t(r, 1),
                    next_obs: t(o2, 8),
                    dones: Tensor::zeros([b, 1], &device),
                }));
            }
        }
        let eval = (config.eval_goals > 0)
            .then(|| evaluate_her(&sac, config.eval_goals, EVAL_SEED))
            .transpose()?;
        let entry = HerEpoch {
            epoch,
            env_steps: done,
            sac: stats,
            eval,
            seconds: start.elapsed().as_secs_f64(),
        };
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
        writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{:.1}",
            entry.epoch,
            entry.env_steps,
            opt(stats.map(|s| s.q_loss as f64)),
            opt(stats.map(|s| s.policy_loss as f64)),
            opt(stats.map(|s| s.alpha as f64)),
            opt(entry.eval.as_ref().map(|e| e.angle_error)),
            opt(entry.eval.as_ref().map(|e| e.hand_distance)),
            opt(entry.eval.as_ref().map(|e| e.success)),
            entry.seconds
        )
        .map_err(|e| io(&e))?;
        writeln!(log, "{}", serde_json::to_string(&entry).unwrap()).map_err(|e| io(&e))?;
        sac.save(&run.join("sac"))?;
        on_epoch(&entry);
        epoch += 1;
    }
    Ok(sac)
}

/// The state policy toward the same goals Skew-Fit is evaluated on (seeds `first_seed …`),
/// each from a shut door.
pub fn evaluate_her(sac: &Sac, goals: usize, first_seed: u64) -> Result<EvalResult, AgentError> {
    let err = |e: byfeel_gym::EnvError| AgentError::Config(e.to_string());
    let mut env = state_env(false)?;
    let mut tally = DoorTally::default();
    for g in 0..goals {
        let (obs, _) = env
            .reset(Some(first_seed + g as u64), &ResetOptions::default())
            .map_err(err)?;
        let (mut state, goal) = split(&obs)?;
        let mut info = Default::default();
        for _ in 0..env.spec().max_episode_steps {
            let o: Vec<f32> = state.iter().chain(&goal).copied().collect();
            let t = env.step(&sac.act(&o, None)).map_err(err)?;
            state = split(&t.observation)?.0;
            info = t.info;
        }
        tally.add(&info);
    }
    Ok(tally.result())
}
