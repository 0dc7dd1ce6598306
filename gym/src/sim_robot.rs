//! [`SimRobot`]: the [`Robot`] trait on byfeel's simulated world.

use crate::oracle::{Oracle, OracleState};
use crate::robot::*;
use byfeel_render::{
    Camera, CameraImage, GelState, RenderError, SceneGeometry, SharedRenderer, TactileImage,
};
use byfeel_sim::{AssetError, Frame, IkOptions, Randomization, SimError, Snapshot, World};
use glam::DVec3;
use std::path::Path;

/// A simulated arm in a scene. Use it through [`crate::SafetyLayer`] like any other robot.
///
/// ```no_run
/// use byfeel_gym::{Command, Robot, SafetyLayer, SimRobot};
/// use byfeel_sim::Randomization;
/// let mut robot = SafetyLayer::new(SimRobot::from_scene("door", Randomization::Nominal)?);
/// robot.command(Command::ee_delta(0.0, 0.0, -0.02))?; // 2 cm down per step
/// for _ in 0..5 {
///     let state = robot.step()?;
///     println!("{:.3} s: hand at {:?}", state.time, state.ee_position);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SimRobot {
    world: World,
    spec: RobotSpec,
    command: Command,
    /// Joint targets frozen when a hold began.
    hold_at: Option<Vec<f64>>,
    stopped: bool,
    ik: IkOptions,
    /// Draws cameras and the gel; the process's shared renderer unless one was given.
    renderer: Option<SharedRenderer>,
    /// The scene file the world was built from (what a rebuild builds again).
    scene: Option<std::path::PathBuf>,
    /// A change made to the scene file's settings before every build (a reality gap's).
    edit: Option<SceneEdit>,
    /// States saved by [`crate::Simulator::save`], newest last.
    saved: Vec<SimRobotSnapshot>,
}

mod privileges;

/// A change to a scene's settings before it is built.
pub type SceneEdit = std::sync::Arc<dyn Fn(&mut byfeel_sim::scene::SceneConfig) + Send + Sync>;

/// A snapshot of a [`SimRobot`]: the world and the command in force.
#[derive(Clone)]
pub struct SimRobotSnapshot {
    world: Snapshot,
    command: Command,
    hold_at: Option<Vec<f64>>,
    stopped: bool,
}

impl SimRobot {
    /// Draws with `renderer` instead of the process's shared one.
    pub fn with_renderer(mut self, renderer: SharedRenderer) -> Self {
        self.renderer = Some(renderer);
        self
    }

    fn renderer(&mut self) -> Result<SharedRenderer, RenderError> {
        if self.renderer.is_none() {
            self.renderer = Some(byfeel_render::shared_renderer()?);
        }
        Ok(self.renderer.clone().expect("set above"))
    }

