//! byfeel's learning-facing world. For now: the [`Robot`] trait (the hardware boundary), the
//! [`SafetyLayer`] that guards every backend, the simulated backend [`SimRobot`], and the
//! evaluation-only [`Oracle`]. Tasks, `Env`, `VecEnv` and the experience store build on these.

pub mod collect;
pub mod door_family;
mod env;
pub mod gap;
pub mod info;
mod oracle;
mod robot;
mod safety;
pub mod scripted;
mod sim_robot;
mod simulator;
pub mod spaces;
pub mod store;
mod tasks;
mod vec_env;

pub use env::{Env, EnvError, EnvSpec, Info, InfoValue, ResetOptions, RewardFn, Transition};
pub use oracle::{Oracle, OracleState};
pub use robot::{
    Command, CommandMode, Image, JointSpec, Robot, RobotError, RobotSpec, RobotState, SensorKind,
    SensorSpec, Workspace,
};
pub use safety::SafetyLayer;
pub use sim_robot::{SceneEdit, SimRobot, SimRobotSnapshot};
pub use simulator::{DoorGeometry, Placement, Randomization, SceneGeometry, Simulator};
pub use spaces::{Array, ArrayData, BoxSpace, Dtype, Observation, Space};
pub use tasks::{
    ActionMode, EnvConfig, ObsMode, RewardType, STAY, Success, Task, TaskEnv, probe_pictures,
    success_pictures,
};
pub use vec_env::{AutoReset, VecEnv, VecTransition, stack};
