//! [`TaskEnv`]: a task on any arm, as an [`Env`].
//!
//! The arm is driven only through the [`Robot`] trait (one end-effector command per step,
//! through a [`SafetyLayer`]), and observations come from [`Robot::read_sensor`]. Where the
//! arm is simulated ([`Robot::simulator`]), resets rebuild and place the scene, goals are
//! drawn and posed for their pictures, and `info` carries the oracle's metrics. On an arm
//! that is not simulated, goals are pictures the user gives ([`TaskEnv::set_goal_image`]),
//! resets leave the scene as it is (a hard reset homes the arm), the reward is NaN (unknown)
//! unless a reward function is set, and the oracle's metrics are absent.

use glam::DVec3;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::spec::{check, check_scene, image_space, make_spec, uses_gel};
use super::{ActionMode, EnvConfig, ObsMode, RewardType, TaskLogic, logic};
use crate::env::*;
use crate::spaces::*;
use crate::{
    Command, Image, Oracle, OracleState, Randomization, Robot, SafetyLayer, SceneGeometry,
    SensorKind, SimRobot,
};

/// A task on an arm (simulated by default), as an [`Env`].
pub struct TaskEnv<R: Robot = SimRobot> {
    pub(super) config: EnvConfig,
    spec: EnvSpec,
    logic: Box<dyn TaskLogic>,
    pub(super) robot: SafetyLayer<R>,
    rng: ChaCha8Rng,
    goal: Option<Vec<f32>>,
    goal_image: Option<Vec<u8>>,
    /// Whether `reset` has run (an arm that is not simulated has images for goals, no goal).
    started: bool,
    steps: usize,
    reward_fn: Option<RewardFn>,
    /// Roll actions: the hand's height when the episode began, pressed on the die as the goal
    /// picture is; each roll presses back to it.
    pub(super) press_height: f64,
    /// Its place on the process's watch page, once it has shown something there.
    pub(super) watched: Option<super::watched::Watched>,
    /// The sensor whose images observations carry: the gel, or the scene's task camera.
    sensor: String,
    /// The scene's geometry as last built; `None` on an arm that is not simulated.
    scene: Option<SceneGeometry>,
}

impl TaskEnv<SimRobot> {
    /// Builds the task's scene on a simulated arm behind a safety layer; an error names a bad
    /// setting. Call `reset` before `step`.
    pub fn new(config: EnvConfig) -> Result<Self, EnvError> {
        check(&config)?;
        let robot = SimRobot::from_scene(config.scene(), config.first_build())
            .map_err(|e| EnvError::Setup(e.to_string()))?;
        Self::on_robot(config, robot)
    }

}

impl<R: Robot> TaskEnv<R> {
    /// The task on `robot`, which must carry the sensor the observations need (the gel for
    /// tactile observations and the die, else a camera, the first of which watches the task).
    /// State observations read the simulator and need a simulated arm.
    pub fn on_robot(config: EnvConfig, mut robot: R) -> Result<Self, EnvError> {
        check(&config)?;
        let simulated = robot.simulator().is_some();
        if !simulated && config.obs_mode == ObsMode::State {
            return Err(EnvError::Setup(
                "state observations read the simulator, and this arm is not simulated: observe \
                 images (obs_mode image, tactile or goal)"
                    .into(),
            ));
        }
        let gel = uses_gel(&config);
        let want = if gel {
            SensorKind::Tactile
        } else {
            SensorKind::Camera
        };
        let sensor = robot
            .spec()
            .sensors
            .iter()
            .find(|s| s.kind == want)
            .map(|s| s.name.clone())
            .ok_or_else(|| {
                EnvError::Setup(format!(
                    "the arm has no {want:?} sensor for {}",
                    config.task.name()
                ))
            })?;
        if !gel {
            let (w, h) = config.image_size;
            robot.set_sensor_size(&sensor, w, h)?;
        }
        let logic = logic(&config);
        let scene = robot.simulator().map(|s| s.geometry());
        if let Some(scene) = &scene {
            check_scene(config.task, scene)?;
        }
        let spec = make_spec(&config, &*logic, &robot);
        Ok(Self {
            spec,
            logic,
            robot: SafetyLayer::new(robot),
            rng: ChaCha8Rng::seed_from_u64(0),
            goal: None,
            goal_image: None,
            started: false,
            steps: 0,
            reward_fn: None,
            press_height: 0.0,
            watched: None,
            sensor,
            scene,
            config,
        })
    }

