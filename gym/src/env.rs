//! The gym interface: `reset` and `step` over a task, Gymnasium's contract in Rust.

use std::collections::BTreeMap;

use crate::spaces::{BoxSpace, Observation, Space};

/// A value in `info`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InfoValue {
    /// A real number (distances, angles, ...).
    Float(f64),
    /// An integer (a die face, a step count, ...).
    Int(i64),
    /// A yes/no flag, such as `is_success`.
    Bool(bool),
}

/// Per-step diagnostics: evaluation metrics (door angle error, hand distance, ...) and
/// `is_success`. Values computed from simulator-only state are under keys starting `oracle_`.
pub type Info = BTreeMap<String, InfoValue>;

/// What a step returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The observation after the step.
    pub observation: Observation,
    /// The step's reward (the learned one, if one was set).
    pub reward: f64,
    /// The task ended (never for the reset-free door).
    pub terminated: bool,
    /// The episode hit its step limit.
    pub truncated: bool,
    /// Diagnostics of the step (see [`Info`]).
    pub info: Info,
}

/// Options of `reset`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResetOptions {
    /// Put the arm and the objects back to the start too (reset-free tasks otherwise only
    /// propose a new goal).
    pub hard_reset: bool,
}

/// Why a reset or step was refused. Nothing changed when this is returned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EnvError {
    /// The action had the wrong length or a value not finite or outside the action space.
    #[error("invalid action: {0}")]
    BadAction(String),
    /// `step` was called before the first `reset`.
    #[error("call reset() before step()")]
    NotReset,
    /// The robot refused a command or a sensor read.
    #[error("{0}")]
    Robot(#[from] crate::RobotError),
    /// A bad setting, a scene that could not be built, or a step the setup does not allow.
    #[error("{0}")]
    Setup(String),
}

/// Static facts about an environment.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvSpec {
    /// Gymnasium-style id: `byfeel/<task>-v0`, such as `byfeel/DoorOpen-v0`.
    pub id: String,
    /// What observations look like: a box, or a dict of boxes for goal-conditioned envs.
    pub observation_space: Space,
    /// Actions: a box of values in [-1, 1].
    pub action_space: BoxSpace,
    /// Steps after which an episode is truncated.
    pub max_episode_steps: usize,
    /// Seconds of robot time per step.
    pub step_seconds: f64,
    /// `compute_reward` is meaningful (a goal-conditioned dict observation).
    pub goal_conditioned: bool,
}

/// A learned reward: (observation after the step, info) → reward. Replaces the task's reward.
pub type RewardFn = Box<dyn Fn(&Observation, &Info) -> f64 + Send + Sync>;

/// An environment with Gymnasium's semantics.
///
/// ```no_run
/// use byfeel_gym::{Env, EnvConfig, ObsMode, ResetOptions, Task, TaskEnv};
/// let mut env = TaskEnv::new(EnvConfig::new(Task::Reach).obs_mode(ObsMode::State))?;
/// let (obs, info) = env.reset(Some(0), &ResetOptions::default())?;
/// let t = env.step(&[0.5, 0.0, -0.2])?;
/// println!("reward {} success {:?}", t.reward, t.info.get("is_success"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Env: Send {
    /// Static facts: id, spaces, episode length and step duration.
    fn spec(&self) -> &EnvSpec;
    /// Starts an episode (or, reset-free, only proposes a new goal). A `seed` reseeds the env's
    /// random numbers and restarts the world from scratch, so a seed always reproduces.
    fn reset(
        &mut self,
        seed: Option<u64>,
        options: &ResetOptions,
    ) -> Result<(Observation, Info), EnvError>;
    /// Applies an action for one step. A refused action changes nothing.
    fn step(&mut self, action: &[f32]) -> Result<Transition, EnvError>;
    /// The reward for reaching `achieved` when `desired` was asked, as `step` would give it
    /// (goal-conditioned envs; HER relabels with it).
    fn compute_reward(&self, achieved: &[f32], desired: &[f32]) -> f64;
    /// A picture of the scene for people (`render_mode="rgb_array"`).
    fn render(&mut self) -> Result<crate::Image, EnvError>;
    /// Replaces the reward with a learned one (`None` restores the task's own).
    fn set_reward_fn(&mut self, reward: Option<RewardFn>);
}
