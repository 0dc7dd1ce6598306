//! Where an agent's arm is: simulated in this process, or behind a robot server
//! (`byfeel serve`), reached through [`byfeel_remote::RemoteRobot`].

use byfeel_gym::{EnvConfig, EnvError, Robot, SimRobot, TaskEnv};
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

/// A task on whichever arm a run was pointed at: this process's simulator or a served arm.
pub type ArmEnv = TaskEnv<Box<dyn Robot + Send>>;

/// The task of `config` on the robot server at `robot` (`HOST:PORT`), or on a simulator in
/// this process when `None` (the same environment as [`TaskEnv::new`], step for step).
pub fn env_on(config: EnvConfig, robot: Option<&str>) -> Result<ArmEnv, AgentError> {
    let arm: Box<dyn Robot + Send> = match robot {
        Some(addr) => Box::new(connect(addr)?),
        None => Box::new(
            SimRobot::from_scene(config.scene(), config.first_build())
                .map_err(|e| AgentError::Env(EnvError::Setup(e.to_string())))?,
        ),
    };
    Ok(TaskEnv::on_robot(config, arm)?)
}

/// Records in `out/arm.toml` which arm an evaluation ran on (the server's address and the
/// reality gap it serves), and returns a report section saying so.
pub fn record(addr: &str, out: &std::path::Path) -> Result<String, AgentError> {
    let server = RemoteRobot::watch(addr).map_err(|e| AgentError::Env(EnvError::Robot(e)))?;
    let gap = server.gap();
    let text = format!("robot = {addr:?}\n\n[gap]\n{gap}");
    let path = out.join("arm.toml");
    std::fs::write(&path, text).map_err(|e| crate::io_error(&path, e))?;
    let name = gap
        .lines()
        .find_map(|l| l.strip_prefix("name = "))
        .map_or("none".to_string(), |n| n.trim_matches('"').to_string());
    Ok(format!(
        "## Arm\n\nThe robot server at `{addr}`; reality gap: **{name}** (in full: `arm.toml`).\n\n"
    ))
}
