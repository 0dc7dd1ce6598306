//! The tasks as environments: the arm is driven only through the [`Robot`] trait (Δxyz of the
//! hand per step); resets and goal pictures use the simulator's privileges.
//!
//! | task | scene | default observation | goal | success |
//! |---|---|---|---|---|
//! | `Reach` | cup | hand xyz (state) | a hand position | within 3 cm |
//! | `DoorOpen` | door | 48×48 door camera | door angle + hand position, shown as an image | angle within 0.02 rad and hand within 3 cm (Skew-Fit's thresholds) |
//! | `CupPush` | cup | 64×48 side camera | a cup position, shown as an image of the cup there with the finger where a push to it ends | cup within 3 cm |
//! | `DieRoll` | die, the gel resting on it; 4 mm (xy) and 2 mm (z) per unit action | 64×48 gel image | a die face, shown as its gel image | that face up |
//!
//! DieRoll can also take roll actions ([`ActionMode::Roll`]): one action is a push direction,
//! after which the hand feels for the die's top again by touch (`roll`); episodes are then 3
//! rolls long (5 for goals two rolls away).

mod cup;
pub(crate) mod die;
mod door;
mod reach;
mod roll;
mod spec;
mod success;
mod task_env;
mod watched;

pub use roll::{ActionMode, STAY};
pub use success::{Success, probe_pictures, success_pictures};
pub use task_env::TaskEnv;

use glam::DVec3;
use rand_chacha::ChaCha8Rng;

use crate::env::{Info, InfoValue};
use crate::{OracleState, RobotError, RobotSpec, RobotState, SceneGeometry, Simulator};

/// Which task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Task {
    /// Move the hand to a goal position, within 3 cm (cup scene).
    Reach,
    /// Swing the door to a goal angle with the hand at a goal position (door scene, reset-free).
    DoorOpen,
    /// Push the cup to a goal position, within 3 cm (cup scene).
    CupPush,
    /// Roll the die until a goal face is up, felt through the gel (die scene).
    DieRoll,
}

impl Task {
    /// The task's name in CamelCase (`DoorOpen`), as env ids use it.
    pub fn name(self) -> &'static str {
        match self {
            Task::Reach => "Reach",
            Task::DoorOpen => "DoorOpen",
            Task::CupPush => "CupPush",
            Task::DieRoll => "DieRoll",
        }
    }

    /// Every task.
    pub const ALL: [Task; 4] = [Task::Reach, Task::DoorOpen, Task::CupPush, Task::DieRoll];

    /// The valid names, for error messages.
    pub const NAMES: &'static str = "reach, door-open (or door), cup-push, die-roll (or die)";

    /// The task named `name` in any case, with or without `-`/`_` (`DoorOpen`, `door-open`,
    /// `door_open`), or by the scene it is that scene's only task in (`door`, `die`). `cup`
    /// names no task: the cup scene has two.
    pub fn from_name(name: &str) -> Option<Self> {
        let n = name.to_ascii_lowercase().replace(['-', '_'], "");
        match n.as_str() {
            "door" => return Some(Task::DoorOpen),
            "die" => return Some(Task::DieRoll),
            _ => {}
        }
        Self::ALL
            .into_iter()
            .find(|t| t.name().to_ascii_lowercase() == n)
    }

    /// The scene the task runs in.
    pub fn scene(self) -> &'static str {
        match self {
            Task::Reach | Task::CupPush => "cup",
            Task::DoorOpen => "door",
            Task::DieRoll => "die",
        }
    }
}

/// What the agent sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObsMode {
    /// Simulator state (hand xyz and the task's object state) followed by the goal: sim only.
    State,
    /// The task camera's RGB image.
    Image,
    /// The gel's tactile image.
    Tactile,
    /// Goal-conditioned dict: `observation`, `achieved_goal`, `desired_goal` (state), plus
    /// `image_observation` and `image_desired_goal` (camera or gel images, by task).
    Goal,
}

impl ObsMode {
    /// The mode named `name` in any case: `state`, `image`, `tactile`, or `goal` (also `dict`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "state" => Some(ObsMode::State),
            "image" => Some(ObsMode::Image),
            "tactile" => Some(ObsMode::Tactile),
            "goal" | "dict" => Some(ObsMode::Goal),
            _ => None,
        }
    }
}

