//! The hardware boundary: what every task and agent may know of, and do to, an arm.
//!
//! A [`Robot`] is a simulated arm ([`crate::SimRobot`]) or, later, a real one behind a network
//! client. Tasks and agents hold a `Robot` wrapped in [`crate::SafetyLayer`], never the world, so
//! a trained agent can be pointed at a real arm unchanged. What a real arm could not tell (door
//! angle, die face) is not here: see [`crate::Oracle`].

use glam::{DQuat, DVec3};

use crate::simulator::Simulator;

/// An axis-aligned box in the robot's world frame (metres).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Workspace {
    /// Lowest corner: the smallest x, y and z in the box (metres).
    pub min: DVec3,
    /// Highest corner: the largest x, y and z in the box (metres).
    pub max: DVec3,
}

impl Workspace {
    /// The point of the box nearest to `p`.
    pub fn clamp(&self, p: DVec3) -> DVec3 {
        p.clamp(self.min, self.max)
    }

    /// How far `p` lies outside the box (metres; 0 inside).
    pub fn outside(&self, p: DVec3) -> f64 {
        (p - self.clamp(p)).length()
    }

    /// Whether `p` lies inside the box, faces included.
    pub fn contains(&self, p: DVec3) -> bool {
        p.cmpge(self.min).all() && p.cmple(self.max).all()
    }
}

/// One moving joint of the arm.
#[derive(Debug, Clone, PartialEq)]
pub struct JointSpec {
    /// The joint's name, as [`CommandMode::NamedJointPositions`] refers to it.
    pub name: String,
    /// Position limits (rad or m); infinite for continuous joints.
    pub lower: f64,
    /// Upper position limit (rad or m); `lower` is the other end.
    pub upper: f64,
    /// Largest speed the joint may be commanded to move at (rad/s or m/s).
    pub max_velocity: f64,
}

/// What kind of image a sensor gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SensorKind {
    /// An RGB (+depth) camera looking at the scene.
    Camera,
    /// A gel tactile sensor on the fingertip.
    Tactile,
}

/// A named sensor the arm carries or sees through.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorSpec {
    /// The name [`Robot::read_sensor`] takes.
    pub name: String,
    /// Camera or gel tactile sensor.
    pub kind: SensorKind,
    /// Image width, pixels.
    pub width: u32,
    /// Image height, pixels.
    pub height: u32,
}

/// Static facts about an arm: joints, limits, control rate, workspace and sensors.
#[derive(Debug, Clone, PartialEq)]
pub struct RobotSpec {
    /// The arm's name.
    pub name: String,
    /// The moving joints, in the order joint vectors use.
    pub joints: Vec<JointSpec>,
    /// Seconds per control step: commands take effect on this clock.
    pub control_dt: f64,
    /// End-effector targets are clipped into this box.
    pub workspace: Workspace,
    /// Largest end-effector motion per control step, per axis (metres).
    pub max_ee_step: f64,
    /// The sensors [`Robot::read_sensor`] can read.
    pub sensors: Vec<SensorSpec>,
}

impl RobotSpec {
    /// Joint targets one control step can reach from `from` toward `targets`: each joint moves at
    /// most its velocity limit times the control step, and stays within its position limits.
    pub fn joint_step(&self, from: &[f64], targets: &[f64]) -> Vec<f64> {
        targets
            .iter()
            .zip(from)
            .zip(&self.joints)
            .map(|((t, q), j)| {
                let max = j.max_velocity * self.control_dt;
                (q + (t - q).clamp(-max, max)).clamp(j.lower, j.upper)
            })
            .collect()
    }

    /// Index of the joint called `name`.
    pub fn joint_index(&self, name: &str) -> Option<usize> {
        self.joints.iter().position(|j| j.name == name)
    }
}

/// A timestamped reading of the arm's own state.
#[derive(Debug, Clone, PartialEq)]
pub struct RobotState {
    /// Seconds on the robot's clock when the reading was taken.
    pub time: f64,
    /// Joint positions (rad or m), in [`RobotSpec::joints`] order.
    pub joint_positions: Vec<f64>,
    /// Joint velocities (rad/s or m/s), in [`RobotSpec::joints`] order.
    pub joint_velocities: Vec<f64>,
    /// End-effector (tool contact point) position and orientation in the world frame.
    pub ee_position: DVec3,
    /// End-effector orientation in the world frame.
    pub ee_orientation: DQuat,
    /// True if the last step held still because its command had passed its deadline.
    pub holding: bool,
    /// Normal force pressing on the fingertip (N), where the arm measures it (the gel's
    /// contact force in simulation; a wrist force sensor on a real arm).
    pub contact_force: Option<f64>,
}

/// How a command moves the arm.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandMode {
    /// Keep the joints where they are.
    Hold,
    /// Targets for every joint, in [`RobotSpec::joints`] order.
    JointPositions(Vec<f64>),
    /// Targets for some joints by name; the others hold.
    NamedJointPositions(Vec<(String, f64)>),
    /// Move the end effector by this much (metres, world frame), tool orientation held.
    EndEffectorDelta(DVec3),
    /// Move the end effector toward this point (metres, world frame), tool orientation held.
    EndEffectorPosition(DVec3),
}

