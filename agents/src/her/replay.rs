//! The baseline's reset-free walk on the door and the transitions it leaves behind, kept by
//! episode so that hindsight can relabel a step with a state its episode reached later.

use byfeel_gym::{Env, EnvConfig, ObsMode, ResetOptions, RewardType, Task, TaskEnv};
use rand::Rng;

use crate::AgentError;
use crate::arm::ArmEnv;

/// Numbers of state (hand x, y, z, door angle) and of goal, and of action (Δxyz).
pub(crate) const STATE: usize = 4;
pub(crate) const ACTION: usize = 3;

/// Every transition walked so far, by episode.
#[derive(Debug, Default, Clone)]
pub(crate) struct HerReplay {
    pub states: Vec<f32>,
    pub actions: Vec<f32>,
    pub nexts: Vec<f32>,
    pub goals: Vec<f32>,
    /// Per step: its episode and its index in it.
    pub steps: Vec<(usize, usize)>,
    /// Per episode: its first step and its steps so far.
    pub episodes: Vec<(usize, usize)>,
}

impl HerReplay {
    /// Draws a stored step: its observation and next observation toward a goal that is, with
    /// probability `future_fraction`, where the same episode arrived at this step or later
    /// (hindsight), else the goal the episode chased. Returns (obs, action, next obs, goal).
    pub fn sample(
        &self,
        rng: &mut impl Rng,
        future_fraction: f64,
    ) -> (&[f32], &[f32], &[f32], [f32; STATE]) {
        let s = rng.random_range(0..self.steps.len());
        let (e, t) = self.steps[s];
        let (first, len) = self.episodes[e];
        let goal = if rng.random::<f64>() < future_fraction {
            let later = first + rng.random_range(t..len);
            achieved(&self.nexts[later * STATE..(later + 1) * STATE])
        } else {
            self.goals[s * STATE..(s + 1) * STATE].try_into().unwrap()
        };
        (
            row(&self.states, s, STATE),
            row(&self.actions, s, ACTION),
            row(&self.nexts, s, STATE),
            goal,
        )
    }
}

fn row(v: &[f32], s: usize, width: usize) -> &[f32] {
    &v[s * width..(s + 1) * width]
}

/// The door's state (hand xyz, door angle) in goal terms (angle, hand xyz).
pub(crate) fn achieved(state: &[f32]) -> [f32; STATE] {
    [state[3], state[0], state[1], state[2]]
}

/// The door with state observations, rewarded sparsely (or densely), as the baseline sees it.
pub(crate) fn state_env(dense_reward: bool) -> Result<TaskEnv, AgentError> {
    TaskEnv::new(state_config(dense_reward)).map_err(env_error)
}

fn state_config(dense_reward: bool) -> EnvConfig {
    let reward = if dense_reward {
        RewardType::Dense
    } else {
        RewardType::Sparse
    };
    EnvConfig::new(Task::DoorOpen)
        .obs_mode(ObsMode::State)
        .reward(reward)
}

pub(crate) fn env_error(e: byfeel_gym::EnvError) -> AgentError {
    AgentError::Env(e)
}

/// `(state, goal)` from a State-mode observation: 4 numbers of state then 4 of goal.
pub(crate) fn split(obs: &byfeel_gym::Observation) -> Result<(Vec<f32>, Vec<f32>), AgentError> {
    let byfeel_gym::Observation::Array(a) = obs else {
        return Err(AgentError::Config(
            "the door env gave no state vector".into(),
        ));
    };
    let v = a
        .as_f32()
        .filter(|v| v.len() >= 2 * STATE)
        .ok_or_else(|| AgentError::Config("the door env's state is not 8 numbers".into()))?;
    Ok((v[..STATE].to_vec(), v[STATE..2 * STATE].to_vec()))
}

/// The reset-free walk: episodes of the task's length, each toward a new goal, the arm and the
/// door left where the last one put them. Training and a resume's replay both advance it.
pub(crate) struct Walk {
    pub env: ArmEnv,
    pub replay: HerReplay,
    pub state: Vec<f32>,
    pub goal: Vec<f32>,
    episode_len: usize,
}

impl Walk {
    /// The walk's start: the door shut, the hand hooked, the first goal from `seed`; on the
    /// robot server at `robot`, or in this process when `None`.
    pub fn start(dense_reward: bool, seed: u64, robot: Option<&str>) -> Result<Self, AgentError> {
        let mut env = crate::arm::env_on(state_config(dense_reward), robot)?;
        let (obs, _) = env
            .reset(Some(seed), &ResetOptions::default())
            .map_err(env_error)?;
        let (state, goal) = split(&obs)?;
        let episode_len = env.spec().max_episode_steps;
        Ok(Self {
            env,
            replay: HerReplay {
                episodes: vec![(0, 0)],
                ..Default::default()
            },
            state,
            goal,
            episode_len,
        })
    }

    /// What the policy sees: the state and then the goal.
    pub fn observation(&self) -> Vec<f32> {
        self.state.iter().chain(&self.goal).copied().collect()
    }

    /// One step of `action`, kept; a full episode proposes the next goal.
    pub fn step(&mut self, action: &[f32]) -> Result<(), AgentError> {
        let t = self.env.step(action).map_err(env_error)?;
        let (next, _) = split(&t.observation)?;
        let r = &mut self.replay;
        r.states.extend_from_slice(&self.state);
        r.actions.extend_from_slice(action);
        r.nexts.extend_from_slice(&next);
        r.goals.extend_from_slice(&self.goal);
        let e = r.episodes.len() - 1;
        r.steps.push((e, r.episodes[e].1));
        r.episodes[e].1 += 1;
        self.state = next;
        if t.truncated || r.episodes[e].1 >= self.episode_len {
            let (obs, _) = self
                .env
                .reset(None, &ResetOptions::default())
                .map_err(env_error)?;
            (self.state, self.goal) = split(&obs)?;
            r.episodes.push((r.steps.len(), 0));
        }
        Ok(())
    }
}
