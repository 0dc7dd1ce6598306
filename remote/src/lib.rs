//! byfeel's robot server and its client: the [`Robot`](byfeel_gym::Robot) trait over gRPC
//! (`proto/robot.proto`), so that an agent drives an arm in another process or on another
//! machine exactly as it drives one in process.
//!
//! - [`server`]: `byfeel serve`'s server: one arm behind a safety layer and a watchdog, one
//!   controller at a time, any number of watchers.
//! - [`client`]: [`RemoteRobot`], a `Robot` (and, where the served arm is simulated, a
//!   `Simulator`) at the other end of the connection.
//!
//! ```no_run
//! use byfeel_gym::{Robot, SimRobot};
//! use byfeel_remote::{RemoteRobot, ServeOptions, spawn};
//! use byfeel_sim::Randomization;
//!
//! let arm = SimRobot::from_scene("door", Randomization::Nominal)?;
//! let server = spawn(Box::new(arm), "127.0.0.1:0".parse()?, ServeOptions::default())?;
//! let mut robot = RemoteRobot::connect(&server.addr.to_string())?;
//! robot.step()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod client;
mod convert;
pub mod server;

/// The messages and service generated from `proto/robot.proto`.
#[allow(missing_docs, clippy::all)]
pub mod proto {
    tonic::include_proto!("byfeel.robot.v1");
}

pub use client::RemoteRobot;
pub use server::{Clock, RobotServer, ServeError, ServeOptions, ServerHandle, spawn};
