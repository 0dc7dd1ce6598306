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

mod checkpoint;
mod replay;

use std::path::Path;
use std::time::Instant;

use burn::prelude::*;
use byfeel_gym::Env;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::skewfit::eval::DoorTally;
use crate::sac::{Sac, SacConfig, SacStats, Transitions};
use crate::skewfit::{EVAL_SEED, EvalResult};
use crate::metrics::{Metric, MetricsLog, listed, plotted};
use crate::policy::{self, Decision, Policy, Seen};
use crate::{AgentError, run_dir};
use checkpoint::HerState;
use replay::{ACTION, STATE, Walk, achieved, split, state_env};

/// The baseline's schedule; the defaults match Skew-Fit's door run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HerConfig {
    /// Environment steps to train for in all; a resumed run may be given more.
    pub env_steps: usize,
    /// Steps of uniform random actions before the policy acts and updates begin.
    pub warmup_steps: usize,
    /// Environment steps per epoch.
    pub steps_per_epoch: usize,
    /// SAC updates per epoch, once warm-up is over.
    pub updates_per_epoch: usize,
    /// Share of sampled transitions whose goal is replaced by a later state (HER's k = 4).
    pub future_fraction: f64,
    /// Reward −‖achieved − goal‖ (door angle in radians, hand in metres) instead of the sparse
    /// 0 / −1.
    #[serde(default)]
    pub dense_reward: bool,
    /// The SAC learner's settings.
    pub sac: SacConfig,
    /// Goals evaluated after every epoch (0: none).
    pub eval_goals: usize,
    /// Seeds the environment, the random actions and the sampled batches.
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

impl HerConfig {
    /// Every setting in range, else an error naming the first one that is not.
    pub fn check(&self) -> Result<(), String> {
        self.sac.check()?;
        if !(0.0..=1.0).contains(&self.future_fraction) {
            return Err(format!("future_fraction is {}: use 0 … 1", self.future_fraction));
        }
        for (name, v) in [("env_steps", self.env_steps), ("steps_per_epoch", self.steps_per_epoch)] {
            if v == 0 {
                return Err(format!("{name} is 0: it must be at least 1"));
            }
        }
        Ok(())
    }
}

/// One epoch of the baseline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HerEpoch {
    /// The epoch's number, from 0.
    pub epoch: usize,
    /// Environment steps taken so far, this epoch's included.
    pub env_steps: usize,
    /// The epoch's last SAC update; `None` during warm-up.
    pub sac: Option<SacStats>,
    /// The policy on the fixed evaluation goals; `None` when `eval_goals` is 0.
    pub eval: Option<EvalResult>,
    /// Seconds since the run began, resumed runs counting their earlier time.
    pub seconds: f64,
}

/// Trains the baseline into `run` (`her.json`, `scalars.csv`, `log.jsonl`, `sac/` and
/// `checkpoint/`). A run directory that already holds this run (the same settings but for
/// `env_steps`) is resumed from its last epoch, exactly as if it had never stopped.
pub fn train_her(
    config: &HerConfig,
    run: &Path,
    on_epoch: impl FnMut(&HerEpoch),
) -> Result<Sac, AgentError> {
    train_her_on(config, run, None, on_epoch)
}