/// How the task rewards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RewardType {
    /// 0 on success, -1 otherwise (Gymnasium-Robotics' convention, what HER expects).
    Sparse,
    /// Minus the distance to the goal in the task's state space (sim only: it reads oracle
    /// state).
    Dense,
}

/// How to build a [`TaskEnv`]. `EnvConfig::new(task)` has the task's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvConfig {
    /// Which task.
    pub task: Task,
    /// What the agent sees.
    pub obs_mode: ObsMode,
    /// Image size (width, height) for camera observations; tactile images use the gel's size.
    pub image_size: (u32, u32),
    /// Sparse or dense reward.
    pub reward: RewardType,
    /// Steps after which an episode is truncated.
    pub max_episode_steps: usize,
    /// Draw the scene's ranges (door handle, damping, cup mass, die placement) on every hard
    /// reset from the env's seed; otherwise nominal scenes.
    pub randomize_scene: bool,
    /// DieRoll only: how many rolls away the goal face is, 1 (a face sharing an edge with the
    /// face up) or 2 (a face no one push reaches).
    pub die_goal_rolls: u8,
    /// What one action does: move the hand, or (DieRoll only) roll the die and feel for it.
    pub action_mode: ActionMode,
    /// DoorOpen only: practise on this door of the door family (`door-family.toml` built with
    /// this seed at every hard reset; see [`crate::door_family`]) instead of the single door.
    pub door: Option<u64>,
}

impl EnvConfig {
    /// The task's defaults: its observation mode, image size and episode length, sparse reward,
    /// nominal scene, hand actions, die goals one roll away.
    pub fn new(task: Task) -> Self {
        let (obs_mode, image_size, max_episode_steps) = match task {
            Task::Reach => (ObsMode::State, (48, 48), 50),
            Task::DoorOpen => (ObsMode::Image, (48, 48), 100),
            Task::CupPush => (ObsMode::Image, (64, 48), 50),
            Task::DieRoll => (ObsMode::Tactile, (64, 48), 20),
        };
        Self {
            task,
            obs_mode,
            image_size,
            reward: RewardType::Sparse,
            max_episode_steps,
            randomize_scene: false,
            die_goal_rolls: 1,
            action_mode: ActionMode::Hand,
            door: None,
        }
    }

    /// DoorOpen on the door family's door `seed`.
    pub fn door(mut self, seed: u64) -> Self {
        self.door = Some(seed);
        self
    }

    /// How the scene is built before the first reset: the family door's seed, or nominal.
    pub fn first_build(&self) -> crate::Randomization {
        self.door
            .map_or(crate::Randomization::Nominal, crate::Randomization::Seeded)
    }

    /// The scene file the task runs in, by name: the task's own, or the door family.
    pub fn scene(&self) -> &'static str {
        match self.door {
            Some(_) => crate::door_family::FAMILY_SCENE,
            None => self.task.scene(),
        }
    }

    /// The task's episode length for these goals and actions: DieRoll gets 20 hand steps for
    /// one roll, 40 for two; with roll actions, 3 and 5 (the rolls needed, and room to undo a
    /// roll that went astray).
    fn default_steps(&self) -> usize {
        match (self.task, self.action_mode, self.die_goal_rolls) {
            (Task::DieRoll, ActionMode::Roll, 2) => 5,
            (Task::DieRoll, ActionMode::Roll, _) => 3,
            (Task::DieRoll, ActionMode::Hand, 2) => 40,
            _ => EnvConfig::new(self.task).max_episode_steps,
        }
    }

    /// With roll actions (DieRoll only): one action pushes the die over and presses its top
    /// again; episodes get 3 rolls (5 for goals two rolls away) unless their length was set.
    pub fn action_mode(self, mode: ActionMode) -> Self {
        self.keeping_default_steps(|c| c.action_mode = mode)
    }

    /// DieRoll with its goal `rolls` (1 or 2) rolls away; two rolls get twice one's steps (or,
    /// with roll actions, 5 for 3) unless the episode length was set.
    pub fn die_goal_rolls(self, rolls: u8) -> Self {
        self.keeping_default_steps(|c| c.die_goal_rolls = rolls)
    }

    /// Says what is wrong with the task-specific settings: die goals 1 or 2 rolls away, roll
    /// actions on the die only, a family door on DoorOpen only and not with randomize_scene.
    pub fn check_settings(&self) -> Result<(), String> {
        if !(1..=2).contains(&self.die_goal_rolls) {
            return Err(format!(
                "die_goal_rolls {}: a DieRoll goal is 1 or 2 rolls away",
                self.die_goal_rolls
            ));
        }
        if self.door.is_some() && self.task != Task::DoorOpen {
            return Err(format!(
                "door {}: the door family is DoorOpen's; {} has no door",
                self.door.unwrap_or_default(),
                self.task.name()
            ));
        }
        if self.door.is_some() && self.randomize_scene {
            return Err(
                "door and randomize_scene: a family door is one door, built the same at every \
                 reset; randomize_scene draws a new scene each time. Give one"
                    .into(),
            );
        }
        if self.action_mode == ActionMode::Roll && self.task != Task::DieRoll {
            return Err(format!(
                "roll actions roll the die; {} takes hand actions",
                self.task.name()
            ));
        }
        Ok(())
    }

    /// Applies `change`; an episode length that was the default becomes the new default.
    fn keeping_default_steps(mut self, change: impl FnOnce(&mut Self)) -> Self {
        let default = self.max_episode_steps == self.default_steps();
        change(&mut self);
        if default {
            self.max_episode_steps = self.default_steps();
        }
        self
    }

    /// The same config seeing through `mode`.
    pub fn obs_mode(mut self, mode: ObsMode) -> Self {
        self.obs_mode = mode;
        self
    }

    /// The same config with camera images `width` × `height` pixels.
    pub fn image_size(mut self, width: u32, height: u32) -> Self {
        self.image_size = (width, height);
        self
    }

    /// The same config rewarding by `reward`.
    pub fn reward(mut self, reward: RewardType) -> Self {
        self.reward = reward;
        self
    }

    /// The same config with episodes truncated after `steps` steps.
    pub fn max_episode_steps(mut self, steps: usize) -> Self {
        self.max_episode_steps = steps;
        self
    }
}

