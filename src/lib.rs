//! byfeel: a robot simulator with a learning gym, after the Levine lab's work on learning
//! manipulation from touch and from self-set goals.
//!
//! This crate is the facade and the `byfeel` command-line tool; the layers live in their own
//! crates and are re-exported here:
//! - [`sim`]: the rapier3d world (arm from URDF, door, cup, d20, table), fixed-step and
//!   deterministic;
//! - [`render`]: wgpu scene cameras, the gel tactile sensor and the viewer window, on a GPU or
//!   on the CPU (Vulkan lavapipe);
//! - [`gym`]: the [`gym::Robot`] hardware trait, its [`gym::SafetyLayer`], and
//!   [`gym::SimRobot`] (whose cameras and gel are drawn by [`render`]), tasks, the experience
//!   store;
//! - [`agents`]: burn models and planners (the predictive agent).
//!
//! ```no_run
//! use byfeel::gym::{Command, Oracle, Robot, SafetyLayer, SimRobot};
//! use byfeel::sim::Randomization;
//! let mut robot = SafetyLayer::new(SimRobot::from_scene("cup", Randomization::Seeded(1))?);
//! robot.command(Command::ee_delta(0.0, 0.01, 0.0))?;
//! robot.step()?;
//! println!("cup at {:?}", robot.oracle().cup_position);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use byfeel_agents as agents;
pub use byfeel_gym as gym;
pub use byfeel_remote as remote;
pub use byfeel_render as render;
pub use byfeel_sim as sim;