/// [`train_her`] on the (simulated: the baseline observes the simulator's state) arm of the
/// robot server at `robot`, or in this process when `None`. Evaluations during training run
/// in this process's simulator.
pub fn train_her_on(
    config: &HerConfig,
    run: &Path,
    robot: Option<&str>,
    mut on_epoch: impl FnMut(&HerEpoch),
) -> Result<Sac, AgentError> {
    let io = |e: &dyn std::fmt::Display| AgentError::Io(format!("{}: {e}", run.display()));
    config.check().map_err(AgentError::Config)?;
    std::fs::create_dir_all(run).map_err(|e| io(&e))?;
    run_dir::refuse_other_settings(run, "her.json", config, |old: HerConfig| HerConfig {
        env_steps: config.env_steps,
        ..old
    })?;
    let device = crate::default_device().autodiff();
    // Loaded before anything is written: a resume that fails leaves the run as it was.
    let resumed = checkpoint::load(run, config, &device, robot)?;
    std::fs::write(
        run.join("her.json"),
        serde_json::to_string_pretty(config).unwrap(),
    )
    .map_err(|e| io(&e))?;
    let (mut state, mut sac, mut walk) = match resumed {
        Some(r) => r,
        None => {
            let walk = Walk::start(config.dense_reward, config.seed, robot)?;
            let state = HerState {
                epoch: 0,
                env_steps: 0,
                seconds: 0.0,
                state: vec![],
                goal: vec![],
            };
            (
                state,
                Sac::new(config.sac.clone(), 2 * STATE, ACTION, &device),
                walk,
            )
        }
    };
    // Logs keep the epochs the checkpoint covers; a resumed run rewrites the rest.
    let mut metrics = MetricsLog::open(run, state.epoch, METRICS)?;
    let start = Instant::now() - std::time::Duration::from_secs_f64(state.seconds);

    while state.env_steps < config.env_steps {
        let mut rng = run_dir::epoch_rng(config.seed, state.epoch);
        for _ in 0..config
            .steps_per_epoch
            .min(config.env_steps - state.env_steps)
        {
            let action: Vec<f32> = if state.env_steps < config.warmup_steps {
                (0..ACTION).map(|_| rng.random_range(-1.0..1.0)).collect()
            } else {
                sac.act(&walk.observation(), Some(rng.random()))
            };
            walk.step(&action)?;
            state.env_steps += 1;
        }
        let mut stats = None;
        if state.env_steps >= config.warmup_steps {
            for _ in 0..config.updates_per_epoch {
                let b = config.sac.batch;
                let (mut o, mut a, mut r, mut o2) = (vec![], vec![], vec![], vec![]);
                for _ in 0..b {
                    let (obs, action, next, goal) =
                        walk.replay.sample(&mut rng, config.future_fraction);
                    o.extend_from_slice(obs);
                    o.extend_from_slice(&goal);
                    o2.extend_from_slice(next);
                    o2.extend_from_slice(&goal);
                    a.extend_from_slice(action);
                    r.push(walk.env.compute_reward(&achieved(next), &goal) as f32);
                }
                let t = |v: Vec<f32>, cols| {
                    Tensor::<2>::from_data(TensorData::new(v, [b, cols]), &device)
                };
                stats = Some(sac.update(Transitions {
                    obs: t(o, 2 * STATE),
                    actions: t(a, ACTION),
                    rewards: t(r, 1),
                    next_obs: t(o2, 2 * STATE),
                    dones: Tensor::zeros([b, 1], &device),
                }));
            }
        }
        let eval = (config.eval_goals > 0)
            .then(|| evaluate_her(&sac, config.eval_goals, EVAL_SEED))
            .transpose()?;
        let entry = HerEpoch {
            epoch: state.epoch,
            env_steps: state.env_steps,
            sac: stats,
            eval,
            seconds: start.elapsed().as_secs_f64(),
        };
        metrics.write(&entry, entry.env_steps, &metric_values(&entry))?;
        sac.save(&run.join("sac"))?;
        state.epoch += 1;
        state.seconds = entry.seconds;
        state.stand(&walk);
        checkpoint::save(run, &state, &sac, &walk)?;
        on_epoch(&entry);
    }
    Ok(sac)
}

/// What an epoch reports: `scalars.csv`'s columns and the TensorBoard tags (against
/// environment steps), named as Skew-Fit's so the two plot together.
const METRICS: &[Metric] = &[
    listed("epoch"),
    listed("env_steps"),
    plotted("q_loss", "sac/q_loss"),
    plotted("policy_loss", "sac/policy_loss"),
    plotted("sac_alpha", "sac/alpha"),
    plotted("eval_angle_error", "eval/angle_error"),
    plotted("eval_hand_distance", "eval/hand_distance"),
    plotted("eval_success", "eval/success"),
    listed("seconds"),
];