/// What a task knows beyond the shared machinery: its goals, its state and its success. It
/// reads the arm's own state and, where a simulator offers it, the scene's truth; it changes
/// the scene only through the simulator's privileges (resets, goal pictures).
trait TaskLogic: Send + Sync {
    /// Simulator state seen in `State` mode (and as `observation` in goal dicts).
    fn state(&self, arm: &RobotState, truth: &OracleState) -> Vec<f32>;
    /// Bounds of the state vector (for the space).
    fn state_bounds(&self) -> (f32, f32) {
        (-2.0, 2.0)
    }
    /// Where the task is now, in goal space.
    fn achieved(&self, arm: &RobotState, truth: &OracleState) -> Vec<f32>;
    /// Starts an episode: puts the scene where it should start (`hard`), then draws a goal.
    fn reset(
        &self,
        sim: &mut dyn Simulator,
        rng: &mut ChaCha8Rng,
        hard: bool,
    ) -> Result<Vec<f32>, RobotError>;
    /// Sets the scene to show `goal` (for its picture); the caller restores the scene after.
    fn pose_goal(&self, sim: &mut dyn Simulator, goal: &[f32]) -> Result<(), RobotError>;
    /// Distance in goal space.
    fn distance(&self, achieved: &[f32], desired: &[f32]) -> f64;
    /// Whether `achieved` meets `desired`.
    fn success(&self, achieved: &[f32], desired: &[f32]) -> bool;
    /// Evaluation metrics for `info`.
    fn metrics(&self, arm: &RobotState, truth: &OracleState, goal: &[f32], info: &mut Info);
    /// The hand step the task allows (the die protects the gel from hard presses); `scene` is
    /// `None` on an arm that is not simulated.
    fn limit_action(
        &self,
        _arm: &RobotState,
        _spec: &RobotSpec,
        _scene: Option<&SceneGeometry>,
        delta: DVec3,
    ) -> DVec3 {
        delta
    }
    /// Ends the episode on success (the reset-free door never does).
    fn terminates(&self) -> bool {
        true
    }
}

fn logic(config: &EnvConfig) -> Box<dyn TaskLogic> {
    match config.task {
        Task::Reach => Box::new(reach::Reach),
        Task::DoorOpen => Box::new(door::DoorOpen),
        Task::CupPush => Box::new(cup::CupPush),
        Task::DieRoll => Box::new(die::DieRoll {
            rolls: config.die_goal_rolls,
        }),
    }
}

/// Euclidean distance of two equal-length vectors.
fn l2(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| ((x - y) as f64).powi(2))
        .sum::<f64>()
        .sqrt()
}
