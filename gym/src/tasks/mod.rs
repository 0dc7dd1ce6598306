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

pub use roll::{ActionMode, STAY};

use glam::DVec3;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::env::*;
use crate::spaces::*;
use crate::{Command, Image, Oracle, Robot, RobotError, SafetyLayer, SimRobot};
use byfeel_sim::Randomization;

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

    /// Says what is wrong with the die's settings: goals 1 or 2 rolls away, roll actions on
    /// the die only.
    pub fn check_die(&self) -> Result<(), String> {
        if !(1..=2).contains(&self.die_goal_rolls) {
            return Err(format!(
                "die_goal_rolls {}: a DieRoll goal is 1 or 2 rolls away",
                self.die_goal_rolls
            ));
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

/// What a task knows beyond the shared machinery: its goals, its state and its success.
trait TaskLogic: Send + Sync {
    /// Simulator state seen in `State` mode (and as `observation` in goal dicts).
    fn state(&self, robot: &SimRobot) -> Vec<f32>;
    /// Bounds of the state vector (for the space).
    fn state_bounds(&self) -> (f32, f32) {
        (-2.0, 2.0)
    }
    /// Where the task is now, in goal space.
    fn achieved(&self, robot: &SimRobot) -> Vec<f32>;
    /// Starts an episode: puts the world where it should start (`hard`), then draws a goal.
    fn reset(
        &self,
        robot: &mut SimRobot,
        rng: &mut ChaCha8Rng,
        hard: bool,
    ) -> Result<Vec<f32>, RobotError>;
    /// Sets the world to show `goal` (for its picture); the caller restores the world after.
    fn pose_goal(&self, robot: &mut SimRobot, goal: &[f32]) -> Result<(), RobotError>;
    /// Distance in goal space.
    fn distance(&self, achieved: &[f32], desired: &[f32]) -> f64;
    fn success(&self, achieved: &[f32], desired: &[f32]) -> bool;
    /// Evaluation metrics for `info`.
    fn metrics(&self, robot: &SimRobot, goal: &[f32], info: &mut Info);
    /// The hand step the task allows (the die protects the gel from hard presses).
    fn limit_action(&self, _robot: &SimRobot, delta: DVec3) -> DVec3 {
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

/// A task on a simulated arm, as an [`Env`].
pub struct TaskEnv {
    config: EnvConfig,
    spec: EnvSpec,
    logic: Box<dyn TaskLogic>,
    robot: SafetyLayer<SimRobot>,
    rng: ChaCha8Rng,
    goal: Option<Vec<f32>>,
    goal_image: Option<Vec<u8>>,
    steps: usize,
    reward_fn: Option<RewardFn>,
    /// Roll actions: the hand's height when the episode began, pressed on the die as the goal
    /// picture is; each roll presses back to it.
    press_height: f64,
}

impl TaskEnv {
    /// Builds the task's scene on a simulated arm behind a safety layer; an error names a bad
    /// setting. Call `reset` before `step`.
    pub fn new(config: EnvConfig) -> Result<Self, EnvError> {
        let (w, h) = config.image_size;
        if w == 0 || h == 0 || w > 1024 || h > 1024 {
            return Err(EnvError::Setup(format!(
                "image size {w}x{h}: each side must be 1 to 1024"
            )));
        }
        if config.max_episode_steps == 0 {
            return Err(EnvError::Setup(
                "max_episode_steps must be at least 1".into(),
            ));
        }
        let robot = SimRobot::from_scene(config.task.scene(), Randomization::Nominal)
            .map_err(|e| EnvError::Setup(e.to_string()))?;
        config.check_die().map_err(EnvError::Setup)?;
        let logic = logic(&config);
        let spec = Self::make_spec(&config, &*logic, &robot);
        Ok(Self {
            spec,
            logic,
            robot: SafetyLayer::new(robot),
            rng: ChaCha8Rng::seed_from_u64(0),
            goal: None,
            goal_image: None,
            steps: 0,
            reward_fn: None,
            press_height: 0.0,
            config,
        })
    }

    fn make_spec(config: &EnvConfig, logic: &dyn TaskLogic, robot: &SimRobot) -> EnvSpec {
        let state_len = logic.state(robot).len();
        let goal_len = logic.achieved(robot).len();
        let (lo, hi) = logic.state_bounds();
        let image = Self::image_space(config);
        let observation_space = match config.obs_mode {
            // The state and, after it, the goal: the goal must be seen to be reached.
            ObsMode::State => Space::Box(BoxSpace::f32(&[state_len + goal_len], lo, hi)),
            ObsMode::Image | ObsMode::Tactile => Space::Box(image),
            ObsMode::Goal => Space::Dict(vec![
                ("achieved_goal".into(), BoxSpace::f32(&[goal_len], lo, hi)),
                ("desired_goal".into(), BoxSpace::f32(&[goal_len], lo, hi)),
                ("image_desired_goal".into(), image.clone()),
                ("image_observation".into(), image),
                ("observation".into(), BoxSpace::f32(&[state_len], lo, hi)),
            ]),
        };
        EnvSpec {
            id: format!("byfeel/{}-v0", config.task.name()),
            observation_space,
            action_space: BoxSpace::f32(&[config.action_mode.action_dim()], -1.0, 1.0),
            max_episode_steps: config.max_episode_steps,
            step_seconds: robot.spec().control_dt,
            goal_conditioned: config.obs_mode == ObsMode::Goal,
        }
    }

    /// The image an observation carries: the gel's for tactile mode and the die, else the
    /// task camera's.
    fn image_space(config: &EnvConfig) -> BoxSpace {
        if Self::uses_gel(config) {
            let t = byfeel_render::TactileConfig::default();
            BoxSpace::image(t.height, t.width)
        } else {
            BoxSpace::image(config.image_size.1, config.image_size.0)
        }
    }

    fn uses_gel(config: &EnvConfig) -> bool {
        config.obs_mode == ObsMode::Tactile
            || (config.task == Task::DieRoll && config.obs_mode == ObsMode::Goal)
    }

    /// The settings the env was built with.
    pub fn config(&self) -> &EnvConfig {
        &self.config
    }

    /// The robot (through its safety layer).
    pub fn robot(&self) -> &SafetyLayer<SimRobot> {
        &self.robot
    }

    /// The robot, mutable: for tests and scripted set-ups (teleporting objects is a simulator
    /// privilege; agents act through `step`).
    #[doc(hidden)]
    pub fn robot_mut_for_tests(&mut self) -> &mut SafetyLayer<SimRobot> {
        &mut self.robot
    }

    /// The current goal in goal space, once reset.
    pub fn goal(&self) -> Option<&[f32]> {
        self.goal.as_deref()
    }

    /// The current goal as a picture (camera or gel, as the observation), once reset.
    pub fn goal_image(&self) -> Option<&[u8]> {
        self.goal_image.as_deref()
    }

    /// Sets the goal (in goal space) instead of drawing one: for evaluation on fixed goals.
    pub fn set_goal(&mut self, goal: &[f32]) -> Result<(), EnvError> {
        let len = self.logic.achieved(self.robot.inner()).len();
        if goal.len() != len || goal.iter().any(|g| !g.is_finite()) {
            return Err(EnvError::Setup(format!(
                "a goal has {len} finite numbers, got {goal:?}"
            )));
        }
        self.goal_image = Some(self.picture_of_goal(goal)?);
        self.goal = Some(goal.to_vec());
        Ok(())
    }

    /// The task camera's picture at the configured image size, whatever the observation mode.
    pub fn camera_image(&mut self) -> Result<Vec<u8>, EnvError> {
        let (w, h) = self.config.image_size;
        self.camera_image_sized(w, h)
    }

    /// The task camera's picture at another size (a movie's, say), whatever the observations'.
    pub fn camera_image_sized(&mut self, width: u32, height: u32) -> Result<Vec<u8>, EnvError> {
        let sim = self.robot.inner_mut();
        let camera = sim.task_camera().map_err(setup)?.with_size(width, height);
        Ok(sim.render_view(&camera).map_err(setup)?.rgb)
    }

    /// The gel's tactile picture, whatever the observation mode.
    pub fn tactile_image(&mut self) -> Result<Vec<u8>, EnvError> {
        Ok(self.robot.inner_mut().render_tactile().map_err(setup)?.rgb)
    }

    /// True if observations' images are the gel's (else the task camera's).
    pub fn observes_gel(&self) -> bool {
        Self::uses_gel(&self.config)
    }

    fn sensor_image(&mut self) -> Result<Vec<u8>, EnvError> {
        let sim = self.robot.inner_mut();
        if Self::uses_gel(&self.config) {
            return Ok(sim.render_tactile().map_err(setup)?.rgb);
        }
        self.camera_image()
    }

    /// Renders what `goal` looks like, leaving the world as it was.
    fn picture_of_goal(&mut self, goal: &[f32]) -> Result<Vec<u8>, EnvError> {
        if matches!(self.config.obs_mode, ObsMode::State) {
            return Ok(Vec::new());
        }
        let saved = self.robot.inner().snapshot();
        let posed = self.logic.pose_goal(self.robot.inner_mut(), goal);
        let image = posed
            .map_err(EnvError::from)
            .and_then(|_| self.sensor_image());
        self.robot.inner_mut().restore(&saved);
        image
    }

    fn observe(&mut self) -> Result<Observation, EnvError> {
        let sim = self.robot.inner();
        let shape = |img: Vec<u8>, space: &BoxSpace| Array {
            shape: space.shape.clone(),
            data: ArrayData::U8(img),
        };
        Ok(match self.config.obs_mode {
            ObsMode::State => {
                let mut v = self.logic.state(sim);
                let goal = self
                    .goal
                    .clone()
                    .unwrap_or_else(|| self.logic.achieved(sim));
                v.extend(goal);
                Observation::Array(Array::f32(v))
            }
            ObsMode::Image | ObsMode::Tactile => {
                let img = self.sensor_image()?;
                Observation::Array(shape(img, &Self::image_space(&self.config)))
            }
            ObsMode::Goal => {
                let state = self.logic.state(sim);
                let achieved = self.logic.achieved(sim);
                let img = self.sensor_image()?;
                let space = Self::image_space(&self.config);
                let goal = self.goal.clone().unwrap_or_else(|| achieved.clone());
                let goal_img = self.goal_image.clone().unwrap_or_else(|| img.clone());
                Observation::Dict(vec![
                    ("achieved_goal".into(), Array::f32(achieved)),
                    ("desired_goal".into(), Array::f32(goal)),
                    ("image_desired_goal".into(), shape(goal_img, &space)),
                    ("image_observation".into(), shape(img, &space)),
                    ("observation".into(), Array::f32(state)),
                ])
            }
        })
    }

    fn info(&self) -> Info {
        let sim = self.robot.inner();
        let mut info = Info::new();
        let achieved = self.logic.achieved(sim);
        if let Some(goal) = &self.goal {
            let success = self.logic.success(&achieved, goal);
            info.insert(crate::info::IS_SUCCESS.into(), InfoValue::Bool(success));
            info.insert(
                crate::info::GOAL_DISTANCE.into(),
                InfoValue::Float(self.logic.distance(&achieved, goal)),
            );
            self.logic.metrics(sim, goal, &mut info);
        }
        info.insert("step".into(), InfoValue::Int(self.steps as i64));
        info
    }
}

fn setup(e: byfeel_render::RenderError) -> EnvError {
    EnvError::Setup(e.to_string())
}

impl Env for TaskEnv {
    fn spec(&self) -> &EnvSpec {
        &self.spec
    }

    fn reset(
        &mut self,
        seed: Option<u64>,
        options: &ResetOptions,
    ) -> Result<(Observation, Info), EnvError> {
        if let Some(s) = seed {
            self.rng = ChaCha8Rng::seed_from_u64(s);
        }
        // A seeded reset starts from scratch, so that a seed always reproduces an episode;
        // unseeded resets of the reset-free door only propose a new goal.
        let hard =
            self.goal.is_none() || seed.is_some() || options.hard_reset || self.logic.terminates();
        if hard {
            // A fresh world: solver caches and the clock start over, bit for bit.
            let randomization = if self.config.randomize_scene {
                Randomization::Seeded(rand::Rng::random::<u64>(&mut self.rng))
            } else {
                Randomization::Nominal
            };
            let sim = SimRobot::from_scene(self.config.task.scene(), randomization)
                .map_err(|e| EnvError::Setup(e.to_string()))?;
            self.robot = SafetyLayer::new(sim);
        }
        let goal = self
            .logic
            .reset(self.robot.inner_mut(), &mut self.rng, hard)?;
        self.goal_image = Some(self.picture_of_goal(&goal)?);
        self.goal = Some(goal);
        self.steps = 0;
        self.press_height = self.robot.state().ee_position.z;
        let obs = self.observe()?;
        Ok((obs, self.info()))
    }

    fn step(&mut self, action: &[f32]) -> Result<Transition, EnvError> {
        let Some(goal) = self.goal.clone() else {
            return Err(EnvError::NotReset);
        };
        self.spec
            .action_space
            .check("action", action)
            .map_err(EnvError::BadAction)?;
        let hand_steps = if self.config.action_mode == ActionMode::Roll {
            self.roll(action)?
        } else {
            let max = self.robot.spec().max_ee_step;
            let delta = DVec3::new(action[0] as f64, action[1] as f64, action[2] as f64) * max;
            let delta = self.logic.limit_action(self.robot.inner(), delta);
            self.robot
                .command(Command::ee_delta(delta.x, delta.y, delta.z))?;
            self.robot.step()?;
            1
        };
        self.steps += 1;
        let observation = self.observe()?;
        let mut info = self.info();
        info.insert(crate::info::HAND_STEPS.into(), InfoValue::Int(hand_steps as i64));
        let achieved = self.logic.achieved(self.robot.inner());
        let success = self.logic.success(&achieved, &goal);
        let reward = match &self.reward_fn {
            Some(f) => f(&observation, &info),
            None => self.compute_reward(&achieved, &goal),
        };
        Ok(Transition {
            observation,
            reward,
            terminated: success && self.logic.terminates(),
            truncated: self.steps >= self.config.max_episode_steps,
            info,
        })
    }

    fn compute_reward(&self, achieved: &[f32], desired: &[f32]) -> f64 {
        match self.config.reward {
            RewardType::Sparse => {
                if self.logic.success(achieved, desired) {
                    0.0
                } else {
                    -1.0
                }
            }
            RewardType::Dense => -self.logic.distance(achieved, desired),
        }
    }

    fn render(&mut self) -> Result<Image, EnvError> {
        let sim = self.robot.inner_mut();
        let camera = sim.task_camera().map_err(setup)?.with_size(320, 240);
        let img = sim.render_view(&camera).map_err(setup)?;
        Ok(Image {
            width: img.width,
            height: img.height,
            rgb: img.rgb,
        })
    }

    fn set_reward_fn(&mut self, reward: Option<RewardFn>) {
        self.reward_fn = reward;
    }
}

/// The oracle state of the task's robot, for evaluation.
impl Oracle for TaskEnv {
    fn oracle(&self) -> crate::OracleState {
        self.robot.oracle()
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

fn hand(robot: &SimRobot) -> DVec3 {
    robot.state().ee_position
}
