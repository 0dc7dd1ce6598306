//! Where an agent's arm is: simulated in this process, or behind a robot server
//! (`byfeel serve`), reached through [`byfeel_remote::RemoteRobot`].

use byfeel_gym::{EnvConfig, EnvError, TaskEnv};
use byfeel_remote::RemoteRobot;

use crate::AgentError;

/// Connects to the robot server at `addr` (`HOST:PORT`) and takes control of its arm.
pub fn connect(addr: &str) -> Result<RemoteRobot, AgentError> {
    RemoteRobot::connect(addr).map_err(|e| AgentError::Env(EnvError::Robot(e)))
}

/// The task of `config` on the robot server at `addr`.
pub fn remote_env(config: EnvConfig, addr: &str) -> Result<TaskEnv<RemoteRobot>, AgentError> {
    Ok(TaskEnv::on_robot(config, connect(addr)?)?)
}