/// A command and the robot-clock time after which it must no longer be executed.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// What the arm is told to do.
    pub mode: CommandMode,
    /// Robot-clock seconds; a step that starts after it holds still instead. `None`: no deadline.
    pub deadline: Option<f64>,
}

impl Command {
    /// A command with no deadline.
    pub fn new(mode: CommandMode) -> Self {
        Self {
            mode,
            deadline: None,
        }
    }

    /// Shorthand for an end-effector delta with no deadline.
    pub fn ee_delta(x: f64, y: f64, z: f64) -> Self {
        Self::new(CommandMode::EndEffectorDelta(DVec3::new(x, y, z)))
    }

    /// The same command, valid until robot-clock time `deadline`.
    pub fn with_deadline(mut self, deadline: f64) -> Self {
        self.deadline = Some(deadline);
        self
    }
}

/// Why a robot refused a request. A refused command changes nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RobotError {
    /// A number that must be finite was NaN or infinite.
    #[error("{what} is not finite: {value:?}")]
    NonFinite {
        /// What the number was (a deadline, a joint's target, an end-effector delta).
        what: String,
        /// The value given, printed.
        value: String,
    },
    /// A value outside the range it must lie in (a joint limit, the per-step end-effector limit).
    #[error("{what} = {value} is out of range [{lower}, {upper}]")]
    OutOfRange {
        /// What was out of range.
        what: String,
        /// The value given.
        value: f64,
        /// Smallest value allowed.
        lower: f64,
        /// Largest value allowed.
        upper: f64,
    },
    /// A joint vector of the wrong length.
    #[error("expected {expected} joint values, got {got}")]
    WrongLength {
        /// Values the arm needs: one per joint.
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// A joint name the arm does not have.
    #[error("unknown joint \"{name}\"; the joints are {known:?}")]
    UnknownJoint {
        /// The name given.
        name: String,
        /// The arm's joint names.
        known: Vec<String>,
    },
    /// A joint given two targets in one command.
    #[error("joint \"{name}\" is given more than once")]
    DuplicateJoint {
        /// The joint's name.
        name: String,
    },
    /// A sensor name the arm does not have.
    #[error("unknown sensor \"{name}\"; the sensors are {known:?}")]
    UnknownSensor {
        /// The name given.
        name: String,
        /// The arm's sensor names.
        known: Vec<String>,
    },
    /// A known sensor that could not give an image now.
    #[error("sensor \"{name}\" cannot be read: {why}")]
    SensorUnavailable {
        /// The sensor's name.
        name: String,
        /// What went wrong.
        why: String,
    },
    /// A command the safety layer cannot make safe on this arm, and why.
    #[error("refused for safety: {0}")]
    Unsafe(String),
    /// The arm was stopped; it refuses motion until [`Robot::home`].
    #[error("the robot is stopped; call home() to resume")]
    Stopped,
    /// The arm cannot get where it was asked (or the scene lacks the object), and why.
    #[error("the arm cannot reach the target: {0}")]
    Unreachable(String),
    /// A robot server refused a request or could not be reached (its reason).
    #[error("robot server: {0}")]
    Remote(String),
}

/// An image from a sensor: rows of RGB pixels, top row first.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// `width * height * 3` bytes: R, G, B per pixel, row by row.
    pub rgb: Vec<u8>,
}

/// An arm: simulated or real, driven one control step at a time.
///
/// The contract: [`Robot::command`] checks and stores a command (an error leaves the previous
/// command in force and the arm untouched); [`Robot::step`] executes the stored command for one
/// control step ([`RobotSpec::control_dt`]) and returns the state at the end of it. A command
/// stays in force for later steps until replaced or past its deadline.
pub trait Robot {
    /// Static facts about the arm: joints, limits, control step, workspace and sensors.
    fn spec(&self) -> &RobotSpec;
    /// The arm's state now.
    fn state(&self) -> RobotState;
    /// Checks and stores the command to execute from the next step on.
    fn command(&mut self, command: Command) -> Result<(), RobotError>;
    /// Runs one control step and returns the state after it.
    fn step(&mut self) -> Result<RobotState, RobotError>;
    /// Reads a named sensor (see [`RobotSpec::sensors`]).
    fn read_sensor(&mut self, name: &str) -> Result<Image, RobotError>;
    /// Returns to the home posture and clears a stop.
    fn home(&mut self) -> Result<RobotState, RobotError>;
    /// Holds still and refuses motion commands until [`Robot::home`].
    fn stop(&mut self);
    /// Sets the size of the images sensor `name` gives from now on (a camera driver scales
    /// its frames; a simulator renders at that size). A sensor of fixed size refuses others.
    fn set_sensor_size(&mut self, name: &str, width: u32, height: u32) -> Result<(), RobotError>;
    /// Where the end effector would be with the joints at `joints` (forward kinematics), if
    /// this arm knows its kinematics. The [`SafetyLayer`](crate::SafetyLayer) needs it to keep
    /// joint-space commands inside the workspace: an arm without it has them refused.
    fn hand_at(&self, joints: &[f64]) -> Option<DVec3> {
        let _ = joints;
        None
    }
    /// The simulator's privileges, if this arm is simulated (here or behind a server that
    /// offers them); `None` for a real arm.
    fn simulator(&self) -> Option<&dyn Simulator> {
        None
    }
    /// [`Robot::simulator`], to change the scene with.
    fn simulator_mut(&mut self) -> Option<&mut dyn Simulator> {
        None
    }
}