    /// The settings the env was built with.
    pub fn config(&self) -> &EnvConfig {
        &self.config
    }

    /// The robot (through its safety layer).
    pub fn robot(&self) -> &SafetyLayer<R> {
        &self.robot
    }

    /// The robot, mutable: for tests and scripted set-ups (teleporting objects is a simulator
    /// privilege; agents act through `step`).
    #[doc(hidden)]
    pub fn robot_mut_for_tests(&mut self) -> &mut SafetyLayer<R> {
        &mut self.robot
    }

    /// The current goal in goal space, once reset (on a simulated arm).
    pub fn goal(&self) -> Option<&[f32]> {
        self.goal.as_deref()
    }

    /// The current goal as a picture (camera or gel, as the observation), once reset.
    pub fn goal_image(&self) -> Option<&[u8]> {
        self.goal_image.as_deref()
    }

    /// Sets the goal (in goal space) instead of drawing one: for evaluation on fixed goals
    /// (a simulated arm poses it for its picture).
    pub fn set_goal(&mut self, goal: &[f32]) -> Result<(), EnvError> {
        let len = self.achieved().len();
        if goal.len() != len || goal.iter().any(|g| !g.is_finite()) {
            return Err(EnvError::Setup(format!(
                "a goal has {len} finite numbers, got {goal:?}"
            )));
        }
        self.goal_image = Some(self.picture_of_goal(goal)?);
        self.goal = Some(goal.to_vec());
        Ok(())
    }

    /// Sets the goal as a picture (`height × width × 3` bytes, as observations' images): how a
    /// goal is given on an arm that is not simulated (a photo of the door open, the gel pressed
    /// on the goal face). On a simulated arm it replaces the drawn goal's picture only.
    pub fn set_goal_image(&mut self, rgb: &[u8]) -> Result<(), EnvError> {
        let want = self.image_space().shape.iter().product::<usize>();
        if rgb.len() != want {
            return Err(EnvError::Setup(format!(
                "a goal image here is {:?} ({want} bytes), got {} bytes",
                self.image_space().shape,
                rgb.len()
            )));
        }
        self.goal_image = Some(rgb.to_vec());
        Ok(())
    }

    /// The task camera's picture at the configured image size, whatever the observation mode.
    pub fn camera_image(&mut self) -> Result<Vec<u8>, EnvError> {
        let (w, h) = self.config.image_size;
        self.camera_image_sized(w, h)
    }

    /// The task camera's picture at another size (a movie's, say), whatever the observations'.
    pub fn camera_image_sized(&mut self, width: u32, height: u32) -> Result<Vec<u8>, EnvError> {
        let camera = self.task_camera()?;
        let spec = self.robot.spec().sensors.iter().find(|s| s.name == camera);
        let (w0, h0) = spec.map_or((width, height), |s| (s.width, s.height));
        self.robot.set_sensor_size(&camera, width, height)?;
        let image = self.robot.read_sensor(&camera);
        self.robot.set_sensor_size(&camera, w0, h0)?;
        Ok(image?.rgb)
    }

    /// The gel's tactile picture, whatever the observation mode.
    pub fn tactile_image(&mut self) -> Result<Vec<u8>, EnvError> {
        let gel = self.sensor_of(SensorKind::Tactile)?;
        Ok(self.robot.read_sensor(&gel)?.rgb)
    }

    /// True if observations' images are the gel's (else the task camera's).
    pub fn observes_gel(&self) -> bool {
        uses_gel(&self.config)
    }

    /// The scene's first camera: the one the task watches.
    fn task_camera(&self) -> Result<String, EnvError> {
        self.sensor_of(SensorKind::Camera)
    }