/// The epoch's values for [`METRICS`], in order.
fn metric_values(e: &HerEpoch) -> Vec<Option<f64>> {
    let (s, ev) = (e.sac.as_ref(), e.eval.as_ref());
    vec![
        Some(e.epoch as f64),
        Some(e.env_steps as f64),
        s.map(|s| s.q_loss as f64),
        s.map(|s| s.policy_loss as f64),
        s.map(|s| s.alpha as f64),
        ev.map(|e| e.angle_error),
        ev.map(|e| e.hand_distance),
        ev.map(|e| e.success),
        Some((e.seconds * 10.0).round() / 10.0),
    ]
}

/// Loads a run's settings (`her.json`) and its latest policy (`sac/`), to act or evaluate.
pub fn load_her(run: &Path) -> Result<(HerConfig, Sac), AgentError> {
    let io = |e: &dyn std::fmt::Display| AgentError::Io(format!("{}: {e}", run.display()));
    let config: HerConfig =
        serde_json::from_str(&std::fs::read_to_string(run.join("her.json")).map_err(|e| io(&e))?)
            .map_err(|e| io(&e))?;
    if !run.join("sac").exists() {
        return Err(io(&"no policy yet (sac/): the run has not finished an epoch"));
    }
    let sac = Sac::load(&run.join("sac"), &crate::default_device().autodiff())?;
    Ok((config, sac))
}

/// The state policy toward the same goals Skew-Fit is evaluated on (seeds `first_seed …`),
/// each from a shut door.
pub fn evaluate_her(sac: &Sac, goals: usize, first_seed: u64) -> Result<EvalResult, AgentError> {
    evaluate_her_door(sac, None, goals, first_seed)
}

/// [`evaluate_her`] on door `door` of the door family, or the door scene's door when `None`.
pub fn evaluate_her_door(
    sac: &Sac,
    door: Option<u64>,
    goals: usize,
    first_seed: u64,
) -> Result<EvalResult, AgentError> {
    let mut config = state_env(false)?.config().clone();
    if let Some(d) = door {
        config = config.door(d);
    }
    let mut env = byfeel_gym::TaskEnv::new(config).map_err(AgentError::Env)?;
    evaluate_her_on(sac, &mut env, goals, first_seed)
}

/// [`evaluate_her`] on the arm of the robot server at `robot` (`HOST:PORT`), which must serve
/// the door scene's simulated arm (the policy reads the door's state from its simulator).
pub fn evaluate_her_remote(
    sac: &Sac,
    robot: &str,
    goals: usize,
    first_seed: u64,
) -> Result<EvalResult, AgentError> {
    let config = state_env(false)?.config().clone();
    let mut env = crate::arm::remote_env(config, robot)?;
    evaluate_her_on(sac, &mut env, goals, first_seed)
}

fn evaluate_her_on<R: byfeel_gym::Robot + Send>(
    sac: &Sac,
    env: &mut byfeel_gym::TaskEnv<R>,
    goals: usize,
    first_seed: u64,
) -> Result<EvalResult, AgentError> {
    let mut agent = HerPolicy { sac };
    let mut tally = DoorTally::default();
    for g in 0..goals {
        let episode = policy::play(&mut agent, env, first_seed + g as u64, false, policy::unwatched)?;
        tally.add(&episode.info)?;
    }
    Ok(tally.result())
}

/// A HER agent as a [`Policy`]: the door's state and the goal state (the observation's two
/// halves) go to the policy, which acts with its mean action.
pub struct HerPolicy<'a> {
    /// The trained policy (see [`load_her`]).
    pub sac: &'a Sac,
}

impl Policy for HerPolicy<'_> {
    fn name(&self) -> &str {
        "her"
    }

    fn act(&mut self, seen: &Seen<'_>, _foresee: bool) -> Result<Decision, AgentError> {
        let (state, goal) = split(seen.observation)?;
        let o: Vec<f32> = state.into_iter().chain(goal).collect();
        Ok(Decision::action(self.sac.act(&o, None)))
    }
}
