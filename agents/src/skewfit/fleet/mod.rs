//! Skew-Fit for a fleet: many robots, each on its own door of the door family, practising with
//! the latest policy while one learner trains on everything they recorded.
//!
//! - [`FleetLearner`] reads the robots' stores as they grow (one store per robot), fits the
//!   VAE and SAC exactly as [`train`](super::train) does after each epoch of exploration, and
//!   hands out a [`PolicyBundle`]: the VAE, the policy and, per robot, goal pictures of its
//!   own door drawn by the skewed weights.
//! - [`SkewFitExplorer`] is a robot's side: given a bundle it chases the bundle's goals with
//!   the policy's sampled actions; before the first bundle (warm-up) it acts at random.
//!
//! The learner's run directory is laid out as a Skew-Fit run's (`skewfit.json`, `scene.json`,
//! `vae.bpk`, `sac/`, logs, `checkpoint/`), so `byfeel eval` takes it as it takes any.

mod bundle;
mod explorer;
mod learner;

pub use bundle::PolicyBundle;
pub use explorer::SkewFitExplorer;
pub use learner::{FleetEpoch, FleetLearner};