    pub(super) fn sensor_of(&self, kind: SensorKind) -> Result<String, EnvError> {
        let sensors = &self.robot.spec().sensors;
        sensors
            .iter()
            .find(|s| s.kind == kind)
            .map(|s| s.name.clone())
            .ok_or_else(|| EnvError::Setup(format!("the arm has no {kind:?} sensor")))
    }

    pub(super) fn image_space(&self) -> BoxSpace {
        image_space(&self.config)
    }

    pub(super) fn sensor_image(&mut self) -> Result<Vec<u8>, EnvError> {
        Ok(self.robot.read_sensor(&self.sensor)?.rgb)
    }

    /// The scene's truth, or nothing known on an arm that is not simulated.
    fn truth(&self) -> OracleState {
        self.robot
            .simulator()
            .map(|s| s.truth())
            .unwrap_or_default()
    }

    fn achieved(&self) -> Vec<f32> {
        self.logic.achieved(&self.robot.state(), &self.truth())
    }

    /// Renders what `goal` looks like, leaving the scene as it was.
    fn picture_of_goal(&mut self, goal: &[f32]) -> Result<Vec<u8>, EnvError> {
        if matches!(self.config.obs_mode, ObsMode::State) {
            return Ok(Vec::new());
        }
        let Some(sim) = self.robot.simulator_mut() else {
            return Err(not_simulated("pose a goal for its picture"));
        };
        sim.save()?;
        let posed = self.logic.pose_goal(sim, goal);
        let image = posed
            .map_err(EnvError::from)
            .and_then(|_| self.sensor_image());
        self.robot
            .simulator_mut()
            .expect("simulated above")
            .restore()?;
        image
    }

    fn observe(&mut self) -> Result<Observation, EnvError> {
        let shape = |img: Vec<u8>, space: &BoxSpace| Array {
            shape: space.shape.clone(),
            data: ArrayData::U8(img),
        };
        let (arm, truth) = (self.robot.state(), self.truth());
        Ok(match self.config.obs_mode {
            ObsMode::State => {
                let mut v = self.logic.state(&arm, &truth);
                let goal = self
                    .goal
                    .clone()
                    .unwrap_or_else(|| self.logic.achieved(&arm, &truth));
                v.extend(goal);
                Observation::Array(Array::f32(v))
            }
            ObsMode::Image | ObsMode::Tactile => {
                let img = self.sensor_image()?;
                Observation::Array(shape(img, &self.image_space()))
            }
            ObsMode::Goal => {
                let img = self.sensor_image()?;
                let space = self.image_space();
                let goal_img = self.goal_image.clone().unwrap_or_else(|| img.clone());
                let images = [
                    ("image_desired_goal".to_string(), shape(goal_img, &space)),
                    ("image_observation".to_string(), shape(img, &space)),
                ];
                if self.scene.is_none() {
                    return Ok(Observation::Dict(images.into()));
                }
                let achieved = self.logic.achieved(&arm, &truth);
                let goal = self.goal.clone().unwrap_or_else(|| achieved.clone());
                let [goal_image, image] = images;
                Observation::Dict(vec![
                    ("achieved_goal".into(), Array::f32(achieved)),
                    ("desired_goal".into(), Array::f32(goal)),
                    goal_image,
                    image,
                    (
                        "observation".into(),
                        Array::f32(self.logic.state(&arm, &truth)),
                    ),
                ])
            }
        })
    }

    fn info(&self) -> Info {
        let mut info = Info::new();
        if let (Some(goal), Some(sim)) = (&self.goal, self.robot.simulator()) {
            let (arm, truth) = (self.robot.state(), sim.truth());
            let achieved = self.logic.achieved(&arm, &truth);
            let success = self.logic.success(&achieved, goal);
            info.insert(crate::info::IS_SUCCESS.into(), InfoValue::Bool(success));
            info.insert(
                crate::info::GOAL_DISTANCE.into(),
                InfoValue::Float(self.logic.distance(&achieved, goal)),
            );
            self.logic.metrics(&arm, &truth, goal, &mut info);
        }
        info.insert("step".into(), InfoValue::Int(self.steps as i64));
        info
    }