    /// The scene camera called `name`, as the scene file defines it.
    pub fn camera(&self, name: &str) -> Result<Camera, RenderError> {
        let cameras = &self.world.config.cameras;
        cameras
            .iter()
            .find(|c| c.name == name)
            .map(Camera::from_config)
            .ok_or_else(|| RenderError::UnknownCamera {
                name: name.into(),
                known: cameras
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The scene's first camera: the one its task watches.
    pub fn task_camera(&self) -> Result<Camera, RenderError> {
        let c = self
            .world
            .config
            .cameras
            .first()
            .ok_or_else(|| RenderError::BadRequest("this scene defines no camera".into()))?;
        Ok(Camera::from_config(c))
    }

    /// The scene camera `name` now, with its depth image.
    pub fn render_camera(&mut self, name: &str) -> Result<CameraImage, RenderError> {
        let camera = self.camera(name)?;
        self.render_view(&camera)
    }

    /// The scene now, seen by any camera (a scene camera at another size, a viewer's).
    pub fn render_view(&mut self, camera: &Camera) -> Result<CameraImage, RenderError> {
        let geometry = SceneGeometry::from_world(&self.world);
        let renderer = self.renderer()?;
        let mut r = renderer.lock().unwrap_or_else(|p| p.into_inner());
        Ok(r.render_cameras(&[(&geometry, camera)])?.remove(0))
    }

    /// The gel's tactile image now, with its indentation map and contact mask.
    pub fn render_tactile(&mut self) -> Result<TactileImage, RenderError> {
        let gel = GelState::from_world(&self.world)
            .ok_or_else(|| RenderError::BadRequest("this robot has no gel".into()))?;
        let geometry = SceneGeometry::from_world(&self.world);
        let renderer = self.renderer()?;
        let mut r = renderer.lock().unwrap_or_else(|p| p.into_inner());
        Ok(r.render_tactile(&[(&geometry, gel)])?.remove(0))
    }

    /// Wraps a built world.
    pub fn new(world: World) -> Self {
        let chain = &world.arm.description.chain;
        let r = &world.config.robot;
        let mut sensors: Vec<SensorSpec> = world
            .config
            .cameras
            .iter()
            .map(|c| SensorSpec {
                name: c.name.clone(),
                kind: SensorKind::Camera,
                width: c.width,
                height: c.height,
            })
            .collect();
        if r.gel_link.is_some() {
            // The learning default of "Manipulation by Feel": 64 wide, 48 high.
            sensors.push(SensorSpec {
                name: "gel".into(),
                kind: SensorKind::Tactile,
                width: 64,
                height: 48,
            });
        }
        let spec = RobotSpec {
            name: world.arm.description.urdf.name.clone(),
            joints: chain
                .actuated_joints()
                .map(|j| JointSpec {
                    name: j.name.clone(),
                    lower: j.lower,
                    upper: j.upper,
                    max_velocity: j.max_velocity,
                })
                .collect(),
            control_dt: world.timing.control_dt,
            workspace: Workspace {
                min: DVec3::from_array(r.workspace_min),
                max: DVec3::from_array(r.workspace_max),
            },
            max_ee_step: r.max_ee_step,
            sensors,
        };
        Self {
            world,
            spec,
            command: Command::new(CommandMode::Hold),
            hold_at: None,
            stopped: false,
            ik: IkOptions {
                max_iterations: 60,
                ..IkOptions::default()
            },
            renderer: None,
            scene: None,
            edit: None,
            saved: Vec::new(),
        }
    }

    /// Builds a bundled scene by name (`door`, `cup`, `die`) or from a scene file path.
    pub fn from_scene(scene: &str, randomization: Randomization) -> Result<Self, AssetError> {
        Self::build(scene, randomization, None)
    }

    /// [`SimRobot::from_scene`] with `edit` made to the scene's settings before this build and
    /// every rebuild (a reality gap's masses, friction or camera poses, say).
    pub fn from_scene_edited(
        scene: &str,
        randomization: Randomization,
        edit: SceneEdit,
    ) -> Result<Self, AssetError> {
        Self::build(scene, randomization, Some(edit))
    }

    fn build(
        scene: &str,
        randomization: Randomization,
        edit: Option<SceneEdit>,
    ) -> Result<Self, AssetError> {
        let path = if scene.ends_with(".toml") || Path::new(scene).components().count() > 1 {
            Path::new(scene).to_path_buf()
        } else {
            byfeel_sim::scene_path(scene)
        };
        let (mut config, dir) = byfeel_sim::scene::SceneConfig::from_file(&path)?;
        if let Some(edit) = &edit {
            edit(&mut config);
        }
        let mut robot = Self::new(World::from_config(config, &dir, &path, randomization)?);
        robot.scene = Some(path);
        robot.edit = edit;
        Ok(robot)
    }

    /// The simulated world for resets and goal pictures (placing objects, teleporting): a
    /// simulator's privilege. Agents drive the arm through the [`Robot`] methods only.
    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    /// Puts the hand at `p` (tool down) instantly and holds it there: a reset, not a motion.
    pub fn teleport_hand(&mut self, p: DVec3) -> Result<(), RobotError> {
        let q = self.ik_targets(p)?;
        self.world.set_joint_positions(&q).map_err(sim_error)?;
        self.command = Command::new(CommandMode::Hold);
        self.hold_at = Some(q);
        Ok(())
    }

    /// The simulated world (read-only: drive it through the [`Robot`] methods).
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The whole simulated state (world, active command, hold, stop), to [`SimRobot::restore`]
    /// later.
    pub fn snapshot(&self) -> SimRobotSnapshot {
        SimRobotSnapshot {
            world: self.world.snapshot(),
            command: self.command.clone(),
            hold_at: self.hold_at.clone(),
            stopped: self.stopped,
        }
    }

    /// Puts the world and the arm's command state back as `s` recorded them.
    pub fn restore(&mut self, s: &SimRobotSnapshot) {
        self.world.restore(&s.world);
        self.command = s.command.clone();
        self.hold_at = s.hold_at.clone();
        self.stopped = s.stopped;
    }

    /// Joint targets that bring the end effector to `p` with the tool pointing down.
    fn ik_targets(&self, p: DVec3) -> Result<Vec<f64>, RobotError> {
        let arm = &self.world.arm;
        let target = Frame::new(p - arm.base.translation, self.world.tool_orientation);
        let seed = self.world.joint_targets();
        let sol = arm
            .description
            .chain
            .solve_ik(&target, seed, self.world.rest_joints(), &self.ik);
        if !sol.joints.iter().all(|q| q.is_finite()) {
            return Err(RobotError::Unreachable(format!(
                "no finite IK solution for {p:?}"
            )));
        }
        // A target out of reach is approached as closely as the arm can: the best IK answer.
        Ok(sol.joints)
    }

    /// This step's joint targets for a hand target `p`. From an odd posture (left there by
    /// joint-space commands) the best IK answer can lie far from `p`; one that would carry the
    /// hand out of the workspace, or farther out, is not followed: the arm holds.
    fn hand_toward(&self, p: DVec3) -> Result<Vec<f64>, RobotError> {
        let targets = self.rate_limited(self.ik_targets(p)?);
        let ws = &self.spec.workspace;
        let now = self.world.joint_targets().to_vec();
        let (Some(strays), Some(from)) = (
            crate::safety::path_outside(self, ws, &now, &targets),
            self.hand_at(&now),
        ) else {
            return Ok(targets);
        };
        Ok(if strays > 1e-3 && strays > ws.outside(from) {
            now
        } else {
            targets
        })
    }

    /// Limits each joint's move this step to its velocity limit.
    fn rate_limited(&self, targets: Vec<f64>) -> Vec<f64> {
        self.spec.joint_step(self.world.joint_targets(), &targets)
    }
}

/// A simulator refusal as the robot's error (a refused placement reads as "unreachable").
pub(crate) fn sim_error(e: SimError) -> RobotError {
    match e {
        SimError::WrongLength { expected, got } => RobotError::WrongLength { expected, got },
        SimError::NonFinite { joint, value } => RobotError::NonFinite {
            what: format!("target for joint \"{joint}\""),
            value: format!("{value}"),
        },
        SimError::OutOfLimits {
            joint,
            value,
            lower,
            upper,
        } => RobotError::OutOfRange {
            what: format!("target for joint \"{joint}\""),
            value,
            lower,
            upper,
        },
        SimError::BadPlacement(why) => RobotError::Unreachable(why),
    }
}

impl Robot for SimRobot {
    fn spec(&self) -> &RobotSpec {
        &self.spec
    }

    fn state(&self) -> RobotState {
        let ee = self.world.ee_frame();
        RobotState {
            time: self.world.time(),
            joint_positions: self.world.joint_positions(),
            joint_velocities: self.world.joint_velocities(),
            ee_position: ee.translation,
            ee_orientation: ee.rotation,
            holding: self.hold_at.is_some(),
            contact_force: self
                .world
                .config
                .robot
                .gel_link
                .is_some()
                .then(|| self.world.gel_normal_force()),
        }
    }

    fn command(&mut self, command: Command) -> Result<(), RobotError> {
        command.validate(&self.spec)?;
        if self.stopped && command.mode != CommandMode::Hold {
            return Err(RobotError::Stopped);
        }
        if command.mode != CommandMode::Hold {
            self.hold_at = None;
        }
        self.command = command;
        Ok(())
    }

    fn step(&mut self) -> Result<RobotState, RobotError> {
        let targets = match &self.command.mode {
            CommandMode::Hold => {
                // Where the joints are, kept within their limits: a joint pushed a hair past
                // its stop is held at the stop.
                let joints = &self.spec.joints;
                let here = || {
                    let q = self.world.joint_positions();
                    q.iter()
                        .zip(joints)
                        .map(|(q, j)| q.clamp(j.lower, j.upper))
                        .collect()
                };
                self.hold_at.get_or_insert_with(here).clone()
            }
            CommandMode::JointPositions(q) => self.rate_limited(q.clone()),
            CommandMode::NamedJointPositions(pairs) => {
                let mut q = self.world.joint_targets().to_vec();
                for (name, v) in pairs {
                    let i = self
                        .spec
                        .joint_index(name)
                        .expect("names checked by validate");
                    q[i] = *v;
                }
                self.rate_limited(q)
            }
            CommandMode::EndEffectorDelta(d) => {
                let p = self.world.ee_frame().translation + *d;
                self.hand_toward(p)?
            }
            CommandMode::EndEffectorPosition(p) => self.hand_toward(*p)?,
        };
        self.world.step(&targets).map_err(sim_error)?;
        Ok(self.state())
    }

    fn read_sensor(&mut self, name: &str) -> Result<Image, RobotError> {
        let Some(kind) = self
            .spec
            .sensors
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.kind)
        else {
            return Err(RobotError::UnknownSensor {
                name: name.into(),
                known: self.spec.sensors.iter().map(|s| s.name.clone()).collect(),
            });
        };
        let unavailable = |e: RenderError| RobotError::SensorUnavailable {
            name: name.into(),
            why: e.to_string(),
        };
        let tactile = kind == SensorKind::Tactile;
        if tactile {
            let t = self.render_tactile().map_err(unavailable)?;
            Ok(Image {
                width: t.width,
                height: t.height,
                rgb: t.rgb,
            })
        } else {
            let (width, height) = sensor_size(&self.spec, name);
            let camera = self
                .camera(name)
                .map_err(unavailable)?
                .with_size(width, height);
            let c = self.render_view(&camera).map_err(unavailable)?;
            Ok(Image {
                width: c.width,
                height: c.height,
                rgb: c.rgb,
            })
        }
    }

    fn home(&mut self) -> Result<RobotState, RobotError> {
        let home = self.world.home_joints().to_vec();
        self.world.set_joint_positions(&home).map_err(sim_error)?;
        self.command = Command::new(CommandMode::Hold);
        self.hold_at = Some(home);
        self.stopped = false;
        Ok(self.state())
    }

    fn stop(&mut self) {
        self.command = Command::new(CommandMode::Hold);
        self.hold_at = None;
        self.stopped = true;
    }

    fn set_sensor_size(&mut self, name: &str, width: u32, height: u32) -> Result<(), RobotError> {
        privileges::set_sensor_size(&mut self.spec, name, width, height)
    }

    fn hand_at(&self, joints: &[f64]) -> Option<DVec3> {
        let arm = &self.world.arm;
        let chain = &arm.description.chain;
        (joints.len() == chain.dof() && joints.iter().all(|q| q.is_finite()))
            .then(|| arm.base.translation + arm.base.rotation * chain.forward(joints).translation)
    }

    fn simulator(&self) -> Option<&dyn crate::Simulator> {
        Some(self)
    }

    fn simulator_mut(&mut self) -> Option<&mut dyn crate::Simulator> {
        Some(self)
    }
}

/// The size sensor `name` renders at (its spec's).
fn sensor_size(spec: &RobotSpec, name: &str) -> (u32, u32) {
    spec.sensors
        .iter()
        .find(|s| s.name == name)
        .map_or((0, 0), |s| (s.width, s.height))
}

impl Oracle for SimRobot {
    fn oracle(&self) -> OracleState {
        let w = &self.world;
        let die = w.die_readout();
        OracleState {
            time: w.time(),
            door_angle: w.door_angle(),
            door_handle: w.door_handle_position(),
            cup_position: w.cup_pose().map(|p| p.translation),
            cup_orientation: w.cup_pose().map(|p| p.rotation),
            cup_tilt: w.cup_tilt(),
            die_position: w.die_pose().map(|p| p.translation),
            die_orientation: w.die_pose().map(|p| p.rotation),
            die_face_up: die.map(|d| d.face_up),
            die_face_on_gel: die.and_then(|d| d.face_on_gel),
            gel_in_contact: w.gel_in_contact(),
        }
    }
}
