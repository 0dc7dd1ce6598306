//! byfeel's learning-facing world. For now: the [`Robot`] trait (the hardware boundary), the
//! [`SafetyLayer`] that guards every backend, the simulated backend [`SimRobot`], and the
//! evaluation-only [`Oracle`]. Tasks, `Env`, `VecEnv` and the experience store build on these.

mod oracle;
mod robot;
mod safety;
pub mod scripted;
mod sim_robot;

pub use oracle::{Oracle, OracleState};
pub use robot::{
    Command, CommandMode, Image, JointSpec, Robot, RobotError, RobotSpec, RobotState, SensorKind,
    SensorSpec, Workspace,
};
pub use safety::SafetyLayer;
pub use sim_robot::{SimRobot, SimRobotSnapshot};