/// A boxed robot is a robot: servers hold whichever backend they were given.
impl<R: Robot + ?Sized> Robot for Box<R> {
    fn spec(&self) -> &RobotSpec {
        (**self).spec()
    }
    fn state(&self) -> RobotState {
        (**self).state()
    }
    fn command(&mut self, command: Command) -> Result<(), RobotError> {
        (**self).command(command)
    }
    fn step(&mut self) -> Result<RobotState, RobotError> {
        (**self).step()
    }
    fn read_sensor(&mut self, name: &str) -> Result<Image, RobotError> {
        (**self).read_sensor(name)
    }
    fn home(&mut self) -> Result<RobotState, RobotError> {
        (**self).home()
    }
    fn stop(&mut self) {
        (**self).stop()
    }
    fn set_sensor_size(&mut self, name: &str, width: u32, height: u32) -> Result<(), RobotError> {
        (**self).set_sensor_size(name, width, height)
    }
    fn hand_at(&self, joints: &[f64]) -> Option<DVec3> {
        (**self).hand_at(joints)
    }
    fn simulator(&self) -> Option<&dyn Simulator> {
        (**self).simulator()
    }
    fn simulator_mut(&mut self) -> Option<&mut dyn Simulator> {
        (**self).simulator_mut()
    }
}

impl Command {
    /// Checks the command against the arm's spec: every number finite, joint vectors the right
    /// length, joint names known and targets within limits, end-effector deltas within the
    /// per-step limit. Clipping to the workspace is not an error; this is.
    pub fn validate(&self, spec: &RobotSpec) -> Result<(), RobotError> {
        if let Some(d) = self.deadline
            && d.is_nan()
        {
            return Err(RobotError::NonFinite {
                what: "deadline".into(),
                value: format!("{d}"),
            });
        }
        let check_joint = |j: &JointSpec, q: f64| -> Result<(), RobotError> {
            if !q.is_finite() {
                return Err(RobotError::NonFinite {
                    what: format!("target for joint \"{}\"", j.name),
                    value: format!("{q}"),
                });
            }
            if q < j.lower || q > j.upper {
                return Err(RobotError::OutOfRange {
                    what: format!("target for joint \"{}\"", j.name),
                    value: q,
                    lower: j.lower,
                    upper: j.upper,
                });
            }
            Ok(())
        };
        let finite_vec = |what: &str, v: DVec3| -> Result<(), RobotError> {
            if v.is_finite() {
                Ok(())
            } else {
                Err(RobotError::NonFinite {
                    what: what.into(),
                    value: format!("{v:?}"),
                })
            }
        };
        match &self.mode {
            CommandMode::Hold => Ok(()),
            CommandMode::JointPositions(q) => {
                if q.len() != spec.joints.len() {
                    return Err(RobotError::WrongLength {
                        expected: spec.joints.len(),
                        got: q.len(),
                    });
                }
                spec.joints
                    .iter()
                    .zip(q)
                    .try_for_each(|(j, q)| check_joint(j, *q))
            }
            CommandMode::NamedJointPositions(pairs) => {
                let mut seen = std::collections::HashSet::new();
                for (name, q) in pairs {
                    let Some(i) = spec.joint_index(name) else {
                        return Err(RobotError::UnknownJoint {
                            name: name.clone(),
                            known: spec.joints.iter().map(|j| j.name.clone()).collect(),
                        });
                    };
                    if !seen.insert(i) {
                        return Err(RobotError::DuplicateJoint { name: name.clone() });
                    }
                    check_joint(&spec.joints[i], *q)?;
                }
                Ok(())
            }
            CommandMode::EndEffectorDelta(d) => {
                finite_vec("end-effector delta", *d)?;
                for (axis, v) in ["x", "y", "z"].iter().zip(d.to_array()) {
                    if v.abs() > spec.max_ee_step {
                        return Err(RobotError::OutOfRange {
                            what: format!("end-effector delta {axis}"),
                            value: v,
                            lower: -spec.max_ee_step,
                            upper: spec.max_ee_step,
                        });
                    }
                }
                Ok(())
            }
            CommandMode::EndEffectorPosition(p) => finite_vec("end-effector position", *p),
        }
    }
}