    /// Starts an episode on a simulated arm: a fresh scene when `hard`, and a drawn goal.
    fn reset_simulated(&mut self, hard: bool) -> Result<(), EnvError> {
        let randomization = match self.config.door {
            Some(door) => Randomization::Seeded(door),
            None if self.config.randomize_scene => {
                Randomization::Seeded(rand::Rng::random::<u64>(&mut self.rng))
            }
            None => Randomization::Nominal,
        };
        let sim = self
            .robot
            .simulator_mut()
            .expect("called on simulated arms");
        if hard {
            // A fresh world: solver caches and the clock start over, bit for bit.
            sim.rebuild(randomization)?;
            self.scene = Some(sim.geometry());
        }
        let goal = self.logic.reset(sim, &mut self.rng, hard)?;
        self.goal_image = Some(self.picture_of_goal(&goal)?);
        self.goal = Some(goal);
        Ok(())
    }

    /// One hand step of `action` (already checked against the space).
    fn hand_step(&mut self, action: &[f32]) -> Result<(), EnvError> {
        let spec = self.robot.spec();
        let max = spec.max_ee_step;
        let delta = DVec3::new(action[0] as f64, action[1] as f64, action[2] as f64) * max;
        let delta = self
            .logic
            .limit_action(&self.robot.state(), spec, self.scene.as_ref(), delta);
        self.robot
            .command(Command::ee_delta(delta.x, delta.y, delta.z))?;
        self.robot.step()?;
        Ok(())
    }
}

fn not_simulated(what: &str) -> EnvError {
    EnvError::Setup(format!("this arm is not simulated: it cannot {what}"))
}

impl<R: Robot + Send> Env for TaskEnv<R> {
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
        let hard = !self.started || seed.is_some() || options.hard_reset || self.logic.terminates();
        if self.robot.simulator().is_some() {
            self.reset_simulated(hard)?;
        } else {
            if options.hard_reset {
                self.robot.home()?;
            }
            if self.goal_image.is_none() {
                return Err(not_simulated(
                    "draw a goal: give it as a picture first (set_goal_image)",
                ));
            }
        }
        self.started = true;
        self.steps = 0;
        self.press_height = self.robot.state().ee_position.z;
        let obs = self.observe()?;
        self.show(&obs, true);
        Ok((obs, self.info()))
    }

    fn step(&mut self, action: &[f32]) -> Result<Transition, EnvError> {
        if !self.started {
            return Err(EnvError::NotReset);
        }
        self.spec
            .action_space
            .check("action", action)
            .map_err(EnvError::BadAction)?;
        let hand_steps = if self.config.action_mode == ActionMode::Roll {
            self.roll(action)?
        } else {
            self.hand_step(action)?;
            1
        };
        self.steps += 1;
        let observation = self.observe()?;
        self.show(&observation, false);
        let mut info = self.info();
        info.insert(
            crate::info::HAND_STEPS.into(),
            InfoValue::Int(hand_steps as i64),
        );
        let success = info.get(crate::info::IS_SUCCESS) == Some(&InfoValue::Bool(true));
        let reward = match (&self.reward_fn, &self.goal, self.robot.simulator()) {
            (Some(f), _, _) => f(&observation, &info),
            (None, Some(goal), Some(_)) => self.compute_reward(&self.achieved(), goal),
            // Nothing here knows how well this arm did: the reward is unknown.
            _ => f64::NAN,
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
        let (width, height) = (320, 240);
        let rgb = self.camera_image_sized(width, height)?;
        Ok(Image { width, height, rgb })
    }

    fn set_reward_fn(&mut self, reward: Option<RewardFn>) {
        self.reward_fn = reward;
    }
}

/// The oracle state of the task's scene, for evaluation (empty on an arm that is not
/// simulated).
impl<R: Robot> Oracle for TaskEnv<R> {
    fn oracle(&self) -> OracleState {
        self.truth()
    }
}
